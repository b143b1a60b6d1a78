from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule


class SyntaxError_(Rule):
    """## What it does
    Reports a code cell that is not valid Python, even after IPython syntax
    (`%magic`, `!cmd`, `obj?`) is taken into account.

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
    ]
    invalid = [
        Invalid(["x = (1,", "y = 2"], at=[(0, 1)]),
        Invalid(["%time x = (", "y = 2"], at=[(0, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for facts in nb.cells:
            problem = facts.syntax_error
            if problem is not None:
                yield self.finding(
                    nb,
                    facts.cell,
                    f"cell is not valid Python: {problem.message}",
                    problem.line,
                    problem.column,
                )
