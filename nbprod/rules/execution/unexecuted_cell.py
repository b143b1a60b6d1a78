from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell


class UnexecutedCell(Rule):
    """## What it does
    Flags a code cell that was never run although cells below it were.

    ## Why is this bad?
    The outputs below were computed without this cell: either it is dead code, or
    "Restart & Run All" will run code that the stored results never saw, and may fail
    or change them.

    ## Example
        [1] df = load()
        [ ] df = df[df.age > 0]
        [2] model.fit(df)

    ## Use instead
    Run every cell in order, or delete the cell if it is not needed.
    """

    code = "NBP102"
    name = "unexecuted-cell"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["a = 1", "b = 2"],
        [code_cell("a = 1", count=None), code_cell("b = 2", count=None)],
        [
            code_cell("a = 1", count=1),
            code_cell("b = 2", count=None),
        ],  # not run yet: work in progress
        [
            code_cell("a = 1", count=1),
            code_cell("\n# just a note\n", count=None),
            code_cell("c = 3", count=2),
        ],
    ]
    invalid = [
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("b = a", count=None),
                code_cell("c = 3", count=2),
            ],
            at=[(1, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        later_executed = False
        for facts in reversed(nb.cells):
            cell = facts.cell
            if cell.execution_count is not None:
                later_executed = True
            elif later_executed and cell.has_code:
                yield self.finding(
                    nb, cell, "code cell was never executed, but cells below it were"
                )
