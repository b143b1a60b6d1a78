"""Which cells change the kernel's state: a cell that cannot (a display, an import, a
shell command) may run at any time, or not at all, without changing what other cells see.
"""

from __future__ import annotations

import ast

from nbprod.analysis.cell import CellFacts, dotted_name

# Calls that only show something: a cell made of them cannot change the kernel's state.
_DISPLAY_CALLS = frozenset(
    {"print", "display", "HTML", "Image", "Markdown", "Latex", "Video", "Audio", "SVG",
     "JSON", "IFrame", "plt.show", "pprint", "len", "type", "repr", "str"}
)  # fmt: skip
# Methods that only look at an object (`df.head()`, `model.summary()`) or compute a new
# value from it without changing it (`df.groupby("k").mean()`), unless `inplace=True`.
_LOOKING_METHODS = frozenset(
    {"head", "tail", "describe", "info", "sample", "plot", "hist", "show", "summary",
     "value_counts", "nunique", "unique", "isnull", "isna", "notna", "notnull", "sum", "mean",
     "count", "max", "min", "std", "var", "median", "quantile", "corr", "cov", "to_string",
     "groupby", "agg", "aggregate", "sort_values", "sort_index", "nlargest", "nsmallest",
     "idxmax", "idxmin", "round", "abs", "cumsum", "diff", "pct_change", "query", "filter",
     "pivot_table", "crosstab", "resample", "rolling", "drop_duplicates", "duplicated",
     "dropna", "fillna", "reset_index", "set_index", "drop", "rename", "astype", "isin",
     "between", "select_dtypes", "memory_usage", "any", "all", "keys", "items", "to_frame",
     "transpose", "melt", "pivot", "stack", "unstack", "size", "first", "last", "get"}
)  # fmt: skip
# Libraries whose functions draw (a figure's state is no state other cells read).
PLOTTING_MODULES = ("seaborn", "matplotlib", "plotly")
# Cell magics whose cell runs outside the kernel's Python namespace or only renders.
_STATELESS_CELL_MAGICS = frozenset(
    {"bash", "sh", "script", "system", "writefile", "file", "html", "HTML", "javascript",
     "js", "markdown", "latex", "svg", "sql", "bigquery", "perl", "ruby"}
)  # fmt: skip


def stateless(facts: CellFacts, plotting: frozenset[str] = frozenset()) -> bool:
    """Whether running a cell again, or earlier, leaves the kernel as it was: empty cells,
    shell commands and state-free cell magics (`%%bash`, `%%writefile`, `%%sql` without
    a target), displays (calls of the ``plotting`` module aliases too: `sns.jointplot`),
    and imports (re-importing binds the same modules). Shell and SQL cells may change
    files or tables: this is about the kernel's namespace only."""
    magics_ok = all(
        m.kind in ("shell", "help") or (m.kind == "cell" and m.name in _STATELESS_CELL_MAGICS)
        for m in facts.magics
    )
    if not magics_ok or any(m.target is not None for m in facts.magics):
        return False
    if facts.tree is None:
        return not facts.cell.source.strip() or (not facts.python and bool(facts.magics))
    if any(b.kind != "import" for b in facts.bindings):
        return False
    return _only_shows(facts.tree.body, imports=True, plotting=plotting)


def displays_only(facts: CellFacts) -> bool:
    """Whether a cell only shows things (`df.head()`, `print(x)`): running it or not
    changes nothing, inside the kernel or outside."""
    if facts.tree is None or facts.magics or facts.bindings:
        return False
    return _only_shows(facts.tree.body, imports=False)


def _only_shows(
    body: list[ast.stmt], imports: bool, plotting: frozenset[str] = frozenset()
) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass) or (
            imports and isinstance(stmt, (ast.Import, ast.ImportFrom))
        ):
            continue
        if not isinstance(stmt, ast.Expr):
            return False
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.Call) and not _only_looks(node, plotting):
                return False
            if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
                return False
    return True


def _only_looks(call: ast.Call, plotting: frozenset[str] = frozenset()) -> bool:
    dotted = dotted_name(call.func)
    if dotted in _DISPLAY_CALLS or (dotted is not None and dotted.split(".")[0] in plotting):
        return True
    if any(k.arg == "inplace" and not _is_false(k.value) for k in call.keywords):
        return False
    return isinstance(call.func, ast.Attribute) and call.func.attr in _LOOKING_METHODS


def _is_false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, None)


def mutated_names(facts: CellFacts) -> frozenset[str]:
    """Names whose objects a cell may change without rebinding them: `df["c"] = ...`,
    `model.trainable = False`, `df.dropna(inplace=True)`, `rows.pop()`."""
    if facts.tree is None:
        return frozenset()
    changed: list[ast.expr] = []  # the changed objects: a receiver, or a partial target
    for node in ast.walk(facts.tree):
        if isinstance(node, ast.Assign):
            changed.extend(t for t in node.targets if not isinstance(t, ast.Name))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            if not isinstance(node.target, ast.Name):
                changed.append(node.target)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and not _only_looks(node)
        ):
            changed.append(node.func.value)
    found: set[str] = set()
    for base in changed:
        while isinstance(base, (ast.Subscript, ast.Attribute, ast.Call, ast.Starred)):
            base = base.func if isinstance(base, ast.Call) else base.value
        if isinstance(base, ast.Name):
            found.add(base.id)
    return frozenset(found)
