from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts, NameRef
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell


class ModifiedAfterRead(Rule):
    """## What it does
    Flags a cell that reads a name whose defining cell (the nearest cell above that
    assigns it) was executed again after this cell ran. Re-imports are not reported.

    ## Why is this bad?
    This cell's stored outputs were computed from an older value. The notebook shows
    results that the current code does not produce: hidden state.

    ## Example
        [7] df = load().dropna()    # re-run after the cell below
        [3] df.describe()           # output computed from the old `df`

    ## Use instead
    Re-run the cells that depend on a cell you changed, or restart and run all.
    """

    code = "NBP106"
    name = "modified-after-read"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["df = [1, 2]", "n = len(df)", "df = []"],  # a later cell reassigning is normal
        [code_cell("import numpy as np", count=5), code_cell("np.ones(2)", count=2)],
        [
            code_cell("x = 1", count=1),
            code_cell("x = x + 1", count=2),
            code_cell("print(x)", count=3),
        ],
        [code_cell("x = 1", count=None), code_cell("print(x)", count=None)],
    ]
    invalid = [
        Invalid(
            [code_cell("df = load()", count=7), code_cell("df.describe()", count=3)], at=[(1, 1, 1)]
        ),
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("b = 2", count=9),
                code_cell("print(a)\nprint(b)", count=4),
            ],
            at=[(2, 2, 7)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for position, facts in enumerate(nb.cells):
            ran = facts.cell.execution_count
            if not ran:  # never run, or a tool's placeholder 0
                continue
            stale: list[tuple[NameRef, CellFacts]] = []
            seen: set[str] = set()
            for ref in facts.reads:
                if ref.name in seen:
                    continue
                seen.add(ref.name)
                writer = self._writer(nb, ref.name, position)
                if writer is not None and (writer.cell.execution_count or 0) > ran:
                    stale.append((ref, writer))
            if stale:
                ref, writer = stale[0]
                others = ", ".join(f"'{r.name}'" for r, _ in stale[1:4])
                more = f" (also {others})" if others else ""
                yield self.at_ref(
                    nb,
                    facts,
                    ref,
                    f"'{ref.name}' was assigned by cell {writer.cell.number} (run as"
                    f" [{writer.cell.execution_count}]) after this cell ran as [{ran}]{more}:"
                    " its outputs may be stale",
                )

    @staticmethod
    def _writer(nb: AnalyzedNotebook, name: str, position: int) -> CellFacts | None:
        """The nearest cell above ``position`` that assigns ``name`` (imports excluded)."""
        writer = None
        for facts, binding in nb.definitions.get(name, ()):
            if nb.position_of(facts) >= position:
                break
            writer = facts if binding.kind != "import" else None
        return writer
