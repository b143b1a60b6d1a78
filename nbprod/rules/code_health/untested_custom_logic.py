from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.cell import def_name_column
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

_TEST_TAGS = frozenset({"test", "tests"})
_TEST_CELL_MAGICS = frozenset({"ipytest", "run_pytest"})
# Words of a function name that make it a metric or a loss (singular on purpose:
# `scores_df`, `plot_metrics`, `reset_metrics` hold or show values, they compute none).
_KIND_WORDS = {"loss": "loss", "metric": "metric", "score": "metric", "scorer": "metric"}
# First words of functions that display, store or reset a metric rather than compute it.
_NOT_COMPUTING = frozenset(
    {"plot", "show", "print", "display", "log", "save", "load", "reset", "visualize",
     "visualise", "draw", "report", "track", "write", "read", "test"}
)  # fmt: skip
# Last words of names that hold or describe values, not a computation.
_HOLDERS = frozenset({"history", "curve", "curves", "plot", "df", "table", "name", "names", "path"})
# Words of training-step helpers that compute a loss on the way (`compute_loss_and_grads`).
_STEPS = frozenset({"grad", "grads", "gradient", "gradients", "update", "updates", "step"})
_SKLEARN = {
    "sklearn.base.TransformerMixin": "transformer",
    "sklearn.base.BaseEstimator": "estimator",
    "sklearn.base.ClassifierMixin": "estimator",
    "sklearn.base.RegressorMixin": "estimator",
}
_TORCH_MODULES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})
_KERAS_ROOTS = ("keras.", "tensorflow.keras.", "tf_keras.")
# Nodes of an expression that only calls library functions on its arguments.
_DELEGATING = (ast.Call, ast.Name, ast.Attribute, ast.Constant, ast.keyword, ast.Load)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class UntestedCustomLogic(Rule):
    """## What it does
    Flags a custom metric, loss or transformer that no test exercises: a top-level
    function whose name has the word `loss`, `metric`, `score` or `scorer`
    (`compute_loss`, `f1_score_custom`, not `scores_df` or `plot_loss`), or a class
    deriving from scikit-learn's `TransformerMixin` / `BaseEstimator`, Keras'
    `losses.Loss` / `metrics.Metric`, or a `torch.nn.Module` named like a loss or metric.
    It counts as tested when a cell tagged `test` mentions it, or an `assert` (or an
    `assert_*` call) uses it, directly or through a variable assigned from it.

    Not reported: model architectures (Keras `Model`/`Layer`, other `torch.nn.Module`s),
    which training exercises and which fail loudly when broken; functions that only
    compose library calls, scaled by constants and fed at most one plain difference of
    two values, in one expression or a few assignments
    (`return np.sqrt(mean_squared_error(y, p))`, `return K.sum(K.square(a - b))`); and
    training steps that compute a loss on the way (`compute_loss_and_grads`).

    ## Why is this bad?
    A metric or loss with an off-by-one or a swapped argument does not crash: it
    silently reports a wrong number, and every model decision is made on it. The
    production checklist: "test every part (custom transformers, metrics, losses)".

    ## Example
        def profit_score(y_true, y_pred):
            tp = ((y_true == 1) & (y_pred == 1)).sum()
            return (tp * 120 - (y_pred == 1).sum() * 15) / len(y_true)

    ## Use instead
    Check it on hand-computed cases in a cell tagged `test` (exported to `tests/`).
        assert profit_score(np.array([1, 0]), np.array([1, 1])) == 45.0
    """

    code = "NBP402"
    name = "untested-custom-logic"
    area = ChecklistArea.CODE_HEALTH
    severity = Severity.WARNING
    checklist_item = "Test every part: custom transformers, metrics and losses"

    valid = [
        [
            "def rmse_loss(y, p):\n    return ((y - p) ** 2).mean() ** 0.5",
            "assert rmse_loss(1, 1) == 0",
        ],
        [
            "def profit_score(y, p):\n    return (y == p).mean()",
            code_cell("profit_score([1], [1])", tags=["test"]),
        ],
        [
            "def f1_score_custom(y, p):\n    return 1.0",
            "def test_f1():\n    value = f1_score_custom([1], [1])\n    assert value == 1.0",
        ],
        [
            "from sklearn.base import BaseEstimator, TransformerMixin\n"
            "class Log(BaseEstimator, TransformerMixin):\n    def transform(self, X):\n        return X",
            "out = Log().fit_transform([[1]])",
            "np.testing.assert_allclose(out, [[1]])",
        ],
        ["scores_df = pd.DataFrame()", "def plot_loss(history):\n    plt.plot(history)"],
        ["def compute_loss(x):\n    return jnp.square(x)"],  # a library function renamed
        ["def rmse_score(y, p):\n    return np.sqrt(mean_squared_error(y, p))"],
        # a library metric scaled by a constant: nothing of its own to test
        ["def error_score(y, p):\n    return 1 - accuracy_score(y, p)"],
        ["def rmse_loss(y, p):\n    return mean_squared_error(y, p) ** 0.5"],
        # the textbook error of two values, spelled with library calls, in one or more lines
        ["def content_loss(base, combination):\n    return K.sum(K.square(combination - base))"],
        [
            "def square_loss(t, p):\n    per_sample = tf.square(t - p)\n    return tf.reduce_mean(per_sample)"
        ],
        [
            "def compute_loss(state, x, y):\n    W, b = state\n    pred = model(x, W, b)\n"
            "    loss = mean_squared_error(y, pred)\n    return loss"
        ],
        # scikit-learn's estimator checks are tests
        [
            "from sklearn.base import BaseEstimator, TransformerMixin\n"
            "class Clip(BaseEstimator, TransformerMixin):\n    pass",
            "from sklearn.utils.estimator_checks import check_estimator\ncheck_estimator(Clip())",
        ],
        ["def compute_loss_and_grads(x):\n    with tape:\n        loss = f(x)\n    return loss"],
        ["def reset_metrics():\n    pass", "def test_score():\n    assert True"],
        # model architectures are exercised by training
        ["from tensorflow import keras\nclass Net(keras.Model):\n    pass"],
        ["import torch.nn as nn\nclass Encoder(nn.Module):\n    pass"],
        ["from tensorflow.keras import layers\nclass Sampler(layers.Layer):\n    pass"],
        [
            code_cell("%%ipytest\ndef test_loss():\n    assert huber_loss(0) == 0", count=2),
            code_cell("def huber_loss(x):\n    return x**2 / 2", count=1),
        ],
    ]
    invalid = [
        Invalid(
            ["def profit_score(y, p):\n    return (y == p).mean()", "profit_score(a, b)"],
            at=[(0, 1, 5)],
        ),
        Invalid(
            ["def compute_loss(y, p):\n    return ((y - p) ** 2).mean()", "assert True"],
            at=[(0, 1, 5)],
        ),
        Invalid(["def gap_score(y, p):\n    return f1(y, p) - recall(y, p)"], at=[(0, 1, 5)]),
        # a hand-written normalisation is logic of its own
        Invalid(
            ["def style_loss(s, c):\n    return K.sum(K.square(s - c)) / (4.0 * size**2)"],
            at=[(0, 1, 5)],
        ),
        Invalid(
            [
                "def masked_loss(y, p, m):\n    d = y - p\n    return tf.reduce_sum(tf.square(d) * m)"
            ],
            at=[(0, 1, 5)],
        ),
        Invalid(
            ["from sklearn.base import TransformerMixin\nclass Clip(TransformerMixin):\n    pass"],
            at=[(0, 2, 7)],
        ),
        Invalid(
            ["import tensorflow as tf\nclass RMSE(tf.keras.metrics.Metric):\n    pass"],
            at=[(0, 2, 7)],
        ),
        Invalid(["from torch import nn\nclass FocalLoss(nn.Module):\n    pass"], at=[(0, 2, 7)]),
        Invalid(["class DiceLoss(keras.losses.Loss):\n    pass", "import keras"], at=[(0, 1, 7)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        candidates = [
            (facts, node, kind)
            for facts in nb.cells
            if facts.tree is not None and not _is_test_cell(facts)
            for node in facts.tree.body
            if (kind := _custom_kind(nb, node)) is not None
        ]
        if not candidates:
            return
        exercised = _exercised(nb)
        for facts, node, kind in candidates:
            assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if node.name in exercised or _mentioned_in_test_cell(nb, node.name):
                continue
            line = node.lineno  # the `def`/`class` line, after any decorators
            lines = facts.cell.source.split("\n")
            column = def_name_column(lines, node, facts.column(line, node.col_offset))
            yield self.finding(
                nb,
                facts.cell,
                f"custom {kind} '{node.name}' is not tested: no `test`-tagged cell or"
                " assert exercises it, so a wrong result would go unnoticed",
                line,
                column,
                line,
                column + len(node.name),
            )


def _words(name: str) -> list[str]:
    return [w for w in _CAMEL.sub("_", name).lower().split("_") if w]


def _custom_kind(nb: AnalyzedNotebook, node: ast.stmt) -> str | None:
    """The kind of custom logic a definition is (metric, loss, transformer, estimator)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        words = _words(node.name)
        if (
            not words
            or words[0] in _NOT_COMPUTING
            or words[-1] in _HOLDERS
            or _STEPS.intersection(words)
        ):
            return None
        if _delegates(node):
            return None
        return next((_KIND_WORDS[w] for w in words if w in _KIND_WORDS), None)
    if not isinstance(node, ast.ClassDef):
        return None
    named = next((_KIND_WORDS[w] for w in _words(node.name) if w in _KIND_WORDS), None)
    for base in node.bases:
        if not isinstance(base, (ast.Name, ast.Attribute)):
            continue
        qualified = nb.qualify(ast.unparse(base))
        if qualified in _SKLEARN:
            return _SKLEARN[qualified]
        if qualified.startswith(_KERAS_ROOTS) or qualified.startswith("torchmetrics."):
            if ".losses." in qualified:
                return "loss"
            if ".metrics." in qualified or qualified == "torchmetrics.Metric":
                return "metric"
        if qualified == "torch.nn.modules.loss._Loss":
            return "loss"
        if qualified in _TORCH_MODULES and named is not None:
            return named
    return None


def _delegates(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`return f(g(y, p))`, `1 - f(y, p)`, `f(y, p) ** 0.5`, `K.sum(K.square(a - b))`, or
    the same spelled over a few assignments: library functions composed, scaled by
    constants and fed one plain difference of two values at most: nothing of its own to
    test."""
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return False
    values: list[ast.expr] = [body[-1].value]
    for stmt in body[:-1]:
        if not isinstance(stmt, ast.Assign) or not all(map(_plain_target, stmt.targets)):
            return False
        values.append(stmt.value)
    if not all(map(_library_expression, values)):
        return False
    return sum(1 for value in values for n in ast.walk(value) if _residual(n)) <= 1


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(isinstance(e, ast.Name) for e in target.elts)
    return isinstance(target, ast.Name)


def _residual(node: ast.AST) -> bool:
    """`y - p`: the difference of two plain values, as every error measure starts."""
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, (ast.Sub, ast.Add))
        and isinstance(node.left, ast.Name)
        and isinstance(node.right, ast.Name)
    )


def _library_expression(node: ast.expr) -> bool:
    if _residual(node):
        return True
    if isinstance(node, ast.BinOp):
        constant = (isinstance(node.left, ast.Constant), isinstance(node.right, ast.Constant))
        if constant == (True, False):
            return _library_expression(node.right)
        if constant == (False, True):
            return _library_expression(node.left)
        return False  # arithmetic between values: the function's own logic
    if isinstance(node, ast.UnaryOp):
        return _library_expression(node.operand)
    if isinstance(node, ast.Call) and _is_dotted(node.func):
        arguments = [*node.args, *(k.value for k in node.keywords)]
        return all(_library_expression(a) for a in arguments)
    return all(
        isinstance(n, _DELEGATING) and (not isinstance(n, ast.Call) or _is_dotted(n.func))
        for n in ast.walk(node)
    )


def _is_dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _is_test_cell(facts: CellFacts) -> bool:
    if _TEST_TAGS.intersection(facts.cell.tags):
        return True
    return any(m.kind == "cell" and m.name in _TEST_CELL_MAGICS for m in facts.magics)


def _mentioned_in_test_cell(nb: AnalyzedNotebook, name: str) -> bool:
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(_is_test_cell(f) and pattern.search(f.cell.source) for f in nb.cells)


def _exercised(nb: AnalyzedNotebook) -> set[str]:
    """Names an assert uses, directly or through variables assigned from them."""
    used: set[str] = set()
    assigned: list[tuple[set[str], set[str]]] = []  # (targets, names read by the value)
    for facts in nb.cells:
        if facts.tree is None:
            continue
        # the whole tree where asserts are (test functions); elsewhere, top-level assignments
        asserting = "assert" in facts.cell.source or "check" in facts.cell.source
        for node in ast.walk(facts.tree) if asserting else facts.tree.body:
            if isinstance(node, ast.Assert):
                used |= _names(node.test)
            elif isinstance(node, ast.Call) and _is_assert_call(node.func):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    used |= _names(arg)
            elif (
                isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                and node.value is not None
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assigned.append((set().union(*(_bound(t) for t in targets)), _names(node.value)))
    changed = True
    while changed:
        changed = False
        for bound, reads in assigned:
            if bound & used and not reads <= used:
                used |= reads
                changed = True
    return used


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id not in ("self", "cls")}


def _bound(target: ast.expr) -> set[str]:
    """Names a target binds (`a`, `a, *b`); `obj.attr = ` and `d[k] = ` bind none."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_bound(e) for e in target.elts))
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return set()


# scikit-learn's estimator checks test an estimator as thoroughly as asserts would.
_CHECKING_CALLS = frozenset({"check_estimator", "parametrize_with_checks"})


def _is_assert_call(func: ast.expr) -> bool:
    name = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id if isinstance(func, ast.Name) else ""
    )
    return name.startswith("assert") or name in _CHECKING_CALLS
