"""Constants in the parameters cell (papermill's `parameters` tag), created if missing."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from nbprod.fixes.model import Edit
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Cell, Notebook

PARAMETERS = "parameters"


def imports_module(source: str, module: str) -> bool:
    """Whether a top-level ``import module`` (alone or in a list) binds ``module``."""
    pattern = rf"^import +(?:[\w.]+ *, *)*{re.escape(module)} *(?:,|$|#)"
    return re.search(pattern, source, re.M) is not None


def assignment(nb: Notebook, name: str) -> tuple[Cell, str] | None:
    """The first code cell assigning ``name`` at the top level, and the assigned text."""
    assigns = re.compile(rf"^{re.escape(name)}\s*(?::[^=]*)?=(?!=)\s*(.*)$", re.M)
    for cell in nb.code_cells:
        match = assigns.search(cell.source)
        if match is not None:
            return cell, match.group(1).strip()
    return None


def define(
    nb: Notebook,
    constants: Sequence[tuple[str, str]],
    used_in: int,
    needs: str | None = None,
) -> tuple[Edit, ...] | None:
    """Edits that define each ``NAME = value`` of ``constants`` before cell ``used_in``:
    nothing for a name a cell above already assigns, lines at the end of the parameters
    cell, or a new parameters cell near the top; ``needs`` is a module the values use,
    imported there unless a cell before does it. None when a definition cannot come
    before the use (the name or the parameters cell is only defined further down)."""
    lines = []
    for name, value in constants:
        found = assignment(nb, name)
        if found is not None and found[0].index > used_in:
            return None
        if found is None:
            lines.append(f"{name} = {value}")
    if not lines:
        return ()
    line = "\n".join(lines)
    for cell in nb.code_cells:
        if PARAMETERS in cell.tags:
            if cell.index > used_in:
                return None
            text = _with_import(nb, line, needs, cell.index)
            source = cell.source
            source_lines = source.split("\n")
            end = (len(source_lines), len(source_lines[-1]) + 1)
            if not source.strip():
                return (Edit("replace", cell.index, cell.id, (1, 1), end, text),)
            text = ("" if source.endswith("\n") else "\n") + text
            return (Edit("replace", cell.index, cell.id, end, end, text),)
    place = _place(nb, used_in)
    text = _with_import(nb, line, needs, place - 1)
    return (Edit("insert_cell", place, _new_id(nb), text=text, tags=(PARAMETERS,)),)


def _place(nb: Notebook, used_in: int) -> int:
    """Where a new parameters cell goes: after the title and the set-up cells (imports,
    installs, version prints) at the top, before the first cell doing work, and never
    after the cell that uses it. The markdown above the first cell doing work is what
    states the notebook's objective (NBP501): the new cell must not come above it."""
    for cell in nb.code_cells:
        if cell.index >= used_in or not _setup(cell.source):
            return min(cell.index, used_in)
    return used_in


def _setup(source: str) -> bool:
    """Only imports, IPython lines (masked to ``pass``) and values shown (``print(...)``,
    ``np.__version__``)."""
    try:
        tree = ast.parse(mask(source).text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if isinstance(stmt, ast.Expr) and _shows(stmt.value):
            continue
        return False
    return True


def _shows(value: ast.expr) -> bool:
    if isinstance(value, ast.Call):
        func = value.func
        return isinstance(func, ast.Name) and func.id in ("print", "display")
    return isinstance(value, (ast.Name, ast.Attribute, ast.Constant))


def _with_import(nb: Notebook, line: str, module: str | None, last: int) -> str:
    """``line``, after ``import module`` unless a code cell up to ``last`` imports it."""
    if module is None or any(
        imports_module(c.source, module) for c in nb.code_cells if c.index <= last
    ):
        return line
    return f"import {module}\n{line}"


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
