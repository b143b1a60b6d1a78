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
    "Imputer": "preprocessor",  # sklearn.preprocessing.Imputer, before sklearn.impute
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
# Preprocessors outside scikit-learn that learn statistics from the rows they are fitted on.
OTHER_PREPROCESSORS = frozenset({"sklearn_pandas.DataFrameMapper"})
# category_encoders' encoders that learn from the target (the others only map categories).
TARGET_ENCODERS = frozenset(
    {"TargetEncoder", "LeaveOneOutEncoder", "CatBoostEncoder", "JamesSteinEncoder",
     "MEstimateEncoder", "WOEEncoder", "GLMMEncoder", "QuantileEncoder", "SummaryEncoder"}
)  # fmt: skip
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
# What an affine Keras model is built of: one `Dense` layer (any activation: a linear or
# logistic regression), or `Dense` layers without activation, after input plumbing.
KERAS_PLUMBING = frozenset(
    {"Input", "InputLayer", "Flatten", "Normalization", "Rescaling", "Reshape", "Dropout"}
)
LINEAR_KERAS = frozenset(
    {"keras.layers.Dense", "tensorflow.matmul", "tensorflow.Variable", "tensorflow.zeros",
     "tensorflow.ones", "tensorflow.random.normal", "tensorflow.random.uniform",
     "keras.initializers.Zeros", "keras.initializers.RandomNormal"}
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
# Module functions that train (or fit by sampling), and the training API they are.
#   train   native boosting APIs, supervised: `xgb.train(params, dtrain)`
#   sample  Bayesian inference (PyMC): fits a posterior, has no targets to score
FUNCTION_TRAINERS: dict[str, str] = {
    "xgboost.train": "train", "lightgbm.train": "train", "catboost.train": "train",
    "pymc.sample": "sample", "pymc3.sample": "sample", "pymc.find_MAP": "sample",
    "pymc3.find_MAP": "sample", "pymc.fit": "sample", "pymc3.fit": "sample",
}  # fmt: skip
# Factory functions whose result is a training driver run with `.run(loader, max_epochs=E)`.
TRAINER_FACTORIES = frozenset(
    {"ignite.engine.create_supervised_trainer", "ignite.engine.supervised_training_step"}
)
# Methods of a training driver (`kind == "trainer"`) that train, and those that evaluate.
TRAINER_TRAIN_METHODS = frozenset({"train", "fit", "run"})
TRAINER_EVAL_METHODS = frozenset({"evaluate", "test", "validate"})
# Keywords that evaluate on held-out data while training.
HELD_OUT_KEYWORDS = frozenset(
    {"validation_data", "validation_split", "eval_set", "evals", "valid_sets", "eval_dataset",
     "val_dataloaders"}
)  # fmt: skip
# Calls that compute (or build) a metric: a qualified-name prefix, or an exact name.
METRIC_PREFIXES = (
    "sklearn.metrics.", "torchmetrics.", "evaluate.", "ignite.metrics.",
)  # fmt: skip
METRIC_CALLS = frozenset({"datasets.load_metric", "ignite.engine.create_supervised_evaluator"})
# Datasets that yield `(inputs, targets)`: `model.fit(train_ds, epochs=E)` with one of them
# (or a `.batch()`/`.shuffle()`/... of one) is supervised training although `y` is not passed.
LABELLED_DATASETS = frozenset(
    {"keras.utils.image_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory",
     "keras.utils.text_dataset_from_directory", "keras.preprocessing.text_dataset_from_directory",
     "keras.utils.audio_dataset_from_directory", "keras.utils.timeseries_dataset_from_array",
     "keras.preprocessing.timeseries_dataset_from_array"}
)  # fmt: skip
# `tf.data.Dataset.from_tensor_slices((x, y))`: labelled when its first argument is a pair.
PAIRED_DATASETS = frozenset(
    {"tensorflow.data.Dataset.from_tensor_slices", "tensorflow.data.Dataset.from_tensors",
     "tensorflow.data.Dataset.zip"}
)  # fmt: skip
# Methods of an image generator that yield `(x, y)` batches (`flow` when given `y`).
LABELLED_FLOWS = frozenset({"flow_from_directory", "flow_from_dataframe"})
# Dataset methods that keep the `(x, y)` structure of what they are called on.
DATASET_PIPELINE_METHODS = frozenset(
    {"batch", "padded_batch", "prefetch", "shuffle", "cache", "repeat", "take", "skip",
     "unbatch", "with_options", "filter", "map", "apply", "rebatch"}
)  # fmt: skip
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
    "accelerate.utils.random.set_seed": frozenset({"numpy", "random", "torch"}),
    "transformers.enable_full_determinism": frozenset({"numpy", "random", "torch", "tensorflow"}),
    "lightning.fabric.seed_everything": frozenset({"numpy", "random", "torch"}),
    "lightning.fabric.utilities.seed.seed_everything": frozenset({"numpy", "random", "torch"}),
    "pytorch_lightning.utilities.seed.seed_everything": frozenset({"numpy", "random", "torch"}),
    "fastai.torch_core.set_seed": frozenset({"numpy", "random", "torch"}),
}
DATA_READERS = (
    "pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_", "numpy.load",
    "numpy.genfromtxt", "numpy.fromfile", "pyarrow.parquet.read_table", "xarray.open_dataset",
    "scipy.io.loadmat",
)  # fmt: skip
TENSORBOARD_APIS = frozenset(
    {"keras.callbacks.TensorBoard", "tensorflow.summary.create_file_writer"}
)
# Calls that record a run's parameters and metrics, and the tracker they feed.
# "lightning-logs": a versioned directory of hyper-parameters and metrics per run;
# "csv-logger": a file of per-epoch metrics; None: the tracker is named by a keyword
# (`Accelerator(log_with="wandb")`, `TrainingArguments(report_to=["mlflow"])`).
TRACKING_CALLS: dict[str, str | None] = {
    "keras.callbacks.CSVLogger": "csv-logger",
    "accelerate.Accelerator": None,
    "transformers.TrainingArguments": None,
    "transformers.Seq2SeqTrainingArguments": None,
    "trl.SFTConfig": None,
    **{
        f"{package}.loggers.{logger}": tracker
        for package in ("pytorch_lightning", "lightning.pytorch", "lightning.fabric")
        for logger, tracker in (
            ("CSVLogger", "lightning-logs"), ("TensorBoardLogger", "tensorboard"),
            ("MLFlowLogger", "mlflow"), ("WandbLogger", "wandb"), ("NeptuneLogger", "neptune"),
            ("CometLogger", "comet_ml"),
        )
    },
}  # fmt: skip
# Keywords naming the trackers of the TRACKING_CALLS whose tracker is None.
TRACKER_KEYWORDS = frozenset({"log_with", "report_to"})
# Lightning's Trainer logs every run to lightning_logs/ unless `logger=False`.
LOGGING_TRAINERS = frozenset(
    {"pytorch_lightning.Trainer", "lightning.Trainer", "lightning.pytorch.Trainer",
     "lightning.pytorch.trainer.Trainer", "pytorch_lightning.trainer.Trainer"}
)  # fmt: skip


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
    if qualified in OTHER_PREPROCESSORS or (
        head == "category_encoders" and name in TARGET_ENCODERS
    ):
        return "preprocessor"
    if module in ("tensorflow.estimator", "tensorflow.compat.v1.estimator"):
        if name.startswith(("DNN", "BoostedTrees")):
            return "model"
        if name.startswith(("Linear", "Baseline")):
            return "baseline"
        return None
    if head in TRAINER_MODULES and name.endswith("Trainer"):
        return "trainer"
    if qualified in TRAINER_FACTORIES:
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
