"""NBP107 stored-error-output and NBP502 large-output: clear the cell's outputs.

The execution count stays: the cell did run, and the history of the run is not this
fix's to rewrite.
"""

from __future__ import annotations

from nbprod.findings import Finding
from nbprod.fixes.model import Edit, Fix
from nbprod.notebook.model import Notebook


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    if cell.kind != "code" or not cell.outputs:
        return None
    return Fix("clear the cell's outputs", "safe", (Edit("clear_outputs", cell.index, cell.id),))
