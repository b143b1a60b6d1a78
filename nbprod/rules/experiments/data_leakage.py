from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.cell import dotted_name, is_constant
from nbprod.analysis.ml import Bind, MLFacts, Role, Site, Split, Step
from nbprod.analysis.ml_catalog import CROSS_VALIDATION, classify
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

_DATA_KEYWORDS = ("X", "x", "y", "raw_documents")


@dataclass(frozen=True)
class _Fit:
    """Something learnt from rows that are split later: a preprocessor fitted on them, a
    resampler that drew new rows from them, or a statistic computed over them."""

    facts: CellFacts
    call: ast.Call
    label: str  # "StandardScaler", "SMOTE", "df.age.mean()"
    data: str  # the fitted expression, for the message
    kind: str = "fit"  # "fit", "resample", "statistic", "train-fit" (on a part split again)


# Statistics over rows (`df.age.mean()`, `np.percentile(x, 99)`, `pd.qcut(x, 4)`): computed
# before a split, they carry the test rows into every row they fill, scale or bin.
_STATISTIC_METHODS = frozenset(
    {"mean", "median", "std", "var", "min", "max", "quantile", "mode", "value_counts"}
)
_STATISTIC_FUNCTIONS = frozenset(
    {"pandas.qcut", "numpy.mean", "numpy.median", "numpy.std", "numpy.var", "numpy.percentile",
     "numpy.quantile", "numpy.nanmean", "numpy.nanmedian", "numpy.nanstd"}
)  # fmt: skip
_STATISTIC_NAMES = _STATISTIC_METHODS | {q.rpartition(".")[2] for q in _STATISTIC_FUNCTIONS}
_RESAMPLE = ("fit_resample", "fit_sample")
_FLOWS = frozenset({"flow_from_directory", "flow_from_dataframe", "flow"})


class _LazyFunctions:
    """The notebook functions that split or fit (see `_functions`), found on first use:
    most notebooks call none of their functions on data."""

    def __init__(self, nb: AnalyzedNotebook) -> None:
        self.nb = nb
        self._found: _Functions | None = None

    @property
    def found(self) -> _Functions:
        if self._found is None:
            self._found = _functions(self.nb)
        return self._found


@dataclass
class _Functions:
    """Notebook functions that split their arguments or fit a preprocessor on them."""

    splits: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> split params
    fits: dict[str, str] = field(default_factory=dict)  # name -> preprocessor it fits


class DataLeakage(Rule):
    """## What it does
    Flags test data that reaches training, in the three ways the static-analysis
    literature names (Yang et al., "Data Leakage in Notebooks", ASE 2022):

    - **preprocessing leakage**: a preprocessor or feature selector (scikit-learn's
      scalers, `PCA`, `SelectKBest`, `TfidfVectorizer`, `SimpleImputer` and the old
      `Imputer`, ... anything from `sklearn.preprocessing`, `feature_selection`,
      `decomposition`, `impute`, `feature_extraction` that learns statistics;
      `sklearn_pandas.DataFrameMapper`; category_encoders' target encoders) is fitted with `fit`/`fit_transform`,
      or a statistic is computed over the rows (`df.age.mean()`, `.std()`, `.median()`,
      `.quantile()`, `.value_counts()`, `np.percentile`, `pd.qcut`; assigned, or filled in
      with `inplace=True`), on data that is split afterwards: its output flows, through
      assignments across cells, into `train_test_split`, a manual `data[:n]`/`data[n:]`
      split, `KFold.split` or `cross_val_score`. A preprocessor fitted on a whole training
      part that is then split again or cross-validated leaks into the validation folds,
      and one fitted on the two parts joined again (`pd.concat([X_train, X_test])`) leaks
      the test rows directly;
    - **overlap leakage**: rows resampled with imbalanced-learn (`SMOTE().fit_resample`)
      before the split, so rows made from test rows are trained on; `train = df.loc[:N]`
      with `test = df.loc[N:]` (`.loc` includes both ends); a Keras `ImageDataGenerator`
      with `validation_split` flowed with `subset="validation"` and once without
      `subset` (that flow holds every image);
    - **multi-test leakage**: the held-out side of a split (or a Keras dataset's test
      part) is passed to `fit`, `fit_transform` or a model's training call, or a score on
      the test side decides an `if` in a loop (`if acc > best: best_k = k`): the test set
      chose the model, so the score reported on it is optimistic.

    Not reported: encoders that learn no statistics (`LabelEncoder`, `OneHotEncoder`,
    `Normalizer`, ...), row-wise transforms (`np.log1p`, `pd.get_dummies`), statistics
    that only select rows (`df[df.x < df.x.quantile(0.99)]`), statistics of a split part
    used on that part, and preprocessing inside a `Pipeline` fitted on the training split.
    Notebook functions count where they are called: `evaluate(clf, X, y)` splits `X` when
    its body calls `train_test_split` or `cross_val_score` on that parameter, and
    `prepare(df)` fits when its body fits a preprocessor on its argument.

    Not caught yet: splits through methods of notebook classes, and a test set used to
    choose through `max(...)` or a sorted list of scores rather than an `if`.

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
        # statistics of the test rows used on the test rows only; row-wise transforms
        [
            "import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split",
            "df['amount'] = np.log1p(df['amount'])\nX = pd.get_dummies(df[CATS])",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "X_test = (X_test - X_test.mean()) / X_test.std()\nmean = X_train.mean()",
        ],
        # resampling the training split only
        [
            "from imblearn.over_sampling import SMOTE\nfrom sklearn.model_selection import train_test_split",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "X_res, y_res = SMOTE(random_state=0).fit_resample(X_train, y_train)",
        ],
        # `.iloc` slices do not overlap
        ["train = df.iloc[:N]\ntest = df.iloc[N:]"],
        # a statistic that only selects rows
        [
            "from sklearn.model_selection import train_test_split",
            "df = df[df['origin'].map(df['origin'].value_counts()) > 500]",
            "train, test = train_test_split(df, random_state=0)",
        ],
        # a notebook function that fits on what it is given, given the training split
        [
            "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import MinMaxScaler, StandardScaler",
            "def prepare(frame):\n    return MinMaxScaler().fit_transform(frame)",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            "X_train = prepare(X_train)",
        ],
        # choosing on the validation split keeps the test set held out
        [
            "from sklearn.model_selection import train_test_split",
            "X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)",
            "for m in models:\n    acc = m.fit(X_train, y_train).score(X_val, y_val)\n"
            "    if acc > best:\n        best, chosen = acc, m",
        ],
        [
            "import tensorflow as tf",
            "gen = tf.keras.preprocessing.image.ImageDataGenerator(validation_split=0.1)\n"
            "train = gen.flow_from_directory('data', subset='training')\n"
            "val = gen.flow_from_directory('data', subset='validation')",
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
        # fitted on the whole training split, which is then split again for validation
        Invalid(
            [
                "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import MinMaxScaler",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
                "X_train = MinMaxScaler().fit_transform(X_train)",
                "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
            ],
            at=[(2, 1, 11)],
        ),
        # resampling before the split: synthetic rows made from test rows
        Invalid(
            [
                "from imblearn.over_sampling import SMOTE\nfrom sklearn.model_selection import train_test_split",
                "sm = SMOTE(random_state=0)\nXr, yr = sm.fit_resample(X, y)",
                "X_train, X_test, y_train, y_test = train_test_split(Xr, yr, random_state=0)",
            ],
            at=[(1, 2, 10)],
        ),
        # statistics over all rows, in place or assigned, then split
        Invalid(
            [
                "import pandas as pd\nfrom sklearn.model_selection import train_test_split",
                "df.age.fillna(df.age.mean(), inplace=True)",
                "df['income'] = (df.income - df.income.mean()) / df.income.std()",
                "df['bucket'] = pd.qcut(df.size, 4)",
                "train, test = train_test_split(df, random_state=0)",
            ],
            at=[(1, 1, 15), (2, 1, 29), (3, 1, 16)],
        ),
        # `.loc` includes both ends: the boundary row is in both parts
        Invalid(["train = df.loc[:'2020-12-31']\ntest = df.loc['2020-12-31':]"], at=[(0, 2, 8)]),
        # the split, or the fit, inside a notebook function
        Invalid(
            [
                "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import MinMaxScaler, StandardScaler",
                "def evaluate(clf, X, y):\n    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)\n"
                "    return clf.fit(X_tr, y_tr).score(X_te, y_te)",
                "X = StandardScaler().fit_transform(df[F])",
                "evaluate(model, X, df.y)",
            ],
            at=[(2, 1, 5)],
        ),
        Invalid(
            [
                "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import MinMaxScaler, StandardScaler",
                "def prepare(frame):\n    scaler = MinMaxScaler()\n    return scaler.fit_transform(frame)",
                "X = prepare(df[F])",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            ],
            at=[(2, 1, 5)],
        ),
        # train and test joined again, then a preprocessor fitted on both
        Invalid(
            [
                "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
                "from sklearn.impute import SimpleImputer",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
                "both = pd.concat([X_train, X_test])\nimputer = SimpleImputer().fit(both)",
                "X_train = imputer.transform(X_train)",
            ],
            at=[(2, 2, 11)],
        ),
        # multi-test leakage: the test set picks the model
        Invalid(
            [
                "from sklearn.model_selection import train_test_split",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
                "for k in range(1, 20):\n    model = KNN(k).fit(X_train, y_train)\n"
                "    acc = model.score(X_test, y_test)\n    if acc > best:\n        best, best_k = acc, k",
            ],
            at=[(2, 3, 11)],
        ),
        # a fit per column inside `apply`, before the split
        Invalid(
            [
                "from sklearn.preprocessing import MinMaxScaler\nfrom sklearn.model_selection import train_test_split",
                "scaled = df.apply(lambda c: MinMaxScaler().fit_transform(c))",
                "train, test = train_test_split(scaled, random_state=0)",
            ],
            at=[(1, 1, 29)],
        ),
        # older and third-party preprocessors learn statistics too
        Invalid(
            [
                "from sklearn.preprocessing import Imputer\nfrom category_encoders import TargetEncoder\n"
                "from sklearn.model_selection import train_test_split",
                "X = Imputer(strategy='mean').fit_transform(X)",
                "X = TargetEncoder(cols=['city']).fit_transform(X, y)",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
            ],
            at=[(1, 1, 5), (2, 1, 5)],
        ),
        # a generator's validation split, with the training flow missing its `subset`
        Invalid(
            [
                "import tensorflow as tf",
                "gen = tf.keras.preprocessing.image.ImageDataGenerator(rescale=1/255, validation_split=0.1)\n"
                "train = gen.flow_from_directory('data')\n"
                "val = gen.flow_from_directory('data', subset='validation')",
            ],
            at=[(1, 2, 9)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        yield from self._unsplit_flows(nb)
        if not ml.splits and not any(_splits_data(s.qualified) for s in ml.sites if s.function):
            return
        tainted: dict[str, tuple[_Fit, ...]] = {}  # names holding data from fits on unsplit data
        fitted: dict[str, _Fit] = {}  # preprocessors fitted on unsplit data
        resamplers: dict[str, str] = {}  # name -> imbalanced-learn class it holds
        mixed: dict[str, Split] = {}  # names joining both sides of a split (`pd.concat`)
        functions = _LazyFunctions(nb)
        # multi-test leakage needs a held-out part named as the test set
        tested = any("test" in n.lower() for split in ml.splits for n in split.held_out)
        reported: set[object] = set()
        for step, roles in ml.walk_roles():
            leaky: dict[int, _Fit] = {}  # calls in this step whose result carries a leak
            filters: set[int] | None = None  # walked only when a statistic is found
            for call in ml.step_calls(step):
                finding = self._fit(nb, step, call, roles, leaky, fitted, mixed)
                if finding is not None:
                    yield finding
                self._resample(ml, step, call, roles, leaky, resamplers)
                if _may_be_statistic(call):
                    filters = filters if filters is not None else _in_row_filters(step)
                    if id(call) not in filters:
                        self._statistic(ml, step, call, roles, leaky)
                self._function_fit(ml, step, call, roles, leaky, functions)
            for call in ml.step_calls(step):
                origin = _transformed(call, leaky, fitted)
                if origin is not None:
                    leaky[id(call)] = origin
            chosen = _chosen_on_test(ml, step, roles) if tested else None
            if chosen is not None:
                call, name = chosen
                yield self.at_node(
                    nb,
                    step.facts,
                    call,
                    f"the score on `{name}` chooses among models in this loop: the test set"
                    " is no longer held out, so a score reported on it is optimistic; choose on"
                    " a validation split (or by cross-validation) and keep the test set for the end",
                )
            for split in [*ml.splits_at(step), *_function_splits(ml, step, functions)]:
                overlap = self._overlap(nb, split)
                if overlap is not None:
                    yield overlap
                origins = self._split_origins(ml, split, tainted, leaky)
                for origin in sorted(origins, key=lambda o: ml.order(o.facts, o.call)):
                    key = _report_key(origin)
                    if key not in reported:
                        reported.add(key)
                        yield self._leak(nb, origin, split)

            def source(bind: Bind) -> tuple[_Fit, ...] | None:
                if bind.value is None:
                    return None
                scan = ml.scan(bind.value)
                found = tuple(leaky[id(c)] for c in scan.calls if id(c) in leaky)
                if not found:
                    return None  # what the value reads decides (ml.propagate)
                return _union([found, *(tainted[n] for n in scan.reads if n in tainted)])

            ml.propagate(tainted, step, source, _union)
            for name, origin in _filled_in_place(step, leaky):
                tainted[name] = _union([tainted.get(name, ()), (origin,)])
            for bind in step.binds:
                joins = _joins(ml, bind, roles, mixed)
                if joins is not None:
                    mixed[bind.name] = joins
                elif bind.rebinds:
                    mixed.pop(bind.name, None)
                if bind.rebinds:
                    fitted.pop(bind.name, None)
                    resamplers.pop(bind.name, None)
                label = _built_class(ml, bind.value, "resampler")
                if label is not None:
                    resamplers[bind.name] = label  # `sm = SMOTE(random_state=0)`
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
        mixed: dict[str, Split],
    ) -> Finding | None:
        """Record a preprocessor fitted on unsplit data; report a fit on held-out data, or a
        preprocessor fitted on data that joins both sides of a split."""
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
        joined = [n for n in ml.reads(data) if n in mixed]
        if training is None and preprocessor is not None and joined:
            split = mixed[joined[0]]
            return self.at_node(
                nb,
                step.facts,
                call,
                f"`{preprocessor.label}` is fitted on `{joined[0]}`, which joins the training"
                f" and the held-out rows of the split in cell {split.facts.cell.number}: the"
                " test data leaks into training; fit it on the training side only",
            )
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
            if sides and training is None and preprocessor is not None:
                # fitted on a whole training part: harmless unless that part is split again
                name = sides[0][0]
                leaky[id(call)] = _Fit(step.facts, call, preprocessor.label, name, "train-fit")
            return None
        origin = _Fit(step.facts, call, preprocessor.label, _short(data[0]))
        leaky[id(call)] = origin
        if attr == "fit" and isinstance(receiver, ast.Name):
            fitted[receiver.id] = origin
        return None

    @staticmethod
    def _resample(
        ml: MLFacts,
        step: Step,
        call: ast.Call,
        roles: dict[str, tuple[Role, Split]],
        leaky: dict[int, _Fit],
        resamplers: dict[str, str],
    ) -> None:
        """`SMOTE().fit_resample(X, y)` on rows not split yet: new rows made from test rows."""
        if _attr(call) not in _RESAMPLE:
            return
        assert isinstance(call.func, ast.Attribute)
        receiver = call.func.value
        label = (
            resamplers.get(receiver.id)
            if isinstance(receiver, ast.Name)
            else _built_class(ml, receiver, "resampler")
        )
        data = _data_arguments(call)
        if label is None or not data or any(n in roles for n in ml.reads(data)):
            return
        leaky[id(call)] = _Fit(step.facts, call, label, _short(data[0]), "resample")

    @staticmethod
    def _statistic(
        ml: MLFacts,
        step: Step,
        call: ast.Call,
        roles: dict[str, tuple[Role, Split]],
        leaky: dict[int, _Fit],
    ) -> None:
        """`df.age.mean()`, `pd.qcut(df.x, 4)` over rows not split yet."""
        qualified = ml.qualify(dotted_name(call.func))
        if qualified in _STATISTIC_FUNCTIONS:
            data = call.args[:1]
        elif _attr(call) in _STATISTIC_METHODS and qualified is None:
            assert isinstance(call.func, ast.Attribute)
            data = [call.func.value]
        else:
            return
        names = ml.reads(list(data))
        if not names or any(n in roles for n in names) or any(n in ml.nb.imports for n in names):
            return  # no data, a split part's own statistic, or a module's function
        leaky[id(call)] = _Fit(step.facts, call, _short(call), _short(data[0]), "statistic")

    @staticmethod
    def _function_fit(
        ml: MLFacts,
        step: Step,
        call: ast.Call,
        roles: dict[str, tuple[Role, Split]],
        leaky: dict[int, _Fit],
        functions: _LazyFunctions,
    ) -> None:
        """`X = prepare(df)` where `prepare` fits a preprocessor on its argument."""
        if not isinstance(call.func, ast.Name) or call.func.id not in ml.nb.definitions:
            return
        fits = functions.found.fits
        if call.func.id not in fits:
            return
        data = _data_arguments(call)
        if not data or any(n in roles for n in ml.reads(data)):
            return
        label = f"{call.func.id}()` fits `{fits[call.func.id]}"
        leaky[id(call)] = _Fit(step.facts, call, label, _short(data[0]))

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
        if split.api.endswith("()"):
            how = f"split inside `{split.api}` {where}"
        elif split.held_out:
            parts = "/".join(f"`{n}`" for n in (*split.train[:1], *split.held_out[:1]))
            how = f"split into {parts} {where}"
        else:
            how = f"cross-validated by `{split.api}` {where}"
        if origin.kind == "resample":
            message = (
                f"`{origin.label}` resamples `{origin.data}` before the data is {how}: rows"
                " made from (or copied from) test rows end up in training; resample the"
                " training split only (an imblearn Pipeline does it per fold)"
            )
        elif origin.kind == "statistic":
            message = (
                f"`{origin.label}` is computed over all rows before the data is {how}:"
                " statistics of the test rows leak into training; compute it on the training"
                " split (or in a Pipeline step)"
            )
        elif origin.kind == "train-fit":
            message = (
                f"`{origin.label}` is fitted on all of `{origin.data}` before `{origin.data}`"
                f" is {how}: the validation rows' statistics leak into training; put it in a"
                " Pipeline so each fold fits its own"
            )
        else:
            message = (
                f"`{origin.label}` is fitted on `{origin.data}` before the data is {how}:"
                " statistics of the test rows leak into training; fit it on the training"
                " split only"
            )
        return self.at_node(nb, origin.facts, origin.call, message)

    def _unsplit_flows(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        """`ImageDataGenerator(validation_split=0.1)` flowed once with `subset="validation"`
        and once without `subset`: the second flow holds every image, the held-out too."""
        ml = nb.ml
        if not any(
            s.qualified is not None and s.qualified.endswith(".ImageDataGenerator")
            for s in ml.sites
        ):
            return
        splitting: set[str] = set()  # generators built with a validation split
        for step in ml.steps:
            for bind in step.binds:
                value = bind.value
                if (
                    isinstance(value, ast.Call)
                    and (ml.qualify(dotted_name(value.func)) or "").endswith(".ImageDataGenerator")
                    and any(
                        k.arg == "validation_split" and not is_constant(k.value, None)
                        for k in value.keywords
                    )
                ):
                    splitting.add(bind.name)
        flows: list[tuple[str, Site]] = []  # (generator, flow call)
        for site in ml.sites:
            func = site.node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in _FLOWS
                and isinstance(func.value, ast.Name)
                and func.value.id in splitting
            ):
                flows.append((func.value.id, site))
        held_out = {
            generator
            for generator, flow in flows
            if any(
                k.arg == "subset" and is_constant(k.value, "validation") for k in flow.node.keywords
            )
        }
        for generator, flow in flows:
            if generator in held_out and not any(k.arg == "subset" for k in flow.node.keywords):
                yield self.at_node(
                    nb,
                    flow.facts,
                    flow.node,
                    f"`{generator}` holds out `validation_split` images only for flows with"
                    " `subset=`: this flow has none, so it yields every image, the validation"
                    " ones too, and the model trains on what it is validated on; pass"
                    ' `subset="training"`',
                )

    def _overlap(self, nb: AnalyzedNotebook, split: Split) -> Finding | None:
        """`train = df.loc[:N]`, `test = df.loc[N:]`: `.loc` includes both ends."""
        node = split.node
        if not (
            split.api == "slice"
            and isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "loc"
            and isinstance(node.slice, ast.Slice)
            and node.slice.lower is not None
        ):
            return None
        bound = ast.unparse(node.slice.lower)
        return self.at_node(
            nb,
            split.facts,
            node,
            f"`.loc` slices include both ends: the row labelled `{bound}` is in"
            f" `{split.train[0]}` and in `{split.held_out[0]}`; start the held-out part after"
            " it, or slice by position with `.iloc`",
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


def _functions(nb: AnalyzedNotebook) -> _Functions:
    """Top-level notebook functions that split a parameter (`train_test_split(X, y)`,
    `cross_val_score(m, X, y)`) or fit a preprocessor on one."""
    ml = nb.ml
    found = _Functions()
    for facts in nb.cells:
        for node in facts.tree.body if facts.tree is not None else ():
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
            local: dict[str, str] = {}  # local name -> preprocessor class it holds
            split: set[int] = set()
            for sub in ast.walk(node):
                if not isinstance(sub, ast.Call):
                    if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
                        label = _built_class(ml, sub.value, "preprocessor")
                        for target in sub.targets:
                            if label is not None and isinstance(target, ast.Name):
                                local[target.id] = label
                    continue
                qualified = ml.qualify(dotted_name(sub.func))
                data: list[ast.expr] = []
                if _splits_data(qualified):
                    data = sub.args[1:2] if qualified in CROSS_VALIDATION else list(sub.args)
                for name in ml.reads(data) if data else ():
                    if name in params:
                        split.add(params.index(name))
                if _attr(sub) in ("fit", "fit_transform") and sub.args:
                    assert isinstance(sub.func, ast.Attribute)
                    receiver = sub.func.value
                    label = (
                        local.get(receiver.id)
                        if isinstance(receiver, ast.Name)
                        else _built_class(ml, receiver, "preprocessor")
                    )
                    if label is not None and set(ml.reads(list(sub.args[:1]))) & set(params):
                        found.fits[node.name] = label
            if split:
                found.splits[node.name] = tuple(sorted(split))
    return found


def _chosen_on_test(
    ml: MLFacts, step: Step, roles: dict[str, tuple[Role, Split]]
) -> tuple[ast.Call, str] | None:
    """Multi-test leakage: in a loop, a score computed on the test side of a split decides
    an `if` (`if acc > best: best_model = m`)."""
    if not isinstance(step.node, (ast.For, ast.AsyncFor, ast.While)):
        return None
    scores: dict[str, tuple[ast.Call, str]] = {}
    for node in ast.walk(step.node):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            tested = [n for n in ml.reads(_data_arguments(node.value)) if _test_side(n, roles)]
            if tested:
                scores[node.targets[0].id] = (node.value, tested[0])
    if not scores:
        return None
    for node in ast.walk(step.node):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            for sub in ast.walk(node.test):
                if isinstance(sub, ast.Name) and sub.id in scores:
                    return scores[sub.id]
    return None


def _test_side(name: str, roles: dict[str, tuple[Role, Split]]) -> bool:
    """The held-out side named as the test set (a validation set is there to choose)."""
    lowered = name.lower()
    return (
        roles.get(name, ("train",))[0] == "held-out" and "test" in lowered and "val" not in lowered
    )


def _joins(
    ml: MLFacts, bind: Bind, roles: dict[str, tuple[Role, Split]], mixed: dict[str, Split]
) -> Split | None:
    """The split whose two sides a bound value joins (`pd.concat([X_train, X_test])`)."""
    if bind.value is None:
        return None
    reads = ml.scan(bind.value).reads
    for name in reads:
        if name in mixed:
            return mixed[name]
    found = {roles[n][0]: roles[n][1] for n in reads if n in roles}
    return found["held-out"] if len(found) == 2 else None


def _splits_data(qualified: str | None) -> bool:
    return qualified is not None and (
        qualified in CROSS_VALIDATION or qualified.endswith(".train_test_split")
    )


def _built_class(ml: MLFacts, value: ast.expr | None, kind: str) -> str | None:
    """The class a construction makes when it is of ``kind``: "preprocessor"
    (`StandardScaler()` -> "StandardScaler") or "resampler" (imbalanced-learn's
    `SMOTE(...)` -> "SMOTE")."""
    if not isinstance(value, ast.Call):
        return None
    qualified = ml.qualify(dotted_name(value.func))
    if qualified is None:
        return None
    if kind == "resampler" and not qualified.startswith("imblearn."):
        return None
    if kind == "preprocessor" and classify(qualified) != "preprocessor":
        return None
    return qualified.rpartition(".")[2]


def _function_splits(ml: MLFacts, step: Step, functions: _LazyFunctions) -> Iterator[Split]:
    """Calls of notebook functions that split what they are given, as splits."""
    for call in ml.step_calls(step):
        if not isinstance(call.func, ast.Name) or call.func.id not in ml.nb.definitions:
            continue
        splits = functions.found.splits
        if call.func.id not in splits:
            continue
        data = [call.args[i] for i in splits[call.func.id] if i < len(call.args)]
        order = ml.order(step.facts, call)
        yield Split(step.facts, call, order, f"{call.func.id}()", (), (), tuple(ml.reads(data)))


def _may_be_statistic(call: ast.Call) -> bool:
    """A cheap first look: the callee's last name is a statistic's."""
    func = call.func
    name = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id if isinstance(func, ast.Name) else ""
    )
    return name in _STATISTIC_NAMES


def _in_row_filters(step: Step) -> set[int]:
    """Calls inside a subscript (`df[df.x.map(df.x.value_counts()) > 500]`): a statistic
    that only selects rows puts no test values into the rows that stay."""
    found: set[int] = set()
    for expr in step.exprs:
        for node in ast.walk(expr):
            if isinstance(node, ast.Subscript):
                found.update(id(n) for n in ast.walk(node.slice) if isinstance(n, ast.Call))
    return found


def _report_key(origin: _Fit) -> object:
    """One finding per fit, and per line of statistics (`(x - x.mean()) / x.std()`)."""
    if origin.kind == "statistic":
        return (id(origin.facts), origin.call.lineno)
    return id(origin.call)


def _filled_in_place(step: Step, leaky: dict[int, _Fit]) -> Iterator[tuple[str, _Fit]]:
    """`df.age.fillna(df.age.mean(), inplace=True)`: the frame holds the statistic now."""
    if not isinstance(step.node, ast.Expr) or not isinstance(step.node.value, ast.Call):
        return
    call = step.node.value
    if not any(k.arg == "inplace" and is_constant(k.value, True) for k in call.keywords):
        return
    if not isinstance(call.func, ast.Attribute):
        return
    base = call.func.value
    while isinstance(base, (ast.Attribute, ast.Subscript)):
        base = base.value
    if not isinstance(base, ast.Name):
        return
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Call) and id(node) in leaky:
                yield base.id, leaky[id(node)]
