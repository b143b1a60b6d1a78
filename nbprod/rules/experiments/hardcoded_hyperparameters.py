from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml import Site
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

# Arguments that tune how a call runs, not what the model learns.
_NOT_HYPERPARAMETERS = frozenset(
    {"random_state", "seed", "random_seed", "n_jobs", "nthread", "thread_count", "verbose",
     "verbosity", "silent", "workers", "use_multiprocessing", "max_queue_size", "max_iter",
     "validation_split", "validation_steps", "validation_freq", "steps_per_epoch",
     "initial_epoch", "gpu_id", "device", "cache_size", "input_shape", "input_dim",
     "num_classes", "n_classes", "classes", "num_labels", "num_outputs", "tol", "cv",
     "n_init"}
)  # fmt: skip
# Constructors of neural networks take architecture and data shapes, set per problem;
# their hyper-parameters are in the layers and in the training call.
_NEURAL_PREFIXES = ("keras.", "torch", "tensorflow.")
_TRAINING_APIS = frozenset({"fit", "fit_generator", "partial_fit", "train"})


class HardcodedHyperparameters(Rule):
    """## What it does
    Flags numeric hyper-parameters passed inline to a model constructor or training call.

    `RandomForestClassifier(n_estimators=300, max_depth=12)`,
    `model.fit(x, y, learning_rate=0.01)`, `xgb.train(params, d, num_boost_round=50)`:
    one finding per cell, listing every call and its literals. Names (from a
    `parameters`-tagged cell, a config dict or dataclass, a constant) are never reported,
    nor arguments that do not change what is learned (`random_state`, `n_jobs`,
    `verbose`, `max_iter`, `tol`, `cv`, `validation_split`, `input_shape`, `num_classes`,
    ...), nor the training settings of a training call (option `training-settings`,
    default `epochs` and `batch_size`), nor Keras layers, network constructors
    (`keras.applications.VGG16(...)`, notebook model classes) or `DummyClassifier`.

    ## Why is this bad?
    "Separate code from configuration": hyper-parameters spread through the code cannot
    be changed, searched or logged without editing it, and the exported package has them
    frozen in function bodies. A `parameters` cell lets papermill (or nbprod's exporter)
    set them from outside.

    ## Example
        model = RandomForestClassifier(n_estimators=300, max_depth=12)
        model.fit(X_train, y_train)

    ## Use instead
        # cell tagged `parameters`
        N_ESTIMATORS = 300
        MAX_DEPTH = 12

        model = RandomForestClassifier(n_estimators=N_ESTIMATORS, max_depth=MAX_DEPTH)
    """

    code = "NBP303"
    name = "hardcoded-hyperparameters"
    area = ChecklistArea.EXPERIMENTS
    severity = Severity.INFO
    checklist_item = "Separate code from configuration"
    options = {"training-settings": ["epochs", "batch_size"]}

    valid = [
        [
            code_cell("N_ESTIMATORS = 300\nEPOCHS = 20", tags=["parameters"]),
            "from sklearn.ensemble import RandomForestClassifier",
            "model = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=0, n_jobs=-1)\n"
            "model.fit(X, y)",
            "history = net.fit(x, y, epochs=EPOCHS, verbose=0, validation_split=0.2)",
        ],
        [
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.dummy import DummyClassifier",
            "clf = LogisticRegression(C=config['C'], max_iter=1000)\nDummyClassifier(strategy='prior')",
        ],
        # layers are architecture given to a model, not arguments of its constructor
        ["from tensorflow import keras", "model = keras.Sequential([keras.layers.Dense(16)])"],
        # fitting a preprocessor takes no hyper-parameters
        ["from sklearn.decomposition import PCA", "X2 = PCA(n_components=N).fit_transform(X)"],
        # training settings, and arguments about the search rather than the model
        [
            "from sklearn.cluster import KMeans",
            "km = KMeans(n_clusters=K, n_init=10, tol=1e-4)\nkm.fit(X)",
            "history = model.fit(x, y, epochs=20, batch_size=64)",
        ],
        # pretrained architectures take data shapes; notebook model classes, unknown arguments
        [
            "from tensorflow import keras",
            "base = keras.applications.VGG16(weights='imagenet', input_shape=(180, 180, 3))",
            "class Net(keras.Model):\n    pass",
            "model = Net(num_departments=4)",
        ],
    ]
    invalid = [
        Invalid(
            [
                "from sklearn.ensemble import RandomForestClassifier",
                "model = RandomForestClassifier(n_estimators=300, max_depth=12, random_state=0)\nmodel.fit(X, y)",
            ],
            at=[(1, 1, 9)],
        ),
        Invalid(
            [
                "from tensorflow import keras",
                "model = keras.Sequential([keras.layers.Dense(1)])\nmodel.compile('adam', 'mse')",
                "model.fit(x, y, epochs=20, batch_size=128, class_weight=[1, 3], verbose=0)",
            ],
            at=[(2, 1, 1)],
        ),
        # one finding per cell, at its first call
        Invalid(
            [
                "from sklearn.svm import SVC\nfrom sklearn.ensemble import RandomForestClassifier",
                "a = SVC(C=10)\nb = RandomForestClassifier(n_estimators=500)\nb.fit(X, y)",
            ],
            at=[(1, 1, 5)],
        ),
        Invalid(
            ["import xgboost as xgb", "bst = xgb.train(params, dtrain, num_boost_round=50)"],
            at=[(1, 1, 7)],
        ),
        Invalid(
            [
                "from sklearn.neural_network import MLPClassifier",
                "MLPClassifier(hidden_layer_sizes=(64, 32), alpha=1e-4)",
            ],
            at=[(1, 1, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        sites: list[Site] = [
            built.site
            for built in ml.constructions
            if built.kind in ("baseline", "model", "simple")
            and "." in built.qualified  # a notebook class: what its arguments mean is unknown
            and not built.qualified.startswith(_NEURAL_PREFIXES)
            and not built.label.startswith("Dummy")
        ]
        trainings = {id(t.site.node) for t in ml.trainings if t.api in _TRAINING_APIS}
        sites.extend(t.site for t in ml.trainings if t.api in _TRAINING_APIS)
        settings = frozenset(self.option("training-settings"))
        by_cell: dict[int, list[tuple[Site, list[str]]]] = {}
        for site in sorted(sites, key=lambda s: s.order):
            skip = settings if id(site.node) in trainings else frozenset()
            literals = _literal_arguments(site.node, skip)
            if literals:
                by_cell.setdefault(id(site.facts), []).append((site, literals))
        for found in by_cell.values():
            parts = []
            for site, literals in found:
                callee = ast.unparse(site.node.func)
                callee = callee if len(callee) <= 40 else "..." + callee[-37:]
                parts.append(f"`{callee}(...)`: {_listing(literals)}")
            first = found[0][0]
            yield self.at_node(
                nb,
                first.facts,
                first.node,
                f"hyper-parameters hard-coded in {'; '.join(parts)};"
                " move them to a `parameters` cell or a config",
            )


def _literal_arguments(call: ast.Call, skip: frozenset[str]) -> list[str]:
    found: list[str] = []
    for i, arg in enumerate(call.args):
        if _is_numeric(arg):
            found.append(f"{ast.unparse(arg)} (argument {i + 1})")
    for keyword in call.keywords:
        if (
            keyword.arg is not None
            and keyword.arg not in _NOT_HYPERPARAMETERS
            and keyword.arg not in skip
            and _is_numeric(keyword.value)
        ):
            found.append(f"{keyword.arg}={ast.unparse(keyword.value)}")
    return found


def _listing(literals: list[str], shown: int = 4) -> str:
    more = len(literals) - shown
    return ", ".join(literals[:shown]) + (f" and {more} more" if more > 0 else "")


def _is_numeric(node: ast.expr) -> bool:
    """A number literal (`12`, `-1e-3`), or a tuple/list of them (`(64, 32)`)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
        return all(_is_numeric(e) for e in node.elts)
    return False
