from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.cell import dotted_name, is_constant
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
        frozenset({"generator", "sampler", "batch_sampler"}),
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
    - generators made without a seed (`np.random.default_rng()`);
    - Hugging Face `datasets`: `ds.train_test_split(test_size=...)` without `seed=`, and
      `ds.shuffle()` without `seed=` in a notebook that trains (both draw from NumPy's
      global generator when it is seeded);
    - `DataLoader(..., shuffle=True)` without a `generator=` and with no `torch.manual_seed`
      before the training that iterates it;
    - `pm.sample()` / `pm.fit()` without `random_seed=`;
    - `tf.random.*` draws without `seed=` and without `tf.random.set_seed`, and
      `scipy.stats.<dist>.rvs()` without `random_state=`, when they reach training;
    - `AutoModelFor<Task>.from_pretrained(...)` (a new classification, token, QA or
      multiple-choice head, randomly initialised) with no seed before it, when it is
      given `num_labels=` or the model reaches training (a `Trainer(model=...)`, a `fit`);
    - draws inside a module-level loop that takes gradient steps (`loss.backward()`).
    A seed call inside a function or class body counts for the rest of that body and
    where that function or class is called (or handed to a launcher:
    `notebook_launcher(train)`), not where it is defined. `KFold()` / `StratifiedKFold()` without
    `shuffle=True` are deterministic, and so are estimators without randomness
    (`LinearRegression`, `LogisticRegression` with its default solver) and libraries with
    fixed default seeds (XGBoost, LightGBM, CatBoost): none is reported.

    Deliberately not caught: `df.sample(...)` without `random_state` (more often a peek at
    the data than a step of the experiment), `tf.data` `shuffle(buffer)` (it follows
    TensorFlow's global seed, which Keras users rarely set, and the order of batches
    rarely changes a result the way a split does), dropout and other randomness inside a
    model's forward pass, JAX keys (explicit by design), `DataLoader` worker processes
    (`worker_init_fn`), and GPU non-determinism (`cudnn.benchmark`).

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
        # KFold without shuffle=True splits the same way on every run
        [
            "from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score",
            "cv = KFold(n_splits=5)\nscores = cross_val_score(model, X, y, cv=StratifiedKFold(5))",
        ],
        # a seeding helper called before the draws
        [
            "import numpy as np\nimport torch",
            "def set_seeds(seed=42):\n    np.random.seed(seed)\n    torch.manual_seed(seed)",
            "set_seeds()",
            "w = torch.randn(3)\nmodel.fit(X * w, y)",
        ],
        # seeded inside the training function handed to a launcher
        [
            "from accelerate import notebook_launcher\nfrom torch.utils.data import DataLoader\n"
            "from transformers import AutoModelForSequenceClassification, set_seed",
            "def loaders():\n    return DataLoader(train_ds, shuffle=True), DataLoader(eval_ds)",
            "def training_function():\n    set_seed(SEED)\n    train_dl, eval_dl = loaders()\n"
            "    model = AutoModelForSequenceClassification.from_pretrained(CKPT, num_labels=2)\n"
            "    for batch in train_dl:\n        accelerator.backward(model(**batch).loss)\n"
            "        optimizer.step()",
            "notebook_launcher(training_function)",
        ],
        # Hugging Face datasets with a seed, a DataLoader seeded before training iterates it
        [
            "from datasets import load_dataset",
            "splits = load_dataset('imdb')['train'].train_test_split(test_size=0.2, seed=SEED)\n"
            "train = splits['train'].shuffle(seed=SEED)",
            "trainer.train()",
        ],
        [
            "import torch\nfrom torch.utils.data import DataLoader",
            "loader = DataLoader(train_ds, batch_size=B, shuffle=True)",
            "torch.manual_seed(SEED)\nmodel = Net()",
            "for x, y in loader:\n    loss_fn(model(x), y).backward()\n    opt.step()",
        ],
        [
            "import torch\nfrom torch.utils.data import DataLoader",
            "g = torch.Generator().manual_seed(SEED)\n"
            "loader = DataLoader(train_ds, shuffle=True, generator=g)\ntest = DataLoader(test_ds)",
            "for x, y in loader:\n    loss_fn(model(x), y).backward()\n    opt.step()",
        ],
        # tf.data's shuffle takes a buffer size: not a Hugging Face dataset
        [
            "import tensorflow as tf\nimport datasets",
            "ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000)\nmodel.fit(ds, epochs=E)",
        ],
        # op-level and global TensorFlow seeds; PyMC with its seed
        [
            "import tensorflow as tf",
            "w = tf.random.normal((3, 1), seed=SEED)\nmodel.fit(x @ w, y)",
            "tf.random.set_seed(SEED)\nnoise = tf.random.uniform((3,))\nmodel.fit(x + noise, y)",
        ],
        ["import pymc as pm", "with model:\n    idata = pm.sample(1000, random_seed=SEED)"],
        # a fine-tuned checkpoint used for inference only, while another model trains
        [
            "from transformers import AutoModelForSequenceClassification",
            "clf = AutoModelForSequenceClassification.from_pretrained('org/finetuned-sst2')\n"
            "labels = clf(**batch).logits.argmax(-1)",
            "student.fit(texts, labels)",
        ],
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
        # a seed inside a function that is never called seeds nothing
        Invalid(
            [
                "import torch",
                "def show():\n    torch.manual_seed(0)\n    plot(torch.rand(4))",
                "w = torch.randn(3)\nmodel.fit(X * w, y)",
            ],
            at=[(2, 1, 5)],
        ),
        # Hugging Face datasets: a split and a shuffle without `seed=`
        Invalid(
            [
                "from datasets import load_dataset\nfrom transformers import Trainer",
                "ds = load_dataset('imdb')['train']\nsplits = ds.train_test_split(test_size=0.2)\n"
                "train = splits['train'].shuffle()",
                "trainer = Trainer(model=model, args=args, train_dataset=train)\ntrainer.train()",
            ],
            at=[(1, 2, 10), (1, 3, 9)],
        ),
        # a shuffling DataLoader iterated by training with PyTorch's generator unseeded
        Invalid(
            [
                "import torch\nfrom torch.utils.data import DataLoader",
                "loader = DataLoader(train_ds, batch_size=B, shuffle=True)",
                "def train_epoch():\n    for x, y in loader:\n        loss_fn(model(x), y).backward()\n"
                "        opt.step()",
                "for epoch in range(E):\n    train_epoch()",
            ],
            at=[(1, 1, 10)],
        ),
        # TensorFlow and scipy draws that reach training
        Invalid(
            [
                "import tensorflow as tf\nfrom scipy import stats",
                "w = tf.random.normal((3, 1))\nnoise = stats.norm.rvs(size=n)",
                "model.fit(x @ w + noise, y)",
            ],
            at=[(1, 1, 5), (1, 2, 9)],
        ),
        # PyMC without `random_seed=`; a new classification head before any seed
        Invalid(["import pymc as pm", "with model:\n    idata = pm.sample(1000)"], at=[(1, 2, 13)]),
        Invalid(
            [
                "from transformers import AutoModelForSequenceClassification, Trainer, set_seed",
                "model = AutoModelForSequenceClassification.from_pretrained('bert-base-cased', num_labels=2)",
                "set_seed(SEED)\ntrainer = Trainer(model=model, args=args, train_dataset=tr)\ntrainer.train()",
            ],
            at=[(1, 1, 9)],
        ),
        Invalid(
            [
                "from transformers import AutoModelForTokenClassification, Trainer",
                "model = AutoModelForTokenClassification.from_pretrained(CHECKPOINT)",
                "trainer = Trainer(model=model, args=args, train_dataset=tr)\ntrainer.train()",
            ],
            at=[(1, 1, 9)],
        ),
        # drawn inside a module-level loop of gradient steps
        Invalid(
            [
                "import torch",
                "for epoch in range(E):\n    perm = torch.randperm(n)\n    for i in range(0, n, B):\n"
                "        idx = perm[i:i + B]\n        loss = loss_fn(model(X[idx]), y[idx])\n"
                "        loss.backward()\n        opt.step()",
            ],
            at=[(1, 2, 12)],
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
                if message is not None and not ml.seeded_at("numpy", site):
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
                if library is not None and not ml.seeded_at(library, site):
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
            k in keywords and not is_constant(keywords[k], None) for k in source.seeds
        ):
            return None  # seeded, or `**kwargs` may seed it
        if source.flag is not None and not is_constant(keywords.get(source.flag), True):
            return None
        if "shuffle" in keywords and is_constant(keywords["shuffle"], False):
            return None
        if source.when == "training" and not ml.trainings:
            return None
        if source.what == "classification head" and "num_labels" not in keywords:
            name = ml.bound_name(site.node)  # a checkpoint may hold its head: is it trained?
            if name is None or name not in ml.trained_names:
                return None
        if ml.seeded_at(source.library, site):
            return None
        if source.lazy:  # drawn when a training iterates it: seeded before that training?
            if ml.seeded_in_training(source.library):
                return None
            run = next((o for o in ml.training_runs if o > site.order), None)
            if run is not None and ml.seeded_before(source.library, (*run[:2], run[2] + 1)):
                return None
        label = _call_label(site)
        library = _LIBRARY_NAMES[source.library]
        if not source.hint:  # nothing to pass: the generator must be seeded before
            return (
                f"`{label}` with {library} unseeded (no seed set before it): a different"
                f" {source.what} on every run"
            )
        return (
            f"`{label}` without a seed (`{source.hint}=`) and with {library} unseeded:"
            f" a different {source.what} on every run"
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
        seeded = any(k.arg == "seed" and not is_constant(k.value, None) for k in call.keywords)
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
    for long, short in (("numpy.random.", "np.random."), ("tensorflow.random.", "tf.random.")):
        qualified = qualified.replace(long, short)
    return qualified + "(...)"
