from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

_LONG_CELL = "\n".join(f"x{i} = {i}" for i in range(300))


_FILE_MAGICS = frozenset({"writefile", "file"})


class NotebookTooLong(Rule):
    """## What it does
    Flags a notebook with more than `max-code-lines` lines of code (default 500; blank
    and comment-only lines do not count), or more than `max-code-cells` non-empty code
    cells (default 60) holding more than 70% of that many lines: many tiny cells (one
    expression each, as in exercises and maths chapters) are not long. `%%writefile`
    cells do not count: their code already lives in a module. It reports once, at the
    first cell past a limit.

    ## Why is this bad?
    A notebook that long mixes several concerns (loading, cleaning, features, models,
    reports) that cannot be tested or reused separately, and is hard to review or to
    run top to bottom. Prototype code that works belongs in a package; the notebook
    should then only call it.

    ## Example
        [1] ... [87]   # one notebook from raw data to the final report

    ## Use instead
    Split it by stage (`01-explore`, `02-features`, `03-train`), and move the reusable
    functions into a module (`nbprod export` does this for tagged cells).
    """

    code = "NBP504"
    name = "notebook-too-long"
    area = ChecklistArea.DOCUMENTATION
    scope = "notebook"
    severity = Severity.INFO
    checklist_item = "Prototype vs MVP: abstracted, modular code in a package"
    options = {"max-code-cells": 60, "max-code-lines": 500}

    valid = [
        [f"x = {i}" for i in range(60)] + [code_cell("", count=None)] * 5,
        # many one-line cells: a long list of small steps, not a long notebook
        [f"x = {i}" for i in range(181)],
        [_LONG_CELL, "\n\n".join(f"y{i} = {i}" for i in range(200))],
        # 73 cells of one to five lines: 309 lines of small examples
        [f"x = {i}\ny = x\nz = y" if i % 3 else "a = 1\nb = a\n" * 3 + "c = b" for i in range(73)],
        # comments and modules written by %%writefile are not notebook code
        ["# note\n" * 400 + "x = 1", "%%writefile model.py\n" + "x = 1\n" * 400],
    ]
    invalid = [
        Invalid(
            [f"x = {i}\ny = {i}\nz = {i}\nw = {i}\nv = {i}\nu = {i}" for i in range(61)],
            at=[(60, 1)],
        ),
        Invalid(["a = 1", _LONG_CELL, _LONG_CELL], at=[(2, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        max_cells = int(self.option("max-code-cells"))
        max_lines = int(self.option("max-code-lines"))
        cells = lines = 0
        for facts in nb.cells:
            counted = _code_lines(facts)
            if counted is None:
                continue
            cells += 1
            lines += counted
            if lines > max_lines or (cells > max_cells and lines > max_lines * 7 // 10):
                total_cells, total_lines = self._totals(nb)
                yield self.finding(
                    nb,
                    facts.cell,
                    f"notebook too long: {total_cells} code cells and {total_lines} lines of code"
                    f" (limits {max_cells} cells, {max_lines} lines, passed here): split it by stage"
                    " and move reusable code into a module",
                )
                return

    @staticmethod
    def _totals(nb: AnalyzedNotebook) -> tuple[int, int]:
        counts = [n for n in map(_code_lines, nb.cells) if n is not None]
        return len(counts), sum(counts)


def _code_lines(facts: CellFacts) -> int | None:
    """Lines of code in a cell (not blank, not only a comment); None for an empty cell or a
    `%%writefile` cell, whose code already lives in a module."""
    source = facts.cell.source
    if not source.strip() or any(m.kind == "cell" and m.name in _FILE_MAGICS for m in facts.magics):
        return None
    return sum(
        1 for line in source.split("\n") if line.strip() and not line.lstrip().startswith("#")
    )
