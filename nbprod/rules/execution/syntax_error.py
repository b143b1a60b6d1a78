from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule


class SyntaxError_(Rule):
    """## What it does
    Reports a code cell that is not valid Python, even after IPython syntax
    (`%magic`, `!cmd`, `obj?`) is taken into account, and a cell nbprod does not analyse:
    nested more than 200 levels deep, or larger than 20,000 lines or 512 KiB (generated
    code; the biggest hand-written cells are a few hundred lines).

    ## Why is this bad?
    The cell fails whenever the notebook is run, and nothing in it can be checked:
    nbprod analyses every other cell but cannot see what this one defines.

    ## Example
        model = train(X, y
        print(model)

    ## Use instead
        model = train(X, y)
        print(model)
    """

    code = "NBP000"
    name = "syntax-error"
    area = ChecklistArea.EXECUTION
    severity = Severity.ERROR
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["%matplotlib inline\nimport os", "files = !ls\n%time n = len(files)", "os?"],
        ["%%bash\necho 'not python: not checked'"],
        ["%%time\ntotal = sum(range(10))"],
        # one-line cells IPython's automagic runs as magics
        ["pip install pandas", "cd data", "ls -la", "import pandas as pd"],
    ]
    invalid = [
        Invalid(["x = (1,", "y = 2"], at=[(0, 1)]),
        Invalid(["%time x = (", "y = 2"], at=[(0, 1)]),
        # automagic applies to one-line cells only: this cell fails in IPython too
        Invalid(["# dependencies\npip install pandas", "y = 2"], at=[(0, 2)]),
        # after a comment, a cell magic is not one
        Invalid(["# query\n%%sql\nSELECT 1"], at=[(0, 2)]),
        Invalid(["print 'python 2'"], at=[(0, 1)]),
        Invalid(["x = 1\u00a0+ 2"], at=[(0, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for facts in nb.cells:
            problem = facts.syntax_error
            if problem is None:
                continue
            line, column = problem.line, problem.column
            message = f"cell is not valid Python: {problem.message}"
            late_magic = _late_cell_magic(facts.cell.source)
            if late_magic is not None:
                line, column = late_magic[0], 1
                message = (
                    f"cell magic %%{late_magic[1]} must be the cell's first line: after the"
                    " lines above it IPython runs it as a line magic and the rest as Python"
                )
            elif "Missing parentheses in call to 'print'" in problem.message:
                message = "cell is not valid Python 3: a Python 2 print statement; use print(...)"
            elif problem.message.startswith("too large to analyse"):
                message = f"cell not checked: {problem.message}"
            elif "U+00A0" in problem.message:
                message = (
                    "cell is not valid Python: a non-breaking space (U+00A0, often pasted from"
                    " a web page or a PDF); replace it with a plain space"
                )
            yield self.finding(nb, facts.cell, message, line, column)


def _late_cell_magic(source: str) -> tuple[int, str] | None:
    """(line, name) of a ``%%magic`` line that only comments precede."""
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if number > 1 and line.startswith("%%"):
            return number, line[2:].split(" ", 1)[0]
        return None
    return None
