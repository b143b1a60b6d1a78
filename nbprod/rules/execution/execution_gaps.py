from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell


class ExecutionGaps(Rule):
    """## What it does
    Flags execution counts that skip numbers: the first count is not 1, or a number
    between two counts is missing. It reports once per notebook, at the first gap,
    with the total number of missing executions, when at least `min-missing` (default
    5) executions are missing: up to four are usually a cell or two re-run while editing.

    An exercise template (at least a third of the code cells blank or only comments)
    is not checked: its few counts are stray runs.

    ## Why is this bad?
    A skipped count is an execution that is not in the notebook: a cell that was run
    again, edited or deleted: the notebook was not run top to bottom in one kernel, and
    the stored results may depend on state no cell shows.

    ## Example
        [1] df = load()
        [4] model = fit(df)

    ## Use instead
    Restart the kernel and run all cells before committing.
    """

    code = "NBP103"
    name = "execution-gaps"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Reproducible results: the notebook runs top to bottom in one kernel"
    options = {"min-missing": 5}

    valid = [
        ["a = 1", "b = 2", "c = 3"],
        [code_cell("a = 1", count=None)],
        # out of order but complete: NBP101's business, not a gap
        [code_cell("a = 1", count=2), code_cell("b = 2", count=1)],
        [code_cell("a = 1", count=0), code_cell("b = 2", count=0)],  # placeholder counts: NBP101
        # a cell or two re-run while editing: not worth a warning
        [code_cell("a = 1", count=1), code_cell("b = 2", count=3), code_cell("c = 3", count=5)],
        [code_cell("a = 1", count=1), code_cell("b = 2", count=2), code_cell("c = 3", count=7)],
        [code_cell("a = 1", count=2), code_cell("b = 2", count=3)],
        # an exercise template: one stray count, the rest are slots
        [
            code_cell("import pandas as pd", count=434),
            code_cell("# Step 1", count=None),
            code_cell("# Step 2", count=None),
            code_cell("", count=None),
        ],
    ]
    invalid = [
        Invalid([code_cell("a = 1", count=1), code_cell("b = 2", count=7)], at=[(1, 1)]),
        Invalid([code_cell("a = 1", count=6), code_cell("b = 2", count=7)], at=[(0, 1)]),
        # small gaps add up
        Invalid([code_cell(f"x{i} = {i}", count=2 * i + 1) for i in range(6)], at=[(1, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        executed = nb.executed
        if not executed or nb.skeleton:  # a template's counts are stray runs
            return
        by_count = sorted(executed, key=lambda c: (c.execution_count or 0, c.index))
        counts = [c.execution_count or 0 for c in by_count]
        missing = sum(max(b - a - 1, 0) for a, b in zip(counts, counts[1:])) + max(counts[0] - 1, 0)
        if missing and missing >= int(self.option("min-missing")):
            if counts[0] != 1:
                cell, detail = by_count[0], f"the first execution count is [{counts[0]}], not [1]"
            else:
                k = next(i for i in range(1, len(counts)) if counts[i] - counts[i - 1] > 1)
                cell, detail = (
                    by_count[k],
                    f"execution count jumps from [{counts[k - 1]}] to [{counts[k]}]",
                )
            yield self.finding(
                nb,
                cell,
                f"{detail}; {missing} execution{'s are' if missing > 1 else ' is'} not in the notebook"
                " (cells re-run, edited or deleted)",
            )
