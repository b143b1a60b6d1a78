"""NBP503 empty-cell: delete the cell."""

from __future__ import annotations

from nbprod.findings import Finding
from nbprod.fixes.model import Edit, Fix
from nbprod.notebook.model import Notebook


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    if cell.source.strip():
        return None
    return Fix("delete the empty cell", "safe", (Edit("delete_cell", cell.index, cell.id),))
