"""What library calls mean, as data: tables of qualified names and argument roles.

One table per library family. A reviewer extends what nbprod recognises here (a new
estimator family, a training driver, a tracker, a seed call, a source of randomness)
without touching the analysis in ``ml.py``. Qualified names use one spelling for Keras
(``keras.X``, see ``normalize``).
"""

from __future__ import annotations

from typing import Literal

# What an estimator-like class is, for the rules:
#   baseline     DummyClassifier, linear and logistic models
#   model        non-trivial models: ensembles, kernel SVMs, neural networks, boosting
#   simple       other estimators: trees, kNN, naive Bayes, clustering, time series, ...
#   meta         wrappers that train what they wrap: Pipeline with a model, GridSearchCV
#   preprocessor transformers fitted on data statistics (a fit on all rows leaks)
#   encoder      transformers that learn no statistics worth leaking (categories, stateless)
#   splitter     KFold & co.
#   trainer      training drivers: transformers.Trainer, Lightning's Trainer
ModelKind = Literal[
    "baseline", "model", "simple", "meta", "preprocessor", "encoder", "splitter", "trainer"
]
MODEL_KINDS: frozenset[str] = frozenset({"baseline", "model", "simple", "meta", "trainer"})

SKLEARN_MODULE_KINDS: dict[str, ModelKind] = {
    "dummy": "baseline", "linear_model": "baseline",
    "ensemble": "model", "svm": "model", "neural_network": "model", "gaussian_process": "model",
    "tree": "simple", "neighbors": "simple", "naive_bayes": "simple", "cluster": "simple",
    "mixture": "simple", "discriminant_analysis": "simple", "kernel_ridge": "simple",
    "isotonic": "simple", "semi_supervised": "simple", "cross_decomposition": "simple",
    "multiclass": "meta", "multioutput": "meta", "calibration": "meta",
    "preprocessing": "encoder", "feature_extraction": "encoder",
    "decomposition": "preprocessor", "feature_selection": "preprocessor", "impute": "preprocessor",
}  # fmt: skip
SKLEARN_CLASS_KINDS: dict[str, ModelKind] = {
    "LinearSVC": "baseline", "LinearSVR": "baseline", "BernoulliRBM": "preprocessor",
    "StandardScaler": "preprocessor", "MinMaxScaler": "preprocessor", "MaxAbsScaler": "preprocessor",
    "RobustScaler": "preprocessor", "QuantileTransformer": "preprocessor",
    "PowerTransformer": "preprocessor", "KBinsDiscretizer": "preprocessor",
    "TargetEncoder": "preprocessor", "TfidfVectorizer": "preprocessor",
    "CountVectorizer": "preprocessor", "TfidfTransformer": "preprocessor",
    "VarianceThreshold": "encoder", "MissingIndicator": "encoder",
    "GridSearchCV": "meta", "RandomizedSearchCV": "meta", "HalvingGridSearchCV": "meta",
    "HalvingRandomSearchCV": "meta", "TransformedTargetRegressor": "meta",
    "KFold": "splitter", "StratifiedKFold": "splitter", "GroupKFold": "splitter",
    "StratifiedGroupKFold": "splitter", "RepeatedKFold": "splitter",
    "RepeatedStratifiedKFold": "splitter", "ShuffleSplit": "splitter",
    "StratifiedShuffleSplit": "splitter", "GroupShuffleSplit": "splitter",
    "TimeSeriesSplit": "splitter", "LeaveOneOut": "splitter", "LeavePOut": "splitter",
    "LeaveOneGroupOut": "splitter", "LeavePGroupsOut": "splitter", "PredefinedSplit": "splitter",
}  # fmt: skip
# Wrappers whose kind is that of what they hold (a Pipeline ending in a model is a model).
COMPOSITES = frozenset(
    {"Pipeline", "make_pipeline", "FeatureUnion", "make_union", "ColumnTransformer",
     "make_column_transformer"}
)  # fmt: skip
STATSMODELS_LINEAR = frozenset(
    {"OLS", "WLS", "GLS", "GLSAR", "Logit", "Probit", "GLM", "MNLogit", "QuantReg", "RLM",
     "ols", "wls", "gls", "logit", "probit", "glm", "mnlogit", "quantreg", "rlm"}
)  # fmt: skip
SEQUENTIAL = frozenset({"keras.Sequential", "keras.models.Sequential"})
# What a linear PyTorch model is built of (weights, biases, the layers holding them).
LINEAR_TORCH = frozenset(
    {"torch.nn.Linear", "torch.nn.Parameter", "torch.nn.Sequential", "torch.randn", "torch.rand",
     "torch.zeros", "torch.ones", "torch.tensor", "torch.float", "torch.float32"}
)  # fmt: skip
KERAS_MODELS = SEQUENTIAL | {"keras.Model", "keras.models.Model"}
MODEL_BASES = frozenset(
    {"keras.Model", "keras.models.Model", "torch.nn.Module", "torch.nn.modules.module.Module",
     "pytorch_lightning.LightningModule", "lightning.LightningModule",
     "lightning.pytorch.LightningModule"}
)  # fmt: skip
TRAINER_MODULES = ("transformers", "trl", "pytorch_lightning", "lightning", "setfit")

# Keywords only Keras-style training calls take: a `.fit` with one of them trains a model.
KERAS_FIT_KEYWORDS = frozenset(
    {"epochs", "batch_size", "validation_data", "validation_split", "callbacks",
     "steps_per_epoch", "initial_epoch", "validation_steps", "validation_freq"}
)  # fmt: skip
FUNCTION_TRAINERS = frozenset({"xgboost.train", "lightgbm.train", "catboost.train"})
# Keywords that evaluate on held-out data while training.
HELD_OUT_KEYWORDS = frozenset(
    {"validation_data", "validation_split", "eval_set", "evals", "valid_sets", "eval_dataset"}
)
CROSS_VALIDATION = frozenset(
    {"sklearn.model_selection.cross_val_score", "sklearn.model_selection.cross_validate",
     "sklearn.model_selection.cross_val_predict", "sklearn.model_selection.learning_curve",
     "sklearn.model_selection.validation_curve", "sklearn.model_selection.permutation_test_score",
     "xgboost.cv", "lightgbm.cv"}
)  # fmt: skip
SEEDS: dict[str, frozenset[str]] = {
    "numpy.random.seed": frozenset({"numpy"}),
    "random.seed": frozenset({"random"}),
    "torch.manual_seed": frozenset({"torch"}),
    "torch.random.manual_seed": frozenset({"torch"}),
    "tensorflow.random.set_seed": frozenset({"tensorflow"}),
    "tensorflow.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.set_random_seed": frozenset({"tensorflow"}),
    "keras.utils.set_random_seed": frozenset({"numpy", "random", "tensorflow"}),
    "pytorch_lightning.seed_everything": frozenset({"numpy", "random", "torch"}),
    "lightning.seed_everything": frozenset({"numpy", "random", "torch"}),
    "lightning.pytorch.seed_everything": frozenset({"numpy", "random", "torch"}),
    "transformers.set_seed": frozenset({"numpy", "random", "torch", "tensorflow"}),
    "accelerate.utils.set_seed": frozenset({"numpy", "random", "torch"}),
}
DATA_READERS = (
    "pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_", "numpy.load",
    "numpy.genfromtxt", "numpy.fromfile", "pyarrow.parquet.read_table", "xarray.open_dataset",
    "scipy.io.loadmat",
)  # fmt: skip
TENSORBOARD_APIS = frozenset(
    {"keras.callbacks.TensorBoard", "tensorflow.summary.create_file_writer"}
)


def normalize(qualified: str) -> str:
    """One spelling for Keras: ``tensorflow.keras.X`` and ``tf_keras.X`` are ``keras.X``."""
    for prefix in ("tensorflow.keras.", "tensorflow.python.keras.", "tf_keras."):
        if qualified.startswith(prefix):
            return "keras." + qualified[len(prefix) :]
    return qualified


def classify(qualified: str) -> ModelKind | None:
    """The kind of estimator a qualified callee constructs, or None when it is none."""
    module, _, name = qualified.rpartition(".")
    if not name:
        return None
    head = module.partition(".")[0]
    if head == "sklearn":
        if not (name[0].isupper() or name in COMPOSITES):
            return None
        if name in SKLEARN_CLASS_KINDS:
            return SKLEARN_CLASS_KINDS[name]
        if name in COMPOSITES:
            return "meta"  # refined by what it holds (see MLFacts._construction)
        return SKLEARN_MODULE_KINDS.get(module.split(".")[1] if "." in module else "")
    if (head == "xgboost" and name.startswith("XGB")) or (
        head == "lightgbm" and name.startswith("LGBM")
    ):
        return "model"
    if head == "catboost" and name.startswith("CatBoost"):
        return "model"
    if qualified in KERAS_MODELS or qualified == "torch.nn.Sequential":
        return "model"
    if name[0].isupper() and (
        module == "keras.applications" or module.startswith("keras.applications.")
    ):
        return "model"
    if module.startswith("torchvision.models"):
        return "model"
    if head == "statsmodels":
        return _statsmodels_kind(module, name)
    if module in ("tensorflow.estimator", "tensorflow.compat.v1.estimator"):
        if name.startswith(("DNN", "BoostedTrees")):
            return "model"
        if name.startswith(("Linear", "Baseline")):
            return "baseline"
        return None
    if head in TRAINER_MODULES and name.endswith("Trainer"):
        return "trainer"
    return None


def _statsmodels_kind(module: str, name: str) -> ModelKind | None:
    if name in STATSMODELS_LINEAR:
        return "baseline"
    if module == "statsmodels.formula.api":
        return "simple"
    if not name[0].isupper() or any(
        p in module for p in ("families", "stats", "graphics", "datasets", "tools")
    ):
        return None
    return "simple"
