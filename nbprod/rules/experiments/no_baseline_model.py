from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell, markdown_cell

# In markdown: "dummy" only as a model ("a dummy forward pass" is a shape check).
_BASELINE_WORDS = re.compile(
    r"baseline|na[iï]ve|dummy (?:classifier|regressor|model|predictor)|common[- ]sense", re.I
)
_GENERATE = re.compile(r"(^|_)generate($|_)")  # `generate`, `compiled_generate`, `.generate(`
_NAIVE = re.compile(r"naive", re.I)  # `evaluate_naive_method`; not `dummy`: get_dummies output
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)
_TEMPERATURE = "temperature"  # a sampling parameter: the model generates
_GENERATIVE_LIBRARIES = ("diffusers",)  # pipelines that generate images or audio


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
    method, a `sample(preds, temperature)` of a char-RNN, a `diffusers` pipeline) and
    `fit(x, y=None)` trainings are not reported. A Keras `Sequential` of one `Dense`
    layer (after `Input`/`Normalization`/`Flatten`), a `keras.Model` or `nn.Module` of the
    notebook whose forward pass is affine (`Dense`/`nn.Linear` layers without activation,
    `tf.matmul` with weights) are linear models: baselines. Neural networks trained by a
    Hugging Face, Lightning or Ignite trainer are non-trivial models. One finding per
    notebook, at the first training of a non-trivial model.

    Deliberately not caught: a baseline score written in markdown without a heading or
    sentence that says "baseline" ("a random guess gets 10%" under a heading about
    data), a simple model of another family (a decision tree, kNN, naive Bayes) used as
    the baseline of a neural network (taken as a baseline only when nothing non-trivial
    is trained), fine-tuning notebooks that compare against the pre-trained model's
    zero-shot score, and notebooks whose training is never followed by a metric.

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
        # Keras linear models: one Dense layer after normalisation, an affine `call`
        [
            "from tensorflow import keras\nfrom tensorflow.keras import layers",
            "linear = keras.Sequential([layers.Input((9,)), layers.Normalization(), layers.Dense(1)])\n"
            "linear.fit(x, y, epochs=E, validation_split=0.2)",
            "dnn = keras.Sequential([layers.Dense(64, activation='relu'), layers.Dense(1)])\n"
            "dnn.fit(x, y, epochs=E, validation_split=0.2)",
        ],
        [
            "import tensorflow as tf\nfrom tensorflow import keras",
            "class Affine(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
            "        self.w = tf.Variable(tf.random.normal((9, 1)))\n        self.b = tf.Variable(tf.zeros(1))\n"
            "    def call(self, x):\n        return tf.matmul(x, self.w) + self.b",
            "class Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
            "        self.hidden = keras.layers.Dense(64, activation='relu')\n"
            "        self.out = keras.layers.Dense(1)\n"
            "    def call(self, x):\n        return self.out(self.hidden(x))",
            "for m in [Affine(), Net()]:\n    m.compile('adam', 'mse')\n"
            "    m.fit(x, y, epochs=E, validation_split=0.2)",
        ],
        # a char-RNN sampled with a temperature; a diffusion pipeline
        [
            "from tensorflow import keras\nmodel = keras.Sequential([keras.layers.LSTM(128), keras.layers.Dense(V)])",
            "model.fit(x, y, epochs=E, validation_split=0.1)",
            "def sample(preds, temperature=1.0):\n    return np.argmax(np.random.multinomial(1, preds))",
        ],
        [
            "from diffusers import DDPMPipeline\nfrom tensorflow import keras",
            "unet = keras.Model(i, o)\nunet.fit(noisy, noise, epochs=E, validation_split=0.1)",
            "images = DDPMPipeline(unet=unet, scheduler=s)().images",
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
        # a fine-tuned transformer, evaluated, with nothing simpler to compare it with
        Invalid(
            [
                "from transformers import Trainer",
                "trainer = Trainer(model=model, args=args, train_dataset=tr, eval_dataset=te)",
                "trainer.train()\ntrainer.evaluate()",
            ],
            at=[(2, 1, 1)],
        ),
        # a normalised linear layer is a baseline, a hidden layer is not
        Invalid(
            [
                "from tensorflow import keras\nfrom tensorflow.keras import layers",
                "model = keras.Sequential([layers.Normalization(), layers.Dense(64, activation='relu'),"
                " layers.Dense(1)])\nmodel.fit(x, y, epochs=E, validation_split=0.2)",
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
        # "dummy" is no baseline when it is a forward pass
        Invalid(
            [
                markdown_cell("Let's check the shapes with a dummy forward pass."),
                "model(torch.randn(1, 3, 64, 64))",
                "import torch\nfor x, y in loader:\n    loss = loss_fn(model(x), y)\n"
                "    opt.zero_grad()\n    loss.backward()\n    opt.step()\nmodel.eval()",
            ],
            at=[(2, 5, 5)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        ml = nb.ml
        first = next(
            (t for t in ml.trainings if t.nontrivial and not _unsupervised(t.site.node)), None
        )
        if first is None or not ml.evaluations or _generates(nb) or self._has_baseline(nb):
            return
        model = first.model
        what = "a neural network is trained"
        if model is not None:
            what = (
                f"`{model.label}` trains a neural network"
                if model.kind == "trainer"
                else f"`{model.label}` is trained"
            )
        yield self.at_node(
            nb,
            first.site.facts,
            first.site.node,
            f"{what} with no baseline (a DummyClassifier/DummyRegressor or a linear model) to"
            " compare it with",
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
    quality is no score a majority-class baseline can be held against. Generation is a
    `generate` function or method, sampling with a `temperature` (a char-RNN's
    `sample(preds, temperature)`), or a diffusion pipeline."""
    if any(_GENERATE.search(name) for name in nb.definitions):
        return True
    if any(q.startswith(_GENERATIVE_LIBRARIES) for q in nb.imports.values()):
        return True
    for facts in nb.cells:
        for call in facts.calls:
            if call.attr is not None and _GENERATE.search(call.attr):
                return True
            if any(k.arg == _TEMPERATURE for k in call.node.keywords):
                return True
        for stmt in facts.tree.body if facts.tree is not None else ():
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                a.arg == _TEMPERATURE for a in [*stmt.args.args, *stmt.args.kwonlyargs]
            ):
                return True
    return False


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
