from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell, markdown_cell


class EmptyCell(Rule):
    """## What it does
    Flags code and markdown cells that contain nothing but whitespace. Left alone: the
    empty, never-run code cell Jupyter itself keeps at the end of a notebook, an empty
    code cell right under a markdown cell (an exercise's answer slot, run or not), raw
    cells, and tagged cells (an empty `parameters` cell papermill injects after).

    An exercise template (at least a third of the code cells blank or only comments)
    is not checked: its empty cells are answer slots.

    ## Why is this bad?
    Empty cells are leftovers of editing: they add noise to the notebook, its diffs and
    any code exported from it.

    ## Example
        [5] model.fit(X_train, y_train)
        [ ]
        [6] print(model.score(X_test, y_test))

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
        # the empty cell Jupyter keeps at the end of every notebook
        ["x = 1", code_cell("", count=None)],
        # exercises: a question, and an empty cell for the answer
        [markdown_cell("### Step 3. Load the data"), code_cell("", count=None), "x = 1"],
        [markdown_cell("### Step 4. Plot it"), code_cell("", count=7), "y = 2"],
        # an exercise template: empty cells are answer slots
        ["import pandas as pd", "# Step 1. Import the dataset", "", "# Step 2. Count the rows", ""],
    ]
    invalid = [
        Invalid(
            ["x = 1", code_cell("  \n\t", count=None), "y = 2", code_cell("", count=None)],
            at=[(1, 1)],
        ),
        Invalid([markdown_cell("\n\n"), "x = 1"], at=[(0, 1)]),
        # two at the end: the last is Jupyter's, the one before is a leftover
        Invalid(["x = 1", code_cell("", count=None), code_cell("", count=None)], at=[(1, 1)]),
        # run while empty: not Jupyter's placeholder
        Invalid(["x = 1", code_cell("", count=2)], at=[(1, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        if nb.skeleton:
            return  # an exercise template: empty cells are answer slots
        cells = nb.notebook.cells
        for cell in cells:
            if cell.kind not in ("code", "markdown") or cell.source.strip() or cell.tags:
                continue
            if cell.kind == "code":
                if cell.index == len(cells) - 1 and not cell.execution_count:
                    continue  # Jupyter's own placeholder at the end
                if cell.index > 0 and cells[cell.index - 1].kind == "markdown":
                    continue  # an answer slot under a question
            yield self.finding(nb, cell, f"empty {cell.kind} cell: delete it", 1, 1)
