from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell, markdown_cell

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ARROW = re.compile(r"^-+> ?(\d+)", re.M)
_ERROR = {
    "output_type": "error",
    "ename": "NameError",
    "evalue": "name 'x' is not defined",
    "traceback": ["\x1b[0;31mNameError\x1b[0m", "Cell In[1], line 2\n      1 y = 1\n----> 2 x\n"],
}


class StoredErrorOutput(Rule):
    """## What it does
    Flags a code cell whose stored output is an exception traceback. Deliberate errors
    are skipped: cells tagged `raises-exception` (the Jupyter Book convention), and cells
    whose own comments, or the markdown right before or after them, say that an error is
    coming or what it was ("# this will error", "we get the error: `RuntimeError` ...").

    ## Why is this bad?
    The saved notebook failed when it was run: the results below it were computed
    without this cell finishing, or in a different kernel state. Rules of ML #10:
    watch for silent failures; a failure nobody re-ran is one.

    ## Example
        [4] df = pd.read_csv(path)   # FileNotFoundError stored below

    ## Use instead
    Fix the cause, re-run the notebook, and commit it with clean outputs.
    """

    code = "NBP107"
    name = "stored-error-output"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Rules of ML #10: watch for silent failures"

    valid = [
        ["x = 1"],
        [code_cell("y = 1\nx", outputs=[_ERROR], tags=["raises-exception"])],
        # a tutorial showing an error on purpose, and saying so
        [code_cell("# Note: this will error, x is not defined yet\nx", outputs=[_ERROR])],
        [code_cell("# a GPU tensor can't become a NumPy array\nx", outputs=[_ERROR])],
        [
            code_cell("y = 1\nx", outputs=[_ERROR]),
            markdown_cell("Oh no! We get a `NameError`: `x` does not exist yet."),
        ],
    ]
    invalid = [
        Invalid([code_cell("y = 1\nx", outputs=[_ERROR])], at=[(0, 2)]),
        Invalid(
            [markdown_cell("## Results"), code_cell("y = 1\nx", outputs=[_ERROR])], at=[(1, 2)]
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for facts in nb.cells:
            cell = facts.cell
            if "raises-exception" in cell.tags:
                continue
            for output in cell.outputs:
                if output.get("output_type") != "error" or _announced(nb, facts, output):
                    continue
                line = _line(output, cell.source.count("\n") + 1)
                value = " ".join(str(output.get("evalue", "")).split())
                if len(value) > 100:
                    value = value[:97] + "..."
                error = (
                    f"{output.get('ename', 'Error')}: {value}"
                    if value
                    else str(output.get("ename", "error"))
                )
                yield self.finding(nb, cell, f"cell has a stored error output: {error}", line)
                break


_SAYS_ERROR = re.compile(
    r"\b(will|would|should|going to|to) (error|fail|raise|break|crash)|\berrors? out\b"
    r"|\b(get|got|see|raises?|throws?) (an?|the|another)( \w+)? (error|exception)\b",
    re.I,
)


_CANNOT = re.compile(r"\b(can't|cannot|can not|won't|doesn't work)\b", re.I)


def _announced(nb: AnalyzedNotebook, facts: CellFacts, output: dict[str, Any]) -> bool:
    """Whether the notebook says the error is on purpose: in the cell's comments, or in
    the markdown just before or after it (naming the error, or saying one comes)."""
    comments = " ".join(
        line.split("#", 1)[1] for line in facts.cell.source.split("\n") if "#" in line
    )
    if _SAYS_ERROR.search(comments) or _CANNOT.search(comments):
        return True
    cells = nb.notebook.cells
    ename = str(output.get("ename", ""))
    for index in (facts.cell.index - 1, facts.cell.index + 1):
        if 0 <= index < len(cells) and cells[index].kind == "markdown":
            text = cells[index].source
            if _SAYS_ERROR.search(text) or (len(ename) > 4 and ename in text):
                return True
    return False


def _line(output: dict[str, object], lines: int) -> int:
    """The cell line the traceback points at (`----> N` of the first frame), else 1."""
    traceback = output.get("traceback")
    if not isinstance(traceback, list):
        return 1
    for frame in traceback:
        match = _ARROW.search(_ANSI.sub("", str(frame)))
        if match is not None:
            line = int(match.group(1))
            return line if 1 <= line <= lines else 1
    return 1
