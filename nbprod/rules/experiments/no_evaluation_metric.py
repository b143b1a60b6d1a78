from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.ml import Training
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule


class NoEvaluationMetric(Rule):
    """## What it does
    Flags a notebook that trains a model on explicit targets (`fit(X, y)`, `xgb.train`,
    `Trainer.train`) but computes no metric on held-out data. Any of
    these counts as evaluation: a `sklearn.metrics` / `torchmetrics` / `evaluate` call,
    `.score(...)`, `.evaluate(...)`, cross-validation (`cross_val_score`, `GridSearchCV`,
    `xgb.cv`, ...), a training call with `validation_data=`, `validation_split=`,
    `eval_set=`, `evals=`, `valid_sets=`, a `Trainer` with an `eval_dataset`, or PyTorch's
    `model.eval()`. When every metric reads only the training side of a split
    (`model.score(X_train, y_train)`), the notebook is flagged too. Generative models and
    autoencoders (`vae.fit(x)`, GANs' `train_on_batch`, gradient steps written by hand)
    are not reported: their quality is rarely a held-out number. One finding per
    notebook, at the first training call with targets.

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
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        first = next((t.site for t in ml.trainings if _supervised(t)), None)
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


def _supervised(training: Training) -> bool:
    """A training with explicit targets (`fit(X, y)`, `xgb.train`, `Trainer.train`):
    generative models, autoencoders and datasets whose labels cannot be seen are left
    out, and so are hand-written gradient steps."""
    if training.api == "train":
        return True
    if training.api not in ("fit", "partial_fit"):
        return False
    call = training.site.node
    targets = [k.value for k in call.keywords if k.arg == "y"] or call.args[1:2]
    return bool(targets) and not (isinstance(targets[0], ast.Constant) and targets[0].value is None)
