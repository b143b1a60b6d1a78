"""NBP406 function-not-exported: tag the cell ``export``."""

from __future__ import annotations

from nbprod.findings import Finding
from nbprod.fixes.model import Edit, Fix
from nbprod.notebook.model import Notebook


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    if "export" in cell.tags:
        return None
    return Fix(
        "tag the cell `export`", "safe", (Edit("add_tag", cell.index, cell.id, text="export"),)
    )
