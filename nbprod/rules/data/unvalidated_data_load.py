from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml import Bind, DataLoad, Step
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

# Calls that look at what the data contains: types, distributions, missing values.
# `.head()` and `.shape` show a glimpse or a size, not whether the data is right.
_LOOKS = frozenset(
    {"info", "describe", "isna", "isnull", "notna", "notnull", "value_counts", "nunique",
     "duplicated", "validate", "profile_report"}
)  # fmt: skip
_VALIDATION_MODULES = (
    "pandera", "great_expectations", "pydantic", "pandas_schema", "deepchecks",
    "tensorflow_data_validation", "evidently", "whylogs", "pointblank", "frictionless",
    "ydata_profiling", "pandas_profiling", "sweetviz",
)  # fmt: skip


class UnvalidatedDataLoad(Rule):
    """## What it does
    Flags a data file that is read and used for training without any check on it.

    The read is `pd.read_csv`, `pd.read_parquet`, `np.load`, polars, ... (directly or in a
    notebook function), its data reaches a training call through assignments across cells,
    and nothing checks it: no `assert` on it or on what is derived from it, no look at its
    types, distributions or missing values (`.info()`, `.describe()`, `.dtypes`,
    `.isna()`, `.value_counts()`, ...), and no validation or profiling library (pandera,
    great_expectations, pydantic, deepchecks, TFDV, ydata-profiling, ...) in the notebook.
    `.head()` and `.shape` do not count: they show a glimpse, not whether the data is
    right. Datasets bundled with libraries (`keras.datasets`, `sklearn.datasets`) are
    curated and not reported, nor is a file the notebook wrote itself earlier; a file read
    several times is reported once.

    ## Why is this bad?
    "Get, explore and verify the data": a changed export (a renamed column, a unit
    switch, a block of missing values) trains a different model silently. Rules of ML
    #10: watch for silent failures.

    ## Example
        df = pd.read_csv("data/raw/customers.csv")
        model.fit(df[FEATURES], df["churned"])

    ## Use instead
        df = pd.read_csv("data/raw/customers.csv")
        assert list(df.columns) == EXPECTED_COLUMNS
        assert df.notna().all().all()
        model.fit(df[FEATURES], df["churned"])
    """

    code = "NBP204"
    name = "unvalidated-data-load"
    area = ChecklistArea.DATA
    severity = Severity.INFO
    checklist_item = "Get, explore and verify the data"

    valid = [
        [
            "import pandas as pd",
            "df = pd.read_csv('data/raw/a.csv')\nassert df['y'].isin([0, 1]).all()",
            "X = df[FEATURES]\nmodel.fit(X, df['y'])",
        ],
        [
            "import pandas as pd",
            "df = pd.read_csv('a.csv')\nX = df.drop(columns='y')\nX.describe()",
            "model.fit(X, df.y)",
        ],
        [
            "import pandas as pd\nimport pandera as pa",
            "df = schema.validate(pd.read_csv('a.csv'))",
            "model.fit(df[F], df.y)",
        ],
        # read inside a notebook function, checked by the caller
        [
            "import pandas as pd\ndef load(path):\n    return pd.read_csv(path)",
            "customers = load(PATH)\nassert len(customers) > 300",
            "model.fit(customers[F], customers.y)",
        ],
        # loaded but never used for training
        ["import pandas as pd", "df = pd.read_csv('a.csv')\ndf.plot()", "model.fit(X, y)"],
        # a file the notebook wrote itself: its data was checked (or not) before the write
        [
            "import pandas as pd",
            "clean.to_csv('clean.csv', index=False)",
            "df = pd.read_csv('clean.csv')\nmodel.fit(df[F], df.y)",
        ],
    ]
    invalid = [
        # one file read three times: one finding, at the first read
        Invalid(
            [
                "import pandas as pd",
                "a = pd.read_csv('d.csv')\nb = pd.read_csv('d.csv')\nc = pd.read_csv('d.csv')",
                "model.fit(a[F], a.y)\nmodel.fit(b[F], b.y)\nmodel.fit(c[F], c.y)",
            ],
            at=[(1, 1, 5)],
        ),
        Invalid(
            [
                "import pandas as pd",
                "df = pd.read_csv('data/raw/customers.csv')\ndf.head()",
                "X = df[FEATURES]\ny = df['churned']\nprint(X.shape)",
                "model.fit(X, y)",
            ],
            at=[(1, 1, 6)],
        ),
        # the file that is checked is not the one used for training
        Invalid(
            [
                "import numpy as np\nimport pandas as pd",
                "ref = pd.read_csv('ref.csv')\nref.info()\nfeatures = np.load('features.npy')",
                "model.fit(features, labels, epochs=EPOCHS)",
            ],
            at=[(1, 3, 12)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        if not ml.trainings or not ml.loads:
            return
        if any(q.startswith(_VALIDATION_MODULES) for q in nb.imports.values()):
            return
        loads = {(load.order, name): load for load in ml.loads for name in load.names}
        used: dict[int, DataLoad] = {}
        checked: set[int] = set()
        state: dict[str, tuple[DataLoad, ...]] = {}  # name -> the loads its value derives from
        for step in ml.steps:
            for call in ml.step_calls(step):
                if ml.trains(call):
                    for name in ml.reads([*call.args, *(k.value for k in call.keywords)]):
                        used.update((id(load), load) for load in state.get(name, ()))
            for name in self._checked_names(nb, step):
                checked.update(id(load) for load in state.get(name, ()))

            def source(bind: Bind, step: Step = step) -> tuple[DataLoad, ...] | None:
                load = loads.get((step.order, bind.name))
                return (load,) if load is not None else None

            ml.propagate(state, step, source, _union)
        written = {
            (a.path, a.order) for a in nb.file_accesses if a.mode != "read" and a.path is not None
        }
        reported: set[str] = set()
        for key, load in sorted(used.items(), key=lambda item: item[1].order):
            if key in checked:
                continue
            access = load.access
            if access.path is not None:
                if access.path in reported or any(
                    path == access.path and order < access.order for path, order in written
                ):
                    continue  # reported once per file; a file the notebook wrote is its own
                reported.add(access.path)
            path = f" from '{access.path}'" if access.path else ""
            yield self.at_node(
                nb,
                access.facts,
                access.call,
                f"`{load.names[0]}` is loaded{path} and used for training without any check"
                " (an assert, a schema validation, `.info()`/`.describe()`/`.isna()`)",
            )

    @staticmethod
    def _checked_names(nb: AnalyzedNotebook, step: Step) -> Iterator[str]:
        """Names a step checks: read by an assert, or looked at with `.describe()` & co."""
        ml = nb.ml
        if isinstance(step.node, ast.Assert):
            yield from ml.reads(list(step.exprs))
            return
        for call in ml.step_calls(step):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in _LOOKS:
                base = _base(func.value)
                if base is not None:
                    yield base
        if ".dtypes" in step.facts.cell.source:
            for expr in step.exprs:
                for node in ast.walk(expr):
                    if isinstance(node, ast.Attribute) and node.attr == "dtypes":
                        base = _base(node.value)
                        if base is not None:
                            yield base


def _base(node: ast.expr) -> str | None:
    """`df["a"].str` -> `df`: the name an expression's value comes from."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _union(found: list[tuple[DataLoad, ...]]) -> tuple[DataLoad, ...]:
    return tuple({id(load): load for loads in found for load in loads}.values())
