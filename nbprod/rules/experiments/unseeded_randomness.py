from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml import Bind, Site
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

# scikit-learn callables whose result depends on `random_state` whenever it is left unset.
_RANDOM_FUNCTIONS = frozenset(
    {"sklearn.model_selection.train_test_split", "sklearn.utils.shuffle", "sklearn.utils.resample"}
)
_RANDOM_CLASSES = frozenset(
    {"ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "RepeatedKFold",
     "RepeatedStratifiedKFold", "RandomizedSearchCV", "HalvingRandomSearchCV", "IsolationForest",
     "RandomTreesEmbedding", "Perceptron", "RANSACRegressor", "BernoulliRBM", "KMeans",
     "MiniBatchKMeans", "BisectingKMeans", "SpectralClustering", "GaussianMixture",
     "BayesianGaussianMixture", "TruncatedSVD", "FastICA", "LatentDirichletAllocation",
     "RBFSampler", "Nystroem", "GaussianRandomProjection", "SparseRandomProjection"}
)  # fmt: skip
_RANDOM_FAMILIES = (
    "RandomForest", "ExtraTrees", "GradientBoosting", "HistGradientBoosting", "AdaBoost",
    "Bagging", "DecisionTree", "ExtraTree", "SGD", "PassiveAggressive", "MLP",
)  # fmt: skip
_SHUFFLING_SPLITTERS = frozenset(
    {"KFold", "StratifiedKFold", "StratifiedGroupKFold"}
)  # random if shuffle=True

# Names under `numpy.random` that draw nothing from the global generator.
_NUMPY_QUIET = frozenset(
    {"seed", "get_state", "set_state", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM",
     "MT19937", "Philox", "SFC64"}
)  # fmt: skip
_RANDOM_DRAWS = frozenset(
    {"random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform",
     "gauss", "normalvariate", "lognormvariate", "expovariate", "vonmisesvariate",
     "gammavariate", "betavariate", "paretovariate", "weibullvariate", "triangular",
     "getrandbits", "randbytes", "binomialvariate"}
)  # fmt: skip
_TORCH_DRAWS = frozenset(
    {"rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
     "normal", "bernoulli", "multinomial", "poisson"}
)  # fmt: skip
# Generators created without a seed draw from OS entropy: no global seed covers them.
_UNSEEDED_GENERATORS = frozenset(
    {
        "numpy.random.default_rng",
        "numpy.random.RandomState",
        "numpy.random.Generator",
        "random.Random",
    }
)
_LIBRARY_NAMES = {
    "numpy": "NumPy's global generator",
    "random": "Python's `random`",
    "torch": "PyTorch's generator",
}


class UnseededRandomness(Rule):
    """## What it does
    Flags randomness that is not seeded, so that results change on every run.

    - scikit-learn splits and estimators that draw random numbers (`train_test_split`,
      `KFold(shuffle=True)`, `ShuffleSplit`, `RandomForest*`, `GradientBoosting*`,
      `ExtraTrees*`, `DecisionTree*`, `SGD*`, `MLP*`, `KMeans`, `RandomizedSearchCV`, ...)
      with `random_state` unset or `None`, unless `np.random.seed(...)` ran before them
      (scikit-learn then draws from NumPy's seeded global generator);
    - the first draw from `np.random.*`, `random.*` or `torch.rand*` with no seed call for
      that library (`np.random.seed`, `random.seed`, `torch.manual_seed`,
      `keras.utils.set_random_seed`, `seed_everything`, ...) before it in the notebook,
      when its numbers reach model training (through assignments, in-place shuffles and
      notebook functions): a random image picked for display or a sampled generated text
      changes no result;
    - generators made without a seed (`np.random.default_rng()`).
    Estimators without randomness (`LinearRegression`, `LogisticRegression` with its default
    solver) and libraries with fixed default seeds (XGBoost, LightGBM, CatBoost) are not
    reported.

    ## Why is this bad?
    "Reproducible results: code, environment, data, seeds". Without a seed every run
    splits the data differently and trains a different model, so a change in the metric
    may be noise, and nobody can reproduce the number in the notebook.

    ## Example
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
        model = RandomForestClassifier(n_estimators=N_ESTIMATORS)

    ## Use instead
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=SEED)
        model = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=SEED)
    """

    code = "NBP302"
    name = "unseeded-randomness"
    area = ChecklistArea.EXPERIMENTS
    severity = Severity.WARNING
    checklist_item = "Reproducible results: code, environment, data, seeds"

    valid = [
        [
            "from sklearn.model_selection import train_test_split, KFold\nfrom sklearn.linear_model import LinearRegression",
            "a, b = train_test_split(X, random_state=SEED)\nKFold(5)\nLinearRegression().fit(a, y)",
        ],
        [
            "from sklearn.model_selection import train_test_split",
            "a, b = train_test_split(X, shuffle=False)",
        ],
        # NumPy's seeded global generator makes scikit-learn's defaults deterministic
        [
            "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier",
            "np.random.seed(0)",
            "RandomForestClassifier()",
        ],
        [
            "import numpy as np\nimport random",
            "np.random.seed(1)\nrandom.seed(1)",
            "x = np.random.rand(3)\nrandom.shuffle(items)",
        ],
        [
            "import keras\nimport numpy as np",
            "keras.utils.set_random_seed(7)\nnp.random.normal(size=3)",
        ],
        ["import numpy as np", "rng = np.random.default_rng(42)\nrng.normal(size=3)"],
        # a variable named `random` is not the stdlib module; XGBoost seeds itself
        ["random = 3\nrandom.choice", "import xgboost as xgb\nxgb.XGBClassifier()"],
        # random samples for display or text generation change no result
        [
            "import numpy as np\nimport matplotlib.pyplot as plt",
            "model.fit(X_train, y_train, epochs=EPOCHS)",
            "i = np.random.randint(len(X_test))\nplt.imshow(X_test[i])",
            "def sample(p):\n    return np.argmax(np.random.multinomial(1, p, 1))",
            "for _ in range(LENGTH):\n    text += chars[sample(model.predict(x)[0])]",
        ],
        ["from sklearn.ensemble import RandomForestClassifier", "RandomForestClassifier(**params)"],
    ]
    invalid = [
        Invalid(
            [
                "from sklearn.model_selection import train_test_split\nfrom sklearn.ensemble import RandomForestClassifier",
                "X_train, X_test, y_train, y_test = train_test_split(X, y)\nmodel = RandomForestClassifier(random_state=None)",
            ],
            at=[(1, 1, 36), (1, 2, 9)],
        ),
        Invalid(
            [
                "import numpy as np",
                "idx = np.random.permutation(n)\nnoise = np.random.rand(n)\nX_train = X[idx] + noise",
                "model.fit(X_train, y_train)",
                "np.random.seed(0)",
            ],
            at=[(1, 1, 7)],
        ),
        Invalid(
            [
                "import torch\nimport random",
                "torch.manual_seed(0)\nw = torch.randn(3)\nrandom.shuffle(rows)\ntrain = rows[:800]",
                "model.fit(train, labels)",
            ],
            at=[(1, 3, 1)],
        ),
        # drawn inside a batch generator that feeds training
        Invalid(
            [
                "import numpy as np",
                "def batches(data):\n    while True:\n        rows = np.random.randint(0, len(data), size=128)\n        yield data[rows]",
                "model.fit(batches(train), epochs=EPOCHS)",
            ],
            at=[(1, 3, 16)],
        ),
        Invalid(
            [
                "from sklearn.model_selection import KFold\nimport numpy as np",
                "cv = KFold(5, shuffle=True)\nrng = np.random.default_rng()",
            ],
            at=[(1, 1, 6), (1, 2, 7)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        draws: dict[int, tuple[Site, str]] = {}
        for site in ml.sites:
            qualified = site.qualified
            if qualified is None:
                continue
            if qualified.startswith("sklearn."):
                message = self._sklearn(qualified, site.node)
                if message is not None and not ml.seeded_before("numpy", site.order):
                    yield self.at_node(nb, site.facts, site.node, message)
            elif qualified in _UNSEEDED_GENERATORS:
                if not site.node.args and not site.node.keywords:
                    label = qualified.replace("numpy.", "np.")
                    yield self.at_node(
                        nb,
                        site.facts,
                        site.node,
                        f"`{label}()` without a seed: its numbers change on every run",
                    )
            else:
                library = _drawing_library(qualified)
                if library is not None and not ml.seeded_before(library, site.order):
                    draws[id(site.node)] = (site, library)
        if draws and ml.trainings:
            yield from self._draws_reaching_training(nb, draws)

    def _draws_reaching_training(
        self, nb: AnalyzedNotebook, draws: dict[int, tuple[Site, str]]
    ) -> Iterator[Finding]:
        """Unseeded draws whose numbers reach a training call, through module-level
        assignments, in-place shuffles and the notebook functions that draw them: random
        samples shown for illustration or text generation do not change results."""
        ml = nb.ml
        reached: dict[int, tuple[Site, str]] = {}
        in_functions: dict[str, tuple[Site, str]] = {}
        for site, library in draws.values():
            if site.function is not None:
                in_functions.setdefault(site.function, (site, library))
                if site.function in ml.training_functions:  # drawn inside the training code
                    reached[id(site.node)] = (site, library)

        def drawn(node: ast.expr) -> Iterator[tuple[Site, str]]:
            for call in ml.scan(node).calls:
                if id(call) in draws:
                    yield draws[id(call)]
                elif isinstance(call.func, ast.Name) and call.func.id in in_functions:
                    yield in_functions[call.func.id]

        def source(bind: Bind) -> tuple[tuple[Site, str], ...] | None:
            found = tuple(drawn(bind.value)) if bind.value is not None else ()
            return found or None

        state: dict[str, tuple[tuple[Site, str], ...]] = {}  # name -> the draws it holds
        for step in ml.steps:
            for call in ml.step_calls(step):
                if ml.trains(call):
                    for arg in [*call.args, *(k.value for k in call.keywords)]:
                        origins = [o for n in ml.scan(arg).reads for o in state.get(n, ())]
                        for site, library in [*origins, *drawn(arg)]:
                            reached[id(site.node)] = (site, library)
            ml.propagate(state, step, source, _union)
            for call in ml.step_calls(step):
                draw = draws.get(id(call))
                shuffled = _shuffled_name(call) if draw is not None else None
                if draw is not None and shuffled is not None:
                    state[shuffled] = (*state.get(shuffled, ()), draw)
        first: dict[str, list[Site]] = {}
        for site, library in sorted(reached.values(), key=lambda d: d[0].order):
            first.setdefault(library, []).append(site)
        for library, sites in first.items():
            site, count = sites[0], len(sites) - 1
            more = f" ({count} more unseeded draw{'s' if count > 1 else ''} too)" if count else ""
            yield self.at_node(
                nb,
                site.facts,
                site.node,
                f"`{_label(site)}` draws from {_LIBRARY_NAMES[library]} with no seed set before it,"
                f" and the numbers reach model training: results change on every run{more}",
            )

    @staticmethod
    def _sklearn(qualified: str, call: ast.Call) -> str | None:
        name = qualified.rpartition(".")[2]
        keywords = {k.arg: k.value for k in call.keywords}
        if None in keywords:  # **kwargs may set random_state
            return None
        state = keywords.get("random_state")
        if state is not None and not (isinstance(state, ast.Constant) and state.value is None):
            return None
        if qualified in _RANDOM_FUNCTIONS:
            shuffle = keywords.get("shuffle")
            if isinstance(shuffle, ast.Constant) and shuffle.value is False:
                return None
            what = "split" if name == "train_test_split" else "result"
        elif name in _SHUFFLING_SPLITTERS:
            shuffle = keywords.get("shuffle")
            if not (isinstance(shuffle, ast.Constant) and shuffle.value is True):
                return None
            what = "split"
        elif (
            name in _RANDOM_CLASSES
            or name.startswith(_RANDOM_FAMILIES)
            or qualified.startswith("sklearn.datasets.make_")
        ):
            what = "split" if name.endswith("Split") or "KFold" in name else "result"
        else:
            return None
        return f"`{name}` without `random_state`: a different {what} on every run"


def _drawing_library(qualified: str) -> str | None:
    module, _, name = qualified.rpartition(".")
    if (
        module == "numpy.random"
        and name not in _NUMPY_QUIET
        and name not in ("default_rng", "RandomState", "Generator")
    ):
        return "numpy"
    if module == "random" and name in _RANDOM_DRAWS:
        return "random"
    if module == "torch" and name in _TORCH_DRAWS:
        return "torch"
    return None


def _union(found: list[tuple[tuple[Site, str], ...]]) -> tuple[tuple[Site, str], ...]:
    unique = {id(site.node): (site, library) for origins in found for site, library in origins}
    return tuple(unique.values())


def _shuffled_name(call: ast.Call) -> str | None:
    """`np.random.shuffle(rows)` changes `rows` in place."""
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "shuffle"
        and call.args
        and isinstance(call.args[0], ast.Name)
    ):
        return call.args[0].id
    return None


def _label(site: Site) -> str:
    qualified = site.qualified or ""
    return qualified.replace("numpy.random.", "np.random.") + "(...)"
