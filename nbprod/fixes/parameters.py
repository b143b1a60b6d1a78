"""Constants in the parameters cell (papermill's `parameters` tag), created if missing."""

from __future__ import annotations

import re

from nbprod.fixes.model import Edit
from nbprod.notebook.model import Notebook

PARAMETERS = "parameters"


def define(nb: Notebook, name: str, value: str, used_in: int) -> tuple[Edit, ...] | None:
    """Edits that define ``name = value`` before cell ``used_in``: none if a cell above
    already assigns it, a line at the end of the parameters cell, or a new parameters
    cell before the first code cell. None when that cannot come before the use (the name
    or the parameters cell is only defined further down)."""
    assigns = re.compile(rf"^{re.escape(name)}\s*(:[^=]*)?=(?!=)", re.M)
    for cell in nb.code_cells:
        if assigns.search(cell.source):
            return () if cell.index <= used_in else None
    line = f"{name} = {value}"
    for cell in nb.code_cells:
        if PARAMETERS in cell.tags:
            if cell.index > used_in:
                return None
            source = cell.source
            lines = source.split("\n")
            end = (len(lines), len(lines[-1]) + 1)
            text = line if not source.strip() else ("" if source.endswith("\n") else "\n") + line
            if not source.strip():
                return (Edit("replace", cell.index, cell.id, (1, 1), end, line),)
            return (Edit("replace", cell.index, cell.id, end, end, text),)
    first = nb.code_cells[0].index
    return (Edit("insert_cell", first, _new_id(nb), text=line, tags=(PARAMETERS,)),)


def _new_id(nb: Notebook) -> str | None:
    """An id for the new cell when the notebook's cells have ids (nbformat 4.5)."""
    if not nb.cells or not all(c.id for c in nb.cells):
        return None
    taken = {c.id for c in nb.cells}
    candidate, n = PARAMETERS, 1
    while candidate in taken:
        n += 1
        candidate = f"{PARAMETERS}-{n}"
    return candidate
