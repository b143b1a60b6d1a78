from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell, markdown_cell


class EmptyCell(Rule):
    """## What it does
    Flags code and markdown cells that contain nothing but whitespace, including the
    empty cell Jupyter leaves at the end of a notebook. Raw cells and tagged cells (an
    empty `parameters` cell papermill injects after) are left alone.

    ## Why is this bad?
    Empty cells are leftovers of editing: they add noise to the notebook, its diffs and
    any code exported from it, and an empty cell at the end is where the next,
    undocumented experiment starts.

    ## Example
        [5] model.fit(X_train, y_train)
        [ ]

    ## Use instead
    Delete the empty cells before committing.
    """

    code = "NBP503"
    name = "empty-cell"
    area = ChecklistArea.DOCUMENTATION
    severity = Severity.INFO
    checklist_item = "Pre-commit hygiene: keep notebooks small and reviewable"

    valid = [
        ["x = 1", markdown_cell("# Title"), "# a comment is content\n"],
        [code_cell("", count=None, tags=["parameters"]), "x = 1"],
    ]
    invalid = [
        Invalid(
            ["x = 1", code_cell("  \n\t", count=None), "y = 2", code_cell("", count=None)],
            at=[(1, 1), (3, 1)],
        ),
        Invalid([markdown_cell("\n\n"), "x = 1"], at=[(0, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        cells = nb.notebook.cells
        for cell in cells:
            if cell.kind in ("code", "markdown") and not cell.source.strip() and not cell.tags:
                where = " at the end of the notebook" if cell.index == len(cells) - 1 else ""
                yield self.finding(nb, cell, f"empty {cell.kind} cell{where}: delete it", 1, 1)
