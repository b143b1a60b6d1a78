from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.cell import CallRef
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
_WARNING_FILTERS = frozenset({"warnings.filterwarnings", "warnings.simplefilter"})
# Keyword arguments that narrow a warnings filter; `category=Warning` narrows nothing.
_NARROWING = frozenset({"message", "category", "module", "lineno"})
_PRINTS = frozenset(
    {"print", "pprint", "pprint.pprint", "display", "traceback.print_exc",
     "traceback.print_exception", "sys.stderr.write", "sys.stdout.write"}
)  # fmt: skip
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)


class SilentFailure(Rule):
    """## What it does
    Flags an `except:`, `except Exception:` or `except BaseException:` handler whose body
    only passes, continues, returns a placeholder (`return None`, `return default`,
    `return np.nan`, `return []`), or prints or logs the error without re-raising it, and
    `warnings.filterwarnings("ignore")` / `warnings.simplefilter("ignore")` with no
    category, message or module to narrow it. Handlers of specific exceptions
    (`except KeyError: pass`), try blocks that only import (optional dependencies) or only
    release a resource or switch on a version-dependent option (`sess.close()`,
    `tf.enable_eager_execution()`), handlers whose message names the expected state they
    met ("already exists", "not running in Colab, download it manually"), and filters
    inside `with warnings.catch_warnings():` are not reported.

    Deliberately not caught: a handler that computes a fallback (`return parse_slow(s)`,
    `x = default_config()`), since whether the fallback is right is not visible; a
    handler that only assigns a placeholder (`value = None`), which later code often
    checks; a predicate's `return False` (`def is_number(s)`: the exception is the answer); `except Exception as e: errors.append(e)` (the error is collected); handlers
    of specific exceptions, whatever they do; and `contextlib.suppress(Exception)`.

    ## Why is this bad?
    The cell "works" while the step silently did not happen: a column was not parsed, a
    file was not written, a deprecation will break the next upgrade. Everything after it
    runs on wrong data and nothing says so. Rules of ML #10: watch for silent failures.

    ## Example
        try:
            df["signup_date"] = pd.to_datetime(df["signup_date"])
        except:
            pass
        warnings.filterwarnings("ignore")

    ## Use instead
    Catch the one exception you expect and handle it, or let it raise; silence only the
    warning you have read and understood.
        try:
            df["signup_date"] = pd.to_datetime(df["signup_date"], format="%Y-%m-%d")
        except KeyError:
            df["signup_date"] = pd.NaT
        warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")
    """

    code = "NBP401"
    name = "silent-failure"
    area = ChecklistArea.CODE_HEALTH
    severity = Severity.WARNING
    checklist_item = "Rules of ML #10: watch for silent failures"

    valid = [
        ["try:\n    import lightgbm\nexcept ImportError:\n    pass"],
        ["try:\n    x = d['k']\nexcept KeyError:\n    x = None"],
        ["try:\n    run()\nexcept Exception as e:\n    print(e)\n    raise"],
        # the handler does real work: a fallback, not a silent failure
        ["try:\n    ws = get()\nexcept:\n    print('creating')\n    ws = create()"],
        ["try:\n    from google.colab import drive\nexcept:\n    pass"],  # optional dependency
        ["try:\n    %load_ext autoreload\nexcept:\n    pass"],
        # the handler tells the user which expected state it met
        ["try:\n    bq.create_dataset(d)\nexcept:\n    print('Dataset already exists.')"],
        [
            "try:\n    from google.colab import files\n    files.download('app.zip')\n"
            "except:\n    print('Not running in Google Colab: download app.zip manually.')"
        ],
        # cleanup and compatibility calls: their failure leaves nothing wrong behind
        ["try:\n    sess.close()\nexcept:\n    pass"],
        ["try:\n    tf.enable_eager_execution()\nexcept Exception:\n    pass"],
        ["try:\n    del model\n    torch.cuda.empty_cache()\nexcept:\n    pass"],
        # a specific exception returning a default is a decision, not a hidden failure
        [
            "def to_int(s):\n    try:\n        return int(s)\n    except ValueError:\n        return None"
        ],
        # a predicate: the exception is the answer
        [
            "def is_number(s):\n    try:\n        float(s)\n        return True\n    except:\n        return False"
        ],
        # a fallback computed in the handler
        [
            "def load(p):\n    try:\n        return pd.read_parquet(p)\n    except Exception:\n        return pd.read_csv(p)"
        ],
        ["import warnings\nwarnings.filterwarnings('ignore', category=FutureWarning)"],
        ["import warnings\nwarnings.simplefilter('ignore', DeprecationWarning)"],
        ["import warnings\nwarnings.filterwarnings('ignore', module='sklearn')"],
        ["import warnings\nwarnings.filterwarnings('ignore', 'divide by zero')"],
        ["import warnings\nwarnings.simplefilter('error')"],
        [
            "import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n    f()"
        ],
    ]
    invalid = [
        Invalid(["try:\n    f()\nexcept:\n    pass"], at=[(0, 3, 1)]),
        Invalid(
            ["for p in paths:\n    try:\n        load(p)\n    except Exception:\n        continue"],
            at=[(0, 4, 5)],
        ),
        Invalid(["try:\n    f()\nexcept Exception as e:\n    print(e)"], at=[(0, 3, 1)]),
        Invalid(
            ["try:\n    f()\nexcept (ValueError, Exception):\n    logger.warning('failed')"],
            at=[(0, 3, 1)],
        ),
        Invalid(
            ["def g():\n    try:\n        f()\n    except BaseException:\n        ..."],
            at=[(0, 4, 5)],
        ),
        Invalid(["try:\n    new = f(p)\n    !mv $p $new\nexcept:\n    pass"], at=[(0, 4, 1)]),
        # returning a placeholder hides the error just like `pass`
        Invalid(
            [
                "def load(p):\n    try:\n        return pd.read_csv(p)\n    except:\n        return None"
            ],
            at=[(0, 4, 5)],
        ),
        Invalid(
            [
                "def parse(s, default=0):\n    try:\n        return float(s)\n"
                "    except Exception as e:\n        log.warning(e)\n        return default"
            ],
            at=[(0, 4, 5)],
        ),
        Invalid(
            [
                "def score(x):\n    try:\n        return model(x)\n    except:\n        return np.nan"
            ],
            at=[(0, 4, 5)],
        ),
        Invalid(
            [
                "frames = []\nfor p in paths:\n    try:\n        frames.append(pd.read_csv(p))\n"
                "    except:\n        continue"
            ],
            at=[(0, 5, 5)],
        ),
        Invalid(["import warnings\nwarnings.filterwarnings('ignore')"], at=[(0, 2, 1)]),
        Invalid(
            ["from warnings import simplefilter\nsimplefilter(action='ignore')"], at=[(0, 2, 1)]
        ),
        Invalid(
            ["import warnings\nwarnings.simplefilter('ignore', category=Warning)"], at=[(0, 2, 1)]
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for facts in nb.cells:
            if facts.tree is None:
                continue
            if "except" in facts.cell.source:
                yield from self._handlers(nb, facts, facts.tree)
            filters = [
                c
                for c in facts.calls
                if c.dotted
                and c.dotted.endswith(("filterwarnings", "simplefilter"))
                and nb.qualify(c.dotted) in _WARNING_FILTERS
            ]
            if filters:
                yield from self._filters(nb, facts, facts.tree, filters)

    def _handlers(
        self, nb: AnalyzedNotebook, facts: CellFacts, tree: ast.Module
    ) -> Iterator[Finding]:
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Try, ast.TryStar)):
                continue
            if _guards_imports(node.body) or _best_effort(node.body):
                continue
            for handler in node.handlers:
                if not _is_broad(handler.type):
                    continue
                action = _silent_action(handler.body)
                if action is None:
                    continue
                caught = (
                    "except:" if handler.type is None else f"except {ast.unparse(handler.type)}"
                )
                line = handler.lineno
                column = facts.column(line, handler.col_offset) + 1
                yield self.finding(
                    nb,
                    facts.cell,
                    f"`{caught}` {action}: any error here, not only the expected one, is hidden"
                    " and the notebook goes on as if this step worked; catch the specific"
                    " exception or re-raise",
                    line,
                    column,
                )

    def _filters(
        self, nb: AnalyzedNotebook, facts: CellFacts, tree: ast.Module, filters: list[CallRef]
    ) -> Iterator[Finding]:
        scoped = _catch_warnings_lines(nb, facts, tree)
        for call in filters:
            node = call.node
            if _action(node) != "ignore" or node.lineno in scoped:
                continue
            simple = nb.qualify(call.dotted or "").endswith("simplefilter")
            if _narrowed(node, simple):
                continue
            yield self.at_node(
                nb,
                facts,
                node,
                "ignores every warning, including the ones announcing wrong results or a"
                " breaking upgrade; pass a `category=` (and `module=`) to silence only those"
                " you have read",
            )


def _is_broad(kind: ast.expr | None) -> bool:
    if kind is None:
        return True
    if isinstance(kind, ast.Tuple):
        return any(_is_broad(e) for e in kind.elts)
    return isinstance(kind, (ast.Name, ast.Attribute)) and ast.unparse(kind) in _BROAD


def _guards_imports(body: list[ast.stmt]) -> bool:
    """A try block of only imports (or masked magics) guards an optional dependency."""
    return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) for s in body)


# Calls whose failure leaves nothing wrong behind: releasing a resource that may already
# be gone, or switching on an option an older or newer library version lacks.
_BEST_EFFORT = frozenset(
    {"close", "shutdown", "stop", "disconnect", "terminate", "kill", "cleanup", "clear",
     "remove", "unlink", "rmtree", "reset_default_graph", "clear_session", "empty_cache",
     "enable_eager_execution", "set_memory_growth", "set_visible_devices", "set_start_method",
     "use", "set_style", "set_theme"}
)  # fmt: skip


def _best_effort(body: list[ast.stmt]) -> bool:
    """A try block of only cleanup or compatibility calls (``sess.close()``) and ``del``."""
    for stmt in body:
        if isinstance(stmt, ast.Delete):
            continue
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return False
        func = stmt.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _BEST_EFFORT:
            return False
    return True


def _silent_action(body: list[ast.stmt]) -> str | None:
    """How a handler body hides the error ("only passes", ...), or None if it does more."""
    kinds: set[str] = set()
    returned: str | None = None
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.Return) and i == len(body) - 1:
            returned = _placeholder(stmt.value)
            if returned is None:
                return None  # returns something computed: a fallback
        elif isinstance(stmt, ast.Pass):
            kinds.add("pass")
        elif isinstance(stmt, ast.Continue):
            kinds.add("continue")
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            kinds.add("pass")  # `...` or a string
        elif (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _reports(stmt.value)
        ):
            kinds.add("print")
        else:
            return None
    if "print" in kinds:
        if _explains_expected_condition(body):
            return None
        return f"only prints or logs and returns {returned}" if returned else "only prints or logs"
    if returned is not None:
        return f"only returns {returned}"
    return "only continues" if "continue" in kinds else "only passes"


def _placeholder(value: ast.expr | None) -> str | None:
    """What a `return` in a handler hands back when it is a stand-in for the result the
    try block did not compute: None, a constant, an empty container, a name (a default
    passed in, `np.nan`). None when the handler computes a fallback value."""
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return "None"
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        return None  # `except: return False` answers a question (`is_number`)
    if isinstance(value, ast.Constant) or (
        isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant)
    ):
        return f"`{ast.unparse(value)}`"
    if isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.Set)) and not (
        value.keys if isinstance(value, ast.Dict) else value.elts
    ):
        return f"`{ast.unparse(value)}`"
    if isinstance(value, ast.Name) or (
        isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
    ):
        return f"a default (`{ast.unparse(value)}`)"
    return None


# What a handler's message says when the failure is an expected state, told to the user:
# "Dataset already exists.", "Not running in Google Colab, ... download it manually".
_EXPECTED_CONDITION = re.compile(
    r"already (exists?|there|been|moved|created|registered)|\bnot (running|installed|available"
    r"|registered|accessible|found|in colab)\b|does(n't| not) exist|\bmanually\b|\bskipp?",
    re.I,
)


def _explains_expected_condition(body: list[ast.stmt]) -> bool:
    """A handler that prints a message of its own naming the expected state (not the
    exception): the failure is anticipated and the user is told what it means."""
    texts = [
        text.value
        for stmt in body
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
        for arg in stmt.value.args
        for text in ast.walk(arg)
        if isinstance(text, ast.Constant) and isinstance(text.value, str)
    ]
    return any(_EXPECTED_CONDITION.search(t) for t in texts)


def _reports(call: ast.Call) -> bool:
    """A print or logging call."""
    func = call.func
    if ast.unparse(func) in _PRINTS:
        return True
    if isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
        receiver = ast.unparse(func.value).lower()
        return receiver == "logging" or "log" in receiver.rsplit(".", 1)[-1]
    return False


def _action(call: ast.Call) -> str | None:
    value: ast.expr | None = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "action":
            value = keyword.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None


def _narrowed(call: ast.Call, simple: bool) -> bool:
    """Whether a filter names a category, message, module or line (not ``Warning`` itself)."""
    # filterwarnings(action, message, category, module, lineno); simplefilter(action, category, lineno)
    fields = (
        ("action", "category", "lineno")
        if simple
        else ("action", "message", "category", "module", "lineno")
    )
    given = dict(zip(fields, call.args))
    given.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
    for field in _NARROWING:
        value = given.get(field)
        if value is None:
            continue
        if isinstance(value, ast.Constant) and value.value in ("", 0, None):
            continue
        if field == "category" and isinstance(value, (ast.Name, ast.Attribute)):
            if ast.unparse(value) in ("Warning", "builtins.Warning"):
                continue
        return True
    return False


def _catch_warnings_lines(nb: AnalyzedNotebook, facts: CellFacts, tree: ast.Module) -> set[int]:
    """Lines inside ``with warnings.catch_warnings():`` blocks, where filters are scoped."""
    if not any(c.dotted and nb.qualify(c.dotted) == "warnings.catch_warnings" for c in facts.calls):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            isinstance(item.context_expr, ast.Call)
            and nb.qualify(ast.unparse(item.context_expr.func)) == "warnings.catch_warnings"
            for item in node.items
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines
