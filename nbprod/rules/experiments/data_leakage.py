from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.ml import Bind, MLFacts, Role, Split, Step
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

_DATA_KEYWORDS = ("X", "x", "y", "raw_documents")


@dataclass(frozen=True)
class _Fit:
    """A preprocessor fitted on data that was not split yet."""

    facts: CellFacts
    call: ast.Call
    label: str  # "StandardScaler"
    data: str  # the fitted expression, for the message


class DataLeakage(Rule):
    """## What it does
    Flags test data that reaches training: a preprocessor fitted before the split, or the
    held-out split passed to `fit`.

    - a preprocessor or feature selector (scikit-learn's scalers, `PCA`, `SelectKBest`,
      `TfidfVectorizer`, `SimpleImputer`, ... anything from `sklearn.preprocessing`,
      `feature_selection`, `decomposition`, `impute`, `feature_extraction` that learns
      statistics) is fitted with `fit`/`fit_transform` on data that is split afterwards:
      its output (or what it transforms) flows, through assignments across cells, into
      `train_test_split`, a manual `data[:n]`/`data[n:]` split, `KFold.split` or
      `cross_val_score`;
    - the held-out side of a split (or a Keras dataset's test part) is passed to `fit`,
      `fit_transform` or a model's training call.
    Encoders that learn no statistics (`LabelEncoder`, `OneHotEncoder`, `Normalizer`, ...)
    and preprocessing inside a `Pipeline` fitted on the training split are not reported.

    ## Why is this bad?
    The test rows shaped the features the model was trained and evaluated on: means,
    variances, vocabularies or selected columns computed with the test split make the
    held-out score optimistic, so the model looks better than it will be in production.

    ## Example
        X = StandardScaler().fit_transform(df[FEATURES])
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)

    ## Use instead
        X_train, X_test, y_train, y_test = train_test_split(df[FEATURES], y, random_state=SEED)
        model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    """

    code = "NBP306"
    name = "data-leakage"
    area = ChecklistArea.EXPERIMENTS
    severity = Severity.ERROR
    checklist_item = "Evaluate on held-out data the model never saw"

    valid = [
        # split first, fit on the training side, transform both
        [
            "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "scaler = StandardScaler().fit(X_train)\nX_train = scaler.transform(X_train)\nX_test = scaler.transform(X_test)",
            "model.fit(X_train, y_train)",
        ],
        # a Pipeline is fitted on the training split only
        [
            "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)",
        ],
        # encoders learn no statistics worth leaking
        [
            "from sklearn.preprocessing import LabelEncoder, OneHotEncoder\nfrom sklearn.model_selection import train_test_split",
            "y = LabelEncoder().fit_transform(df.label)\nX = OneHotEncoder().fit_transform(df[CATS])",
            "a, b, c, d = train_test_split(X, y, random_state=0)",
        ],
        # the scaled data is rebound to fresh data before the split
        [
            "from sklearn.decomposition import PCA\nfrom sklearn.model_selection import train_test_split",
            "X = PCA(2).fit_transform(X)\nplt.scatter(X[:, 0], X[:, 1])",
            "X = df[FEATURES].values",
            "a, b, c, d = train_test_split(X, y, random_state=0)",
        ],
        # the held-out part as validation data, and retraining on everything, are fine
        [
            "from tensorflow import keras",
            "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()",
            "model.fit(x_train, y_train, validation_data=(x_test, y_test))",
            "model.fit(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]))",
        ],
        # fitted on the training split, then split again for validation: not this rule's case
        [
            "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import MinMaxScaler",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "X_train = MinMaxScaler().fit_transform(X_train)",
            "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
        ],
    ]
    invalid = [
        Invalid(
            [
                "from sklearn.preprocessing import StandardScaler\nfrom sklearn.model_selection import train_test_split",
                "X = StandardScaler().fit_transform(df[FEATURES])\ny = df['churned']",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            ],
            at=[(1, 1, 5)],
        ),
        # fitted in place on a column, then sliced into train and test
        Invalid(
            [
                "from sklearn.preprocessing import MinMaxScaler",
                "scaler = MinMaxScaler()\ndata['amount'] = scaler.fit_transform(data[['amount']])",
                "train_data = data[:n_train]\ntest_data = data[n_train:]",
            ],
            at=[(1, 2, 18)],
        ),
        # fit, then transform, then cross-validate
        Invalid(
            [
                "from sklearn.feature_selection import SelectKBest\nfrom sklearn.model_selection import cross_val_score",
                "selector = SelectKBest(k=K)\nselector.fit(X, y)\nX_best = selector.transform(X)",
                "cross_val_score(model, X_best, y, cv=5)",
            ],
            at=[(1, 2, 1)],
        ),
        # the test split reaches fit
        Invalid(
            [
                "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nsc = StandardScaler()",
                "X_train = sc.fit_transform(X_train)\nX_test = sc.fit_transform(X_test)",
                "model.fit(X_test, y_test)",
            ],
            at=[(2, 2, 10), (3, 1, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        if not any(c.kind == "preprocessor" for c in ml.constructions) and not ml.trainings:
            return
        if not ml.splits:
            return
        tainted: dict[str, tuple[_Fit, ...]] = {}  # names holding data from fits on unsplit data
        fitted: dict[str, _Fit] = {}  # preprocessors fitted on unsplit data
        reported: set[int] = set()
        for step, roles in ml.walk_roles():
            leaky: dict[int, _Fit] = {}  # calls in this step whose result carries a leak
            for call in ml.step_calls(step):
                finding = self._fit(nb, step, call, roles, leaky, fitted)
                if finding is not None:
                    yield finding
            for call in ml.step_calls(step):
                origin = _transformed(call, leaky, fitted)
                if origin is not None:
                    leaky[id(call)] = origin
            for split in ml.splits_at(step):
                for origin in self._split_origins(ml, split, tainted, leaky):
                    if id(origin.call) not in reported:
                        reported.add(id(origin.call))
                        yield self._leak(nb, origin, split)

            def source(bind: Bind) -> tuple[_Fit, ...] | None:
                calls = ml.scan(bind.value).calls if bind.value is not None else ()
                return tuple(leaky[id(c)] for c in calls if id(c) in leaky) or None

            ml.propagate(tainted, step, source, _union)
            for bind in step.binds:
                if bind.rebinds:
                    fitted.pop(bind.name, None)
                value = bind.value
                if isinstance(value, ast.Call) and id(value) in leaky and _attr(value) == "fit":
                    fitted[bind.name] = leaky[id(value)]  # `scaler = StandardScaler().fit(X)`

    def _fit(
        self,
        nb: AnalyzedNotebook,
        step: Step,
        call: ast.Call,
        roles: dict[str, tuple[Role, Split]],
        leaky: dict[int, _Fit],
        fitted: dict[str, _Fit],
    ) -> Finding | None:
        """Record a preprocessor fitted on unsplit data; report a fit on held-out data."""
        ml = nb.ml
        attr = _attr(call)
        if attr not in ("fit", "fit_transform", "fit_generator", "partial_fit"):
            return None
        assert isinstance(call.func, ast.Attribute)
        order = ml.order(step.facts, call)
        preprocessor = ml.resolve(call.func.value, order)
        training = ml.training_at(call)
        if training is None and (preprocessor is None or preprocessor.kind != "preprocessor"):
            return None
        data = _data_arguments(call)
        sides = [(n, *roles[n]) for n in ml.reads(data) if n in roles]
        if sides and all(role == "held-out" for _, role, _ in sides):
            name, _, split = sides[0]
            what = (
                f"`{preprocessor.label}`"
                if training is None and preprocessor is not None
                else "the model"
            )
            verb = "fitted" if training is None else "trained"
            return self.at_node(
                nb,
                step.facts,
                call,
                f"{what} is {verb} on `{name}`, the held-out side of the split in cell"
                f" {split.facts.cell.number}: the test data leaks into training",
            )
        receiver = call.func.value
        if sides or training is not None or preprocessor is None or not data:
            if isinstance(receiver, ast.Name):
                fitted.pop(receiver.id, None)  # refitted, on split data this time
            return None
        origin = _Fit(step.facts, call, preprocessor.label, _short(data[0]))
        leaky[id(call)] = origin
        if attr == "fit" and isinstance(receiver, ast.Name):
            fitted[receiver.id] = origin
        return None

    @staticmethod
    def _split_origins(
        ml: MLFacts, split: Split, tainted: dict[str, tuple[_Fit, ...]], leaky: dict[int, _Fit]
    ) -> Iterator[_Fit]:
        for name in split.inputs:
            yield from tainted.get(name, ())
        if isinstance(split.node, ast.Call):
            for arg in _data_arguments(split.node):
                for call in ml.scan(arg).calls:
                    if id(call) in leaky:
                        yield leaky[id(call)]

    def _leak(self, nb: AnalyzedNotebook, origin: _Fit, split: Split) -> Finding:
        where = "below" if split.facts is origin.facts else f"in cell {split.facts.cell.number}"
        if split.held_out:
            parts = "/".join(f"`{n}`" for n in (*split.train[:1], *split.held_out[:1]))
            how = f"split into {parts} {where}"
        else:
            how = f"cross-validated by `{split.api}` {where}"
        return self.at_node(
            nb,
            origin.facts,
            origin.call,
            f"`{origin.label}` is fitted on `{origin.data}` before the data is {how}: statistics"
            " of the test rows leak into training; fit it on the training split only",
        )


def _union(found: list[tuple[_Fit, ...]]) -> tuple[_Fit, ...]:
    return tuple({id(fit.call): fit for fits in found for fit in fits}.values())


def _transformed(call: ast.Call, leaky: dict[int, _Fit], fitted: dict[str, _Fit]) -> _Fit | None:
    """`scaler.transform(X)` by a preprocessor fitted on unsplit data."""
    if _attr(call) != "transform":
        return None
    assert isinstance(call.func, ast.Attribute)
    receiver = call.func.value
    if isinstance(receiver, ast.Name):
        return fitted.get(receiver.id)
    return leaky.get(id(receiver)) if isinstance(receiver, ast.Call) else None


def _attr(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _data_arguments(call: ast.Call) -> list[ast.expr]:
    """What a fit or split call learns from: positional arguments and `X=`/`y=`."""
    found = [a.value if isinstance(a, ast.Starred) else a for a in call.args]
    found.extend(k.value for k in call.keywords if k.arg in _DATA_KEYWORDS)
    return found


def _short(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."
