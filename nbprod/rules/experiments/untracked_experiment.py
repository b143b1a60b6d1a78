from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

# Azure ML runs are experiments tracked by the workspace (`run.log(...)`), whatever the
# configured modules: the Azure notebooks of the corpus train and log through them.
_ALWAYS_TRACKING = (
    "azureml.core.Run",
    "azureml.core.Experiment",
    "azureml.core.run",
    "azureml.core.experiment",
    "azure_ml",
    # Loggers that record each run's parameters and metrics in files (see ml_catalog):
    "csv-logger",  # keras.callbacks.CSVLogger
    "lightning-logs",  # Lightning's CSVLogger, and its Trainer's default logger
    "accelerate-trackers",  # accelerator.init_trackers(...)
    "all",  # report_to="all": every installed integration
    "configured",  # log_with= / report_to= from a variable: a tracker is configured
)


class UntrackedExperiment(Rule):
    """## What it does
    Flags a notebook that trains a model without using any experiment tracker.

    Training is `.fit`, `xgb.train`, `lightgbm.train`, Hugging Face `Trainer(...).train()`,
    Lightning's `trainer.fit(module)`, Ignite's `create_supervised_trainer(...)` +
    `trainer.run(loader, max_epochs=E)`, a Keras `fit` (also on a dataset without `y`),
    PyMC's `pm.sample()` / `pm.find_MAP()`, a PyTorch `loss.backward()` +
    `optimizer.step()` (or `scaler.step(optimizer)`) loop, also inside a notebook function.
    Tracking is any of the `tracking-modules` (mlflow, wandb, neptune, comet_ml, dvclive,
    aim, sacred, clearml, tensorboard) imported (`mlflow.autolog()` included), a Keras
    `TensorBoard` or `CSVLogger` callback, a `%tensorboard` magic, a Lightning logger
    (`CSVLogger`, `TensorBoardLogger`, `MLFlowLogger`, `WandbLogger`, ...) or a Lightning
    `Trainer` with its default logger (it writes every run's hyper-parameters and metrics
    to `lightning_logs/`), `Accelerator(log_with=...)` or `accelerator.init_trackers(...)`,
    `TrainingArguments(report_to=...)` naming a tracker (not `"none"`), or Azure ML's
    `Run`/`Experiment`. One finding per notebook, at the first training call.

    Deliberately not caught: a notebook whose tracker is imported but never called (the
    import is taken as the intent to track), `TrainingArguments` without `report_to`
    (its default depends on the installed `transformers` version and integrations), and
    results written by hand to a CSV or JSON file (nbprod cannot tell a results log from
    any other file).

    ## Why is this bad?
    "Track every experiment": the parameters, data version and metrics of this run are
    recorded nowhere but in cell outputs that the next run overwrites. Rules of ML #24,
    measure the change between models, needs the earlier models' numbers.

    ## Example
        model = RandomForestClassifier(n_estimators=N_ESTIMATORS)
        model.fit(X_train, y_train)

    ## Use instead
        with mlflow.start_run():
            mlflow.log_params({"n_estimators": N_ESTIMATORS})
            model.fit(X_train, y_train)
            mlflow.log_metric("auc", roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    """

    code = "NBP301"
    name = "untracked-experiment"
    area = ChecklistArea.EXPERIMENTS
    severity = Severity.WARNING
    checklist_item = "Track every experiment"

    valid = [
        [
            "import mlflow\nfrom sklearn.linear_model import LinearRegression",
            "mlflow.autolog()\nLinearRegression().fit(X, y)",
        ],
        [
            "import wandb.sdk\nimport keras",
            "model = keras.Sequential([])\nmodel.fit(x, y, epochs=E)",
        ],
        [
            "from tensorflow import keras",
            "cb = keras.callbacks.TensorBoard(log_dir='logs')\nmodel = keras.Sequential([])\nmodel.fit(x, y, callbacks=[cb])",
        ],
        [
            "from azureml.core import Run\nrun = Run.get_context()",
            "from sklearn.svm import SVC\nSVC().fit(X, y)\nrun.log('acc', 1)",
        ],
        # fitting a preprocessor or a scipy distribution trains no model
        [
            "from sklearn.preprocessing import StandardScaler\nfrom scipy import stats",
            "StandardScaler().fit(X)\nstats.norm.fit(x)",
        ],
        # PyTorch: `model.train()` only switches to training mode
        ["import torch", "model.train()\nout = model(x)"],
        # style transfer: gradients update an image, not a model
        ["import tensorflow as tf", "opt.apply_gradients([(grads, combination_image)])"],
        # Hugging Face: the trackers named in `report_to` / `log_with`
        [
            "from transformers import Trainer, TrainingArguments",
            "args = TrainingArguments('out', report_to=['wandb'])\n"
            "trainer = Trainer(model=model, args=args, train_dataset=train_ds)\ntrainer.train()",
        ],
        [
            "from accelerate import Accelerator\nimport torch",
            "accelerator = Accelerator(log_with='mlflow')\naccelerator.init_trackers('runs')",
            "for x, y in loader:\n    loss = loss_fn(net(x), y)\n    accelerator.backward(loss)\n"
            "    opt.step()",
        ],
        # Lightning: a logger, or the Trainer's default logger (lightning_logs/)
        [
            "import pytorch_lightning as pl\nfrom pytorch_lightning.loggers import CSVLogger",
            "trainer = pl.Trainer(max_epochs=E, logger=CSVLogger('logs'))\ntrainer.fit(module, loader)",
        ],
        ["import lightning as L", "trainer = L.Trainer(max_epochs=E)\ntrainer.fit(module, loader)"],
        [
            "from tensorflow import keras",
            "log = keras.callbacks.CSVLogger('history.csv')\nmodel = keras.Sequential([])\n"
            "model.fit(train_ds, epochs=E, callbacks=[log])",
        ],
        ["import dvclive\nimport xgboost as xgb", "bst = xgb.train(params, dtrain)"],
    ]
    invalid = [
        Invalid(
            [
                "from sklearn.ensemble import RandomForestClassifier",
                "model = RandomForestClassifier()\nmodel.fit(X_train, y_train)",
                "model.fit(X, y)",
            ],
            at=[(1, 2, 1)],
        ),
        Invalid(["import xgboost as xgb", "booster = xgb.train(params, dtrain)"], at=[(1, 1, 11)]),
        Invalid(
            [
                "import torch",
                "for x, y in loader:\n    loss = loss_fn(net(x), y)\n    loss.backward()\n    opt.step()",
            ],
            at=[(1, 3, 5)],
        ),
        # a model trained in a loop over hyper-parameters is one experiment
        Invalid(
            ["for depth in [2, 4, 8]:\n    m = make(depth)\n    m.fit(X_train, y_train)"],
            at=[(0, 3, 5)],
        ),
        # Hugging Face Trainer with reporting switched off
        Invalid(
            [
                "from transformers import Trainer, TrainingArguments",
                "args = TrainingArguments('out', report_to='none')\n"
                "trainer = Trainer(model=model, args=args, train_dataset=train_ds)\ntrainer.train()",
            ],
            at=[(1, 3, 1)],
        ),
        # Lightning with logging switched off
        Invalid(
            [
                "import pytorch_lightning as pl",
                "trainer = pl.Trainer(max_epochs=E, logger=False)\ntrainer.fit(module, loader)",
            ],
            at=[(1, 2, 1)],
        ),
        # Ignite: a supervised trainer run for some epochs
        Invalid(
            [
                "from ignite.engine import create_supervised_trainer",
                "trainer = create_supervised_trainer(net, opt, loss_fn)\n"
                "trainer.run(train_loader, max_epochs=E)",
            ],
            at=[(1, 2, 1)],
        ),
        # Keras on a labelled dataset, PyMC sampling, a mixed-precision PyTorch loop
        Invalid(
            [
                "from tensorflow import keras",
                "train_ds = keras.utils.image_dataset_from_directory('train')\n"
                "model = keras.Sequential([])\nmodel.fit(train_ds, epochs=E)",
            ],
            at=[(1, 3, 1)],
        ),
        Invalid(["import pymc as pm", "with model:\n    idata = pm.sample(1000)"], at=[(1, 2, 13)]),
        Invalid(["import pymc3 as pm", "with model:\n    start = pm.find_MAP()"], at=[(1, 2, 13)]),
        # statsmodels, LightGBM's and CatBoost's own APIs
        Invalid(
            ["import statsmodels.api as sm", "results = sm.OLS(y, sm.add_constant(X)).fit()"],
            at=[(1, 1, 11)],
        ),
        Invalid(
            ["import lightgbm as lgb", "booster = lgb.train(params, lgb.Dataset(X, y))"],
            at=[(1, 1, 11)],
        ),
        Invalid(
            [
                "from catboost import CatBoostClassifier, Pool",
                "CatBoostClassifier().fit(Pool(X, y))",
            ],
            at=[(1, 1, 1)],
        ),
        Invalid(
            [
                "import torch",
                "def train_epoch(loader):\n    for x, y in loader:\n"
                "        scaler.scale(loss_fn(net(x), y)).backward()\n        scaler.step(opt)",
                "for epoch in range(E):\n    train_epoch(loader)",
            ],
            at=[(1, 3, 9)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        trainings = nb.ml.trainings
        if not trainings:
            return
        modules = (*self.settings.tracking_modules, *_ALWAYS_TRACKING)
        for use in nb.ml.tracker_uses:
            if any(use.module == m or use.module.startswith(m + ".") for m in modules):
                return
        first = trainings[0].site
        yield self.at_node(
            nb,
            first.facts,
            first.node,
            "a model is trained but no experiment tracker (mlflow, wandb, ...) is used:"
            " its parameters and metrics are not recorded",
        )
