from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml import MLFacts, Training
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule


class NoEvaluationMetric(Rule):
    """## What it does
    Flags a notebook that trains a model on explicit targets (`fit(X, y)`, `xgb.train`,
    Hugging Face `Trainer.train`, Ignite's `create_supervised_trainer` run, a Keras `fit`
    on a labelled dataset: `image_dataset_from_directory`, `from_tensor_slices((x, y))`,
    `flow_from_directory`, `tfds.load(..., as_supervised=True)` and their `.batch()`es)
    but computes no metric on held-out data. Any of these counts as evaluation: a
    `sklearn.metrics` / `torchmetrics` / `evaluate` (`evaluate.load(...).compute(...)`) /
    `ignite.metrics` call, `datasets.load_metric`, Ignite's
    `create_supervised_evaluator`, `.score(...)`, `.evaluate(...)` (Keras'
    `model.evaluate(test_ds)`, `trainer.evaluate()`), Lightning's `trainer.test()` /
    `trainer.validate()`, cross-validation (`cross_val_score`, `GridSearchCV`, `xgb.cv`,
    ...), a training call with `validation_data=`, `validation_split=`, `eval_set=`,
    `evals=`, `valid_sets=`, `val_dataloaders=`, a `Trainer` with an `eval_dataset`, or
    PyTorch's `model.eval()`. When every metric reads only the training side of a split
    (`model.score(X_train, y_train)`), the notebook is flagged too. Generative models and
    autoencoders (`vae.fit(x)`, GANs' `train_on_batch`, gradient steps written by hand)
    are not reported: their quality is rarely a held-out number. One finding per
    notebook, at the first training call with targets.

    Deliberately not caught: Lightning's `trainer.fit(module, loader)` and plain PyTorch
    loops (whether the module is supervised is not visible in the call), PyMC sampling
    (a posterior is rarely scored on held-out data), a Keras `fit` on a dataset built by
    a function or class of the notebook, and metrics computed by hand
    (`(pred == y_test).mean()`): any of these may be a fine evaluation.

    ## Why is this bad?
    "Evaluate with the defined metric": a model that was never scored on data it did not
    see may be memorising its training set. Without a held-out number there is nothing to
    compare the next model with (Rules of ML #24) and no way to notice it degrade (#10).

    ## Example
        model.fit(X_train, y_train)
        model.predict(X_new)

    ## Use instead
        model.fit(X_train, y_train)
        print(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    """

    code = "NBP305"
    name = "no-evaluation-metric"
    area = ChecklistArea.EXPERIMENTS
    severity = Severity.WARNING
    checklist_item = "Evaluate with the defined metric on held-out data"

    valid = [
        [
            "from sklearn.metrics import f1_score\nfrom sklearn.model_selection import train_test_split",
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nmodel.fit(X_train, y_train)",
            "f1_score(y_test, model.predict(X_test))",
        ],
        [
            "from tensorflow import keras",
            "model = keras.Sequential([])\nmodel.fit(x, y, validation_split=0.2)",
        ],
        [
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.svm import SVC",
            "scores = cross_val_score(SVC(), X, y, cv=5)\nSVC().fit(X, y)",
        ],
        # a metric inside a notebook function is evaluation, whatever the argument names
        [
            "def evaluate(m, X, y):\n    return m.score(X, y)",
            "model.fit(X_train, y_train)\nevaluate(model, X_val, y_val)",
        ],
        [
            "import torch",
            "for x, y in loader:\n    loss_fn(net(x), y).backward()\n    opt.step()",
            "net.eval()",
        ],
        # Keras on a labelled dataset, scored on the test dataset
        [
            "import tensorflow as tf\nfrom tensorflow import keras",
            "train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32)\n"
            "model = keras.Sequential([])\nmodel.fit(train_ds, epochs=E)",
            "model.evaluate(test_ds)",
        ],
        # Hugging Face: `evaluate.load(...).compute(...)`, `trainer.evaluate()`
        [
            "import evaluate\nfrom transformers import Trainer",
            "trainer = Trainer(model=model, args=args, train_dataset=train_ds)\ntrainer.train()",
            "metric = evaluate.load('accuracy')\nmetric.compute(predictions=p, references=r)",
        ],
        [
            "from transformers import Trainer",
            "trainer = Trainer(model=model, args=args, train_dataset=train_ds)\ntrainer.train()",
            "trainer.evaluate(test_ds)",
        ],
        # torchmetrics on the test loader
        [
            "import torchmetrics\nfrom ignite.engine import create_supervised_trainer",
            "trainer = create_supervised_trainer(net, opt, loss_fn)\ntrainer.run(train_loader, max_epochs=E)",
            "acc = torchmetrics.Accuracy(task='binary')\nfor x, y in test_loader:\n    acc.update(net(x), y)",
        ],
        # Ignite: an evaluator with metrics; Lightning's `trainer.test()`
        [
            "from ignite.engine import create_supervised_trainer, create_supervised_evaluator",
            "trainer = create_supervised_trainer(net, opt, loss_fn)\n"
            "evaluator = create_supervised_evaluator(net, metrics=metrics)\n"
            "trainer.run(train_loader, max_epochs=E)",
        ],
        [
            "import pytorch_lightning as pl\nfrom sklearn.linear_model import LogisticRegression",
            "trainer = pl.Trainer(max_epochs=E)\ntrainer.fit(module, train_loader)\n"
            "LogisticRegression().fit(X, y)",
            "trainer.test(module, test_loader)",
        ],
        # Lightning: whether the module learns from targets is not visible in the call
        ["import pytorch_lightning as pl", "pl.Trainer(max_epochs=E).fit(autoencoder, loader)"],
        # a dataset of images only (an autoencoder's input), PyMC sampling: no targets
        [
            "from tensorflow import keras",
            "images = keras.utils.image_dataset_from_directory('faces', labels=None)\n"
            "vae.fit(images.map(lambda x: (x, x)), epochs=E)",
        ],
        ["import pymc as pm", "with model:\n    idata = pm.sample(1000, random_seed=SEED)"],
        # generative models: no targets to score
        [
            "from tensorflow import keras\nvae = keras.Model(i, o)",
            "vae.fit(digits, epochs=E, batch_size=B)\ngan.train_on_batch(z, labels)",
        ],
    ]
    invalid = [
        Invalid(
            [
                "from sklearn.ensemble import RandomForestClassifier",
                "model = RandomForestClassifier()\nmodel.fit(X, y)",
                "model.predict(X_new)",
            ],
            at=[(1, 2, 1)],
        ),
        # scored on the very rows it was trained on
        Invalid(
            [
                "from sklearn.model_selection import train_test_split\nfrom sklearn.metrics import accuracy_score",
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
                "model.fit(X_train, y_train)\nprint(model.score(X_train, y_train))",
                "accuracy_score(y_train, model.predict(X_train))",
            ],
            at=[(2, 1, 1)],
        ),
        # Keras on a labelled dataset, never scored
        Invalid(
            [
                "from tensorflow import keras",
                "train_ds = keras.utils.image_dataset_from_directory('train', batch_size=B)\n"
                "model = keras.Sequential([])\nmodel.fit(train_ds.prefetch(2), epochs=E)",
                "model.predict(new_images)",
            ],
            at=[(1, 3, 1)],
        ),
        Invalid(
            [
                "from keras.preprocessing.image import ImageDataGenerator",
                "gen = ImageDataGenerator(rescale=1 / 255).flow_from_directory('train')\n"
                "model.fit_generator(gen, 100, epochs=E)",
            ],
            at=[(1, 2, 1)],
        ),
        Invalid(
            [
                "from ignite.engine import create_supervised_trainer",
                "trainer = create_supervised_trainer(net, opt, loss_fn)\n"
                "trainer.run(train_loader, max_epochs=E)",
            ],
            at=[(1, 2, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        first = next((t.site for t in ml.trainings if _supervised(ml, t)), None)
        if first is None:
            return
        evaluations = ml.evaluations
        placed = {id(e.site.node) for e in evaluations if e.standalone and e.site.function is None}
        if len(placed) < len(evaluations):
            return  # evaluated during training, in a function, by cross-validation objects
        if evaluations and not self._only_on_training_data(nb, placed):
            return
        detail = (
            "the metrics read only the training split"
            if evaluations
            else "no metric is computed on held-out data"
        )
        yield self.at_node(
            nb,
            first.facts,
            first.node,
            f"a model is trained but {detail} (a test split, `validation_data=`, cross-validation)",
        )

    @staticmethod
    def _only_on_training_data(nb: AnalyzedNotebook, placed: set[int]) -> bool:
        """Whether every module-level metric call reads training-split data and nothing
        else from a split."""
        ml = nb.ml
        seen = 0
        for step, roles in ml.walk_roles():
            for call in ml.step_calls(step):
                if id(call) in placed:
                    seen += 1
                    names = ml.reads([*call.args, *(k.value for k in call.keywords)])
                    if {roles[n][0] for n in names if n in roles} != {"train"}:
                        return False
        return seen == len(placed)


def _supervised(ml: MLFacts, training: Training) -> bool:
    """A training with explicit targets (`fit(X, y)`, `xgb.train`, `Trainer.train`,
    Ignite's supervised trainer, a Keras `fit` on a dataset of `(x, y)` pairs):
    generative models, autoencoders, Bayesian sampling and datasets whose labels cannot be
    seen are left out, and so are hand-written gradient steps."""
    if training.api in ("train", "run"):
        return True
    if training.model is not None and training.model.kind == "trainer":
        return False  # Lightning's `trainer.fit(module, loader)`: is the module supervised?
    if training.api not in ("fit", "partial_fit", "fit_generator"):
        return False
    call = training.site.node
    targets = [k.value for k in call.keywords if k.arg == "y"] or call.args[1:2]
    if not targets or training.api == "fit_generator":  # its 2nd argument: steps_per_epoch
        inputs = call.args[:1] or [k.value for k in call.keywords if k.arg in ("x", "generator")]
        return bool(inputs) and ml.labelled(inputs[0], training.site.order)
    return not (isinstance(targets[0], ast.Constant) and targets[0].value is None)
