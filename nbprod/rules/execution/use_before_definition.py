from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell


class UseBeforeDefinition(Rule):
    """## What it does
    Flags a name that a cell reads but that is only defined in a cell further down.
    Reads inside a function body count where the function is called, not where it is
    defined, because that is when Python looks the name up.

    ## Why is this bad?
    The notebook only worked because cells were run out of order. "Restart & Run All"
    stops here with a `NameError`, and so does anyone who runs it top to bottom.

    ## Example
        [2] model.fit(X, y)
        [1] model = RandomForestClassifier()

    ## Use instead
    Move the definition above its first use.
        [1] model = RandomForestClassifier()
        [2] model.fit(X, y)
    """

    code = "NBP104"
    name = "use-before-definition"
    area = ChecklistArea.EXECUTION
    severity = Severity.ERROR
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["import pandas as pd", "df = pd.DataFrame()", "df.head()"],
        # a function body reads `threshold` when called, and it is called after the definition
        ["def keep(x):\n    return x > threshold", "threshold = 0.5", "keep(1.0)"],
        ["x = 1\nx = x + 1", "print(x)"],
        ["for i in range(3):\n    total = i", "print(total)"],
        ["squares = [n * n for n in range(5)]"],
        ["class Model:\n    size = 3\n    double = size * 2", "Model()"],
        ["print(max([1, 2]))", "max = 3"],  # the builtin exists before the later cell shadows it
        # constructing an object runs `__init__`; its other methods read their names when called
        [
            "class Model:\n    def __init__(self):\n        self.k = 1\n"
            "    def predict(self, x):\n        return F.relu(x)",
            "m = Model()",
            "import torch.nn.functional as F",
            "m.predict(1)",
        ],
    ]
    invalid = [
        Invalid(["print(df.shape)", "df = load()"], at=[(0, 1, 7)]),
        Invalid(["np.mean([1, 2])", "import numpy as np"], at=[(0, 1, 1)]),
        Invalid(
            ["def keep(x):\n    return x > threshold", "keep(1.0)", "threshold = 0.5"],
            at=[(1, 1, 1)],
        ),
        Invalid(
            ["class Model:\n    def __init__(self):\n        self.k = K", "m = Model()", "K = 3"],
            at=[(1, 1, 5)],
        ),
        Invalid(
            [code_cell("model.fit(X)", count=2), code_cell("model = make()\nX = [[1]]", count=1)],
            at=[(0, 1, 1), (0, 1, 11)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for position, facts in enumerate(nb.cells):
            if facts.syntax_error is not None:
                continue  # an unparsable cell is NBP000's; what it reads is not all known
            reported: set[str] = set()
            for ref in facts.reads:
                if (
                    ref.name in reported
                    or nb.is_ambient(ref.name)
                    or nb.is_defined_at(ref.name, position)
                ):
                    continue
                later = nb.first_definition_after(ref.name, position)
                if later is not None:
                    reported.add(ref.name)
                    yield self.at_ref(
                        nb,
                        facts,
                        ref,
                        f"'{ref.name}' is used here but only defined in cell {later.cell.number}",
                    )
            for use in nb.deferred_uses(facts):
                name = use.read.name
                key = f"{use.function}:{name}"
                if (
                    key in reported
                    or nb.is_ambient(name)
                    or nb.is_defined_at(name, position, inclusive=True)
                ):
                    continue
                later = nb.first_definition_after(name, position)
                if later is not None:
                    reported.add(key)
                    yield self.at_ref(
                        nb,
                        facts,
                        use.via,
                        f"'{use.function}' reads '{name}' (line {use.read.line} of its definition),"
                        f" which is only defined in cell {later.cell.number}",
                    )
