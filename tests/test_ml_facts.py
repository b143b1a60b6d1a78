"""Notebook-level ML facts: what is built, trained, evaluated, seeded, split and loaded."""

from __future__ import annotations

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml import classify, normalize
from nbprod.notebook import notebook_from_data
from nbprod.rules.base import Example


def _nb(*cells: str) -> AnalyzedNotebook:
    return AnalyzedNotebook(notebook_from_data(Example(cells).notebook_json(), "t.ipynb"))


def test_classify_estimators_by_qualified_name() -> None:
    assert classify("sklearn.ensemble.RandomForestClassifier") == "model"
    assert classify("sklearn.linear_model.LogisticRegression") == "baseline"
    assert classify("sklearn.svm.LinearSVC") == "baseline"
    assert classify("sklearn.tree.DecisionTreeRegressor") == "simple"
    assert classify("sklearn.preprocessing.StandardScaler") == "preprocessor"
    assert classify("sklearn.preprocessing.OneHotEncoder") == "encoder"
    assert classify("sklearn.feature_extraction.text.TfidfVectorizer") == "preprocessor"
    assert classify("sklearn.preprocessing.Imputer") == "preprocessor"  # the pre-0.22 imputer
    assert classify("sklearn_pandas.DataFrameMapper") == "preprocessor"
    assert classify("category_encoders.TargetEncoder") == "preprocessor"
    assert classify("category_encoders.OneHotEncoder") is None  # maps categories, learns no target
    assert classify("sklearn.model_selection.KFold") == "splitter"
    assert classify("sklearn.model_selection.train_test_split") is None
    assert classify("xgboost.XGBClassifier") == "model"
    assert classify("statsmodels.formula.api.ols") == "baseline"
    assert classify("statsmodels.api.families.Binomial") is None
    assert classify(normalize("tensorflow.keras.models.Sequential")) == "model"
    assert classify("transformers.Trainer") == "trainer"
    assert classify("pandas.read_csv") is None


def test_constructions_know_their_name_and_what_a_pipeline_holds() -> None:
    nb = _nb(
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.ensemble import RandomForestClassifier as RF",
        "clf = make_pipeline(StandardScaler(), RF())\nprep = make_pipeline(StandardScaler())",
    )
    built = {(c.label, c.name): c for c in nb.ml.constructions}
    assert built[("make_pipeline", "clf")].kind == "meta"
    assert built[("make_pipeline", "clf")].nontrivial
    assert built[("make_pipeline", "prep")].kind == "preprocessor"
    assert built[("RandomForestClassifier", None)].kind == "model"


def test_only_imported_heads_are_qualified() -> None:
    nb = _nb("random = Random()\nrandom.choice(xs)", "import numpy as np\nnp.random.seed(0)")
    assert nb.ml.qualify("random.choice") is None
    assert [sorted(s.libraries) for s in nb.ml.seeds] == [["numpy"]]


def test_training_calls_are_sites_and_preprocessor_fits_are_not() -> None:
    nb = _nb(
        "from sklearn.preprocessing import StandardScaler\nfrom sklearn.svm import SVC\nimport xgboost as xgb",
        "scaler = StandardScaler()\nscaler.fit(X)\nmodel = SVC()",
        "for c in [0.1, 1, 10]:\n    model.fit(X, y)",  # one site, however many runs
        "bst = xgb.train(params, dtrain)\nnet.train()",  # `net.train()`: PyTorch's mode switch
    )
    trainings = nb.ml.trainings
    assert [(t.site.facts.cell.index, t.api) for t in trainings] == [(2, "fit"), (3, "train")]
    assert trainings[0].model is not None and trainings[0].model.label == "SVC"


def test_keras_training_is_recognised_through_compile_and_factories() -> None:
    nb = _nb(
        "from tensorflow import keras",
        "def build():\n    model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])\n"
        "    return model",
        "m = build()\nm.fit(ds)",
        "other.compile(optimizer='adam')\nother.fit(ds)",
    )
    trainings = nb.ml.trainings
    assert [t.site.facts.cell.index for t in trainings] == [2, 3]
    assert trainings[0].model is not None and trainings[0].model.label == "Sequential"
    assert all(t.neural and t.nontrivial for t in trainings)
    assert nb.ml.training_functions == frozenset()


def test_gradient_steps_are_training_but_image_updates_are_not() -> None:
    nb = _nb(
        "import torch",
        "def step(x, y):\n    loss = loss_fn(model(x), y)\n    loss.backward()\n    optimizer.step()",
        "opt.apply_gradients([(grads, image)])\nopt.apply_gradients(zip(grads, net.trainable_weights))",
    )
    assert [(t.api, t.site.function) for t in nb.ml.trainings] == [
        ("backward", "step"),
        ("apply_gradients", None),
    ]
    assert nb.ml.training_functions == frozenset({"step"})


def test_evaluations_include_metrics_held_out_keywords_and_cross_validation() -> None:
    nb = _nb(
        "from sklearn.metrics import roc_auc_score\nfrom sklearn.model_selection import cross_val_score",
        "model.fit(X, y, validation_data=(Xv, yv))\nroc_auc_score(yv, p)\ncross_val_score(m, X, y)",
        "model.score(Xv, yv)\nmodel.eval()\neval('1')",
    )
    apis = [(e.api, e.standalone) for e in nb.ml.evaluations]
    assert apis == [
        ("validation_data", False),
        ("sklearn.metrics.roc_auc_score", True),
        ("sklearn.model_selection.cross_val_score", True),
        ("score", True),
        ("eval", True),
    ]


def test_splits_give_roles_to_names_and_what_derives_from_them() -> None:
    nb = _nb(
        "from sklearn.model_selection import train_test_split\nfrom tensorflow import keras",
        "X_train, X_test, y_train, y_test = train_test_split(X, y)",
        "(a, b), (c, d) = keras.datasets.mnist.load_data()",
        "x_val = a[:1000]\npartial_x_train = a[1000:]",
        "X_test_s = scaler.transform(X_test)\nboth = np.concatenate([X_train, X_test])",
    )
    ml = nb.ml
    assert [(s.api, s.train, s.held_out, s.inputs) for s in ml.splits] == [
        ("train_test_split", ("X_train", "y_train"), ("X_test", "y_test"), ("X", "y")),
        ("load_data", ("a", "b"), ("c", "d"), ()),
        ("slice", ("partial_x_train",), ("x_val",), ("a",)),
    ]
    for _, roles in ml.walk_roles():
        pass  # the state is updated after each step: here, after the last one
    assert {n: r for n, (r, _) in roles.items()} == {
        "X_train": "train", "y_train": "train", "X_test": "held-out", "y_test": "held-out",
        "a": "train", "b": "train", "c": "held-out", "d": "held-out",
        "x_val": "held-out", "partial_x_train": "train", "X_test_s": "held-out",
    }  # fmt: skip


def test_propagate_forgets_rebound_names_and_keeps_partly_assigned_ones() -> None:
    nb = _nb("b = a + 1\ndf['c'] = 2\nb = 0\nc = df")
    state = {"a": "A", "df": "D"}
    for step in nb.ml.steps:
        nb.ml.propagate(state, step)
    assert state == {"a": "A", "df": "D", "c": "D"}


def test_data_loads_bind_names_directly_and_through_loader_functions() -> None:
    nb = _nb(
        "import pandas as pd\nimport numpy as np",
        "def load(path):\n    return pd.read_csv(path)",
        "customers = load('data/raw/c.csv')\nfeatures = np.load('f.npy')\nwith open('notes.txt') as f:\n    notes = f.read()",
    )
    assert [(load.names, load.access.path) for load in nb.ml.loads] == [
        (("customers",), None),  # the read inside `load` has no static path
        (("features",), "f.npy"),
    ]


def test_tracker_uses_cover_imports_callbacks_and_magics() -> None:
    nb = _nb(
        "import mlflow.sklearn\nfrom tensorflow import keras",
        "cb = keras.callbacks.TensorBoard('logs')",
        "%load_ext tensorboard",
    )
    modules = {use.module for use in nb.ml.tracker_uses}
    assert {"mlflow", "tensorboard"} <= modules


def test_seeded_before_follows_document_order() -> None:
    nb = _nb("import numpy as np\nimport keras", "x = 1", "keras.utils.set_random_seed(0)")
    ml = nb.ml
    assert ml.seeded_before("numpy", (3, 0, 0)) and not ml.seeded_before("numpy", (1, 1, 0))
    assert not ml.seeded_before("torch", (3, 0, 0))
