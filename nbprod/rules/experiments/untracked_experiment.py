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
)


class UntrackedExperiment(Rule):
    """## What it does
    Flags a notebook that trains a model without using any experiment tracker.

    Training is `.fit`, `xgb.train`, `lightgbm.train`, `Trainer.train`, a Keras `fit`, a
    PyTorch `loss.backward()` + `optimizer.step()` loop. Tracking is any of the
    `tracking-modules` (mlflow, wandb, neptune, comet_ml, dvclive, aim, sacred, clearml,
    tensorboard) imported, a Keras `TensorBoard` callback or `%tensorboard` magic, or Azure
    ML's `Run`/`Experiment`. One finding per notebook, at the first training call.

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
