from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell, markdown_cell

_BASELINE_WORDS = re.compile(r"baseline|na[iï]ve|dummy|common[- ]sense", re.I)  # in headings
_GENERATE = re.compile(r"(^|_)generate($|_)")  # `generate`, `compiled_generate`, `.generate(`
_NAIVE = re.compile(r"naive", re.I)  # `evaluate_naive_method`; not `dummy`: get_dummies output
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)


class NoBaselineModel(Rule):
    """## What it does
    Flags a notebook that trains a non-trivial model (an ensemble, a kernel SVM, gradient
    boosting, a neural network) and evaluates it, with no baseline to compare it with. A
    baseline is any of: a `DummyClassifier`/`DummyRegressor` or a linear/logistic model
    constructed anywhere; a cell tagged `baseline`; code under a markdown heading that
    mentions a baseline, or right after markdown text that does; code that says `baseline`
    (a name, a comment); a notebook name mentioning `naive`. Notebooks that compute no
    metric at all (generative models, autoencoders: NBP305 covers missing evaluation),
    notebooks that generate text or images with their model (a `generate` function or
    method) and `fit(x, y=None)` trainings are not reported. One finding per notebook, at the first
    training of a non-trivial model.

    ## Why is this bad?
    "Start with the simplest model as baseline": without one, nobody knows whether 0.87
    accuracy is good: predicting the majority class may score 0.85. Rules of ML #24 —
    measure the change between models — needs a first model to measure against.

    ## Example
        model = RandomForestClassifier(n_estimators=N_ESTIMATORS)
        model.fit(X_train, y_train)

    ## Use instead
        baseline = DummyClassifier(strategy="prior").fit(X_train, y_train)
        model = RandomForestClassifier(n_estimators=N_ESTIMATORS).fit(X_train, y_train)
        print(roc_auc_score(y_test, baseline.predict_proba(X_test)[:, 1]), ...)
    """

    code = "NBP304"
    name = "no-baseline-model"
    area = ChecklistArea.EXPERIMENTS
    severity = Severity.INFO
    checklist_item = "Start with the simplest model as baseline"

    valid = [
        [
            "from sklearn.dummy import DummyClassifier\nfrom sklearn.ensemble import RandomForestClassifier",
            "DummyClassifier().fit(X, y)\nRandomForestClassifier().fit(X, y)",
        ],
        [
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.svm import SVC",
            "models = [LogisticRegression(), SVC()]\nfor m in models:\n    m.fit(X, y)",
        ],
        # a single Dense layer is a logistic regression
        [
            "from tensorflow import keras",
            "linear = keras.Sequential([keras.layers.Dense(1, activation='sigmoid')])\nlinear.fit(x, y, validation_data=v)",
            "model = keras.Sequential([keras.layers.Dense(64), keras.layers.Dense(1)])\nmodel.fit(x, y, validation_data=v)",
        ],
        # only a simple model is trained: it is its own baseline
        [
            "from sklearn.tree import DecisionTreeClassifier",
            "DecisionTreeClassifier(max_depth=D).fit(X, y)",
        ],
        [
            markdown_cell("## A common-sense baseline\nPredict tomorrow's temperature as today's."),
            "mae = evaluate_persistence(val_ds)",
            "from tensorflow import keras\nmodel = keras.Sequential([])\nmodel.fit(train_ds, epochs=E)",
        ],
        [
            code_cell("majority = y_train.mode()[0]", tags=["baseline"]),
            "import xgboost as xgb\nxgb.XGBClassifier().fit(X, y)",
        ],
        [
            "def evaluate_naive_method(ds):\n    return mae(ds)",
            "from tensorflow import keras\nmodel = keras.Sequential([])\nmodel.fit(x, y, validation_data=val)",
        ],
        [
            markdown_cell("A random classifier would reach about 19%, our baseline:"),
            "hits = (test_labels == shuffled_labels).mean()",
            "from tensorflow import keras\nmodel = keras.Sequential([])\nmodel.fit(x, y)\nmodel.evaluate(x_test, y_test)",
        ],
        # a language model, used to generate text
        [
            "from tensorflow import keras\nlm = keras.Model(i, o)",
            "lm.fit(train_ds, validation_data=val_ds, epochs=E)",
            "def generate(prompt):\n    return sample(lm.predict(encode(prompt)))",
        ],
        # generative models and autoencoders: nothing to beat, no metric computed
        [
            "from tensorflow import keras\nvae = keras.Model(i, o)",
            "vae.fit(x_train, epochs=E)\ngan.train_on_batch(z, labels)",
        ],
        [
            "from tensorflow import keras\nvae = keras.Model(i, o)",
            "vae.fit(x=x_train, y=None, validation_data=(x_test, None))",
        ],
        # a PyTorch model of linear layers only is a linear model: its own baseline
        [
            "import torch\nfrom torch import nn",
            "class LinearRegressionModel(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.weights = nn.Parameter(torch.randn(1))\n        self.bias = nn.Parameter(torch.randn(1))\n"
            "    def forward(self, x):\n        return self.weights * x + self.bias",
            "model = LinearRegressionModel()",
            "for epoch in range(E):\n    loss = loss_fn(model(X), y)\n    optimizer.zero_grad()\n"
            "    loss.backward()\n    optimizer.step()\nmodel.eval()",
        ],
        [
            "import torch\nfrom torch import nn",
            "model = nn.Sequential(nn.Linear(2, 5), nn.Linear(5, 1))",
            "for epoch in range(E):\n    loss = loss_fn(model(X), y)\n    optimizer.zero_grad()\n"
            "    loss.backward()\n    optimizer.step()\nmodel.eval()",
        ],
    ]
    invalid = [
        Invalid(
            [
                "from sklearn.ensemble import RandomForestClassifier",
                "model = RandomForestClassifier()\nmodel.fit(X_train, y_train)",
                "model.fit(X, y)\nprint(model.score(X_test, y_test))",
            ],
            at=[(1, 2, 1)],
        ),
        # a heading about baselines with no code under it is a plan, not a baseline
        Invalid(
            [
                markdown_cell("## TODO: baseline"),
                markdown_cell("## Model"),
                "from tensorflow import keras\nmodel = keras.Sequential([])\nmodel.compile('adam', 'mse')",
                "history = model.fit(x, y, epochs=E, validation_data=(x_val, y_val))",
            ],
            at=[(3, 1, 11)],
        ),
        Invalid(
            [
                "import torch\nfrom torch import nn",
                "model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1))",
                "for epoch in range(E):\n    loss = loss_fn(model(X), y)\n    optimizer.zero_grad()\n"
                "    loss.backward()\n    optimizer.step()\nmodel.eval()",
            ],
            at=[(2, 4, 5)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        first = next(
            (t for t in ml.trainings if t.nontrivial and not _unsupervised(t.site.node)), None
        )
        if first is None or not ml.evaluations or _generates(nb) or self._has_baseline(nb):
            return
        what = f"`{first.model.label}`" if first.model is not None else "a neural network"
        yield self.at_node(
            nb,
            first.site.facts,
            first.site.node,
            f"{what} is trained with no baseline (a DummyClassifier/DummyRegressor or a linear"
            " model) to compare it with",
        )

    @staticmethod
    def _has_baseline(nb: AnalyzedNotebook) -> bool:
        if any(c.kind == "baseline" for c in nb.ml.constructions):
            return True
        if any("baseline" in f.cell.tags or "baseline" in f.cell.source.lower() for f in nb.cells):
            return True
        if any(_NAIVE.search(name) for name in nb.definitions):
            return True
        return _baseline_section_with_code(nb)


def _generates(nb: AnalyzedNotebook) -> bool:
    """A notebook that generates text or images with its model: a language model's
    quality is no score a majority-class baseline can be held against."""
    if any(_GENERATE.search(name) for name in nb.definitions):
        return True
    return any(c.attr is not None and _GENERATE.search(c.attr) for f in nb.cells for c in f.calls)


def _unsupervised(call: ast.Call) -> bool:
    """`vae.fit(x, y=None)`: an autoencoder or generative model has no baseline to beat."""
    return any(
        k.arg == "y" and isinstance(k.value, ast.Constant) and k.value.value is None
        for k in call.keywords
    )


def _baseline_section_with_code(nb: AnalyzedNotebook) -> bool:
    """Code under a markdown heading that mentions a baseline (before the next heading of
    the same or a higher level), or right after markdown text that mentions one."""
    level = 0  # level of the open baseline section, 0 when none is open
    mentioned = False  # the markdown just above mentions a baseline
    for cell in nb.notebook.cells:
        if cell.kind == "markdown":
            for hashes, title in _HEADING.findall(cell.source):
                if level and len(hashes) <= level:
                    level = 0
                if _BASELINE_WORDS.search(title):
                    level = len(hashes)
            mentioned = bool(_BASELINE_WORDS.search(cell.source))
        elif cell.kind == "code" and cell.source.strip():
            if level or mentioned:
                return True
            mentioned = False
    return False
