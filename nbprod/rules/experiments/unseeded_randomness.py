from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.cell import dotted_name
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
    "tensorflow": "TensorFlow's generator",
}
# Names under `tensorflow.random` that draw nothing, or only from the seed they are given.
_TF_QUIET = frozenset(
    {"set_seed", "get_seed", "Generator", "get_global_generator", "set_global_generator",
     "create_rng_state", "experimental", "Algorithm", "split", "fold_in"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Source:
    """A call whose result is random unless a seed keyword is given or the global
    generator of ``library`` was seeded before it (the library draws its seed from it)."""

    seeds: frozenset[str]  # keywords that seed the call (or replace its randomness)
    library: str  # the global generator it falls back on
    what: str  # what changes on every run
    when: Literal["always", "training"]  # report always, or only in a notebook that trains
    hint: str = ""  # the keyword to suggest
    flag: str | None = None  # a keyword that must be True for the call to be random
    # True when the draw happens when the object is used (a DataLoader's shuffle draws
    # at each epoch): a seed set before the training that uses it counts
    lazy: bool = False


# Sources of randomness by qualified name (see `_sources` for methods and name patterns).
_SOURCES: dict[str, Source] = {
    **{
        f"{pymc}.{api}": Source(
            frozenset({"random_seed"}), "numpy", "posterior sample", "always", "random_seed"
        )
        for pymc in ("pymc", "pymc3")
        for api in ("sample", "fit")
    },
    "torch.utils.data.DataLoader": Source(
        frozenset({"generator", "sampler", "batch_sampler", "worker_init_fn"}),
        "torch",
        "batch order",
        "training",
        "generator",
        flag="shuffle",
        lazy=True,
    ),
}
# Methods of a Hugging Face `datasets.Dataset` (when `datasets` is imported): they draw
# their seed from NumPy's global generator when `seed=` is not given.
_DATASET_SOURCES: dict[str, Source] = {
    "train_test_split": Source(
        frozenset({"seed", "generator"}), "numpy", "split", "always", "seed"
    ),
    "shuffle": Source(frozenset({"seed", "generator"}), "numpy", "order", "training", "seed"),
}
# `from_pretrained` of a model class with a task head that the checkpoint may lack: the
# head's weights are initialised from the framework's generator.
_NEW_HEADS = (
    "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering",
    "ForMultipleChoice", "ForImageClassification", "ForAudioClassification",
)  # fmt: skip


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
        datasets = any(q.startswith("datasets") for q in nb.imports.values())
        for site in ml.sites:
            qualified = site.qualified
            source = self._source(site, datasets)
            if source is not None:
                message = self._unseeded(nb, site, source)
                if message is not None:
                    yield self.at_node(nb, site.facts, site.node, message)
                continue
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
                library = _drawing_library(qualified, site.node)
                if library is not None and not ml.seeded_before(library, site.order):
                    draws[id(site.node)] = (site, library)
        if draws and ml.trainings:
            yield from self._draws_reaching_training(nb, draws)

    @staticmethod
    def _source(site: Site, datasets: bool) -> Source | None:
        qualified = site.qualified
        if qualified is not None:
            found = _SOURCES.get(qualified)
            if found is not None:
                return found
            module, _, name = qualified.rpartition(".")
            if (
                name == "from_pretrained"
                and module.startswith("transformers.")
                and (module.endswith(_NEW_HEADS))
            ):
                library = "tensorflow" if module.rpartition(".")[2].startswith("TF") else "torch"
                return Source(frozenset(), library, "classification head", "training")
            if module.startswith("scipy.stats.") and name == "rvs":
                return Source(
                    frozenset({"random_state"}), "numpy", "sample", "training", "random_state"
                )
            return None
        func = site.node.func
        if datasets and isinstance(func, ast.Attribute):
            found = _DATASET_SOURCES.get(func.attr)
            buffered = site.node.args or any(k.arg == "buffer_size" for k in site.node.keywords)
            if found is not None and not (func.attr == "shuffle" and buffered):
                return found  # `ds.shuffle(1000)` is tf.data's: a buffer size
        return None

    def _unseeded(self, nb: AnalyzedNotebook, site: Site, source: Source) -> str | None:
        ml = nb.ml
        keywords = {k.arg: k.value for k in site.node.keywords}
        if None in keywords or any(
            k in keywords and not _is_none(keywords[k]) for k in source.seeds
        ):
            return None  # seeded, or `**kwargs` may seed it
        if source.flag is not None and not _is_true(keywords.get(source.flag)):
            return None
        if "shuffle" in keywords and _is_false(keywords["shuffle"]):
            return None
        if source.when == "training" and not ml.trainings:
            return None
        used = site.order
        if source.lazy:  # drawn when a training iterates it
            used = next((o for o in ml.training_runs if o > site.order), site.order)
        if ml.seeded_before(source.library, used):
            return None
        label = _call_label(site)
        fix = f"`{source.hint}=`" if source.hint else "a seed set before it"
        return (
            f"`{label}` without a seed ({fix}) and with {_LIBRARY_NAMES[source.library]}"
            f" unseeded: a different {source.what} on every run"
        )

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
            elif any(
                start <= site.node.lineno <= end
                for start, end in ml.training_loops.get(id(site.facts), ())
            ):  # drawn in a module-level training loop: `for epoch in ...: perm = randperm(n)`
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


def _drawing_library(qualified: str, call: ast.Call) -> str | None:
    module, _, name = qualified.rpartition(".")
    if module == "tensorflow.random" and name not in _TF_QUIET:
        seeded = any(k.arg == "seed" and not _is_none(k.value) for k in call.keywords)
        return None if seeded or name.startswith("stateless_") else "tensorflow"
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
    """`np.random.shuffle(rows)` changes `rows` in place (`tf.random.shuffle` does not)."""
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "shuffle"
        and dotted_name(func) not in ("tf.random.shuffle", "tensorflow.random.shuffle")
        and call.args
        and isinstance(call.args[0], ast.Name)
    ):
        return call.args[0].id
    return None


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _call_label(site: Site) -> str:
    """`DataLoader(...)`, `pm.sample(...)`, `.train_test_split(...)`."""
    func = site.node.func
    if site.qualified is not None:
        parts = site.qualified.split(".")
        short = ".".join(parts[-2:]) if parts[-1] in ("from_pretrained", "rvs") else parts[-1]
        if parts[0] in ("pymc", "pymc3"):
            short = "pm." + parts[-1]
        return short + "(...)"
    name = func.attr if isinstance(func, ast.Attribute) else "?"
    return f".{name}(...)"


def _label(site: Site) -> str:
    qualified = site.qualified or ""
    return qualified.replace("numpy.random.", "np.random.") + "(...)"
