"""Drop what a notebook cell only showed: ``df.head()``, ``x.mean()``, ``df.shape``.

In a notebook a bare expression displays its value; in a function it computes a value
and throws it away. Accessors and summaries of that kind have no effect, so a top-level
statement that is only one of them is removed. ``plt.show()`` goes too unless the
function is a plot function (whose caller expects the figure to be shown). ``print``
and anything else that may act is kept.
"""

from __future__ import annotations

import re

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.transforms.base import CellTransform

# Methods that only read and summarise their object (pandas, NumPy, Keras, torch).
DISPLAY_METHODS = frozenset(
    {
        "head", "tail", "describe", "info", "sample", "summary", "mean", "median", "sum",
        "std", "var", "min", "max", "count", "value_counts", "unique", "nunique", "isnull",
        "isna", "notnull", "corr", "nlargest", "nsmallest", "keys", "values", "items",
        "size", "dim", "numel", "get_config", "get_weights", "state_dict", "parameters",
    }
)  # fmt: skip
_DISPLAY_FUNCTIONS = frozenset({"len", "type", "repr", "str", "id", "dir", "vars"})
# Code that draws a figure (then ``plt.show()`` shows it).
PLOTTING = re.compile(r"\b(plt|sns)\.(?!show\()|\.plot\(|\bimshow\(")


class DropDisplays(CellTransform):
    DESCRIPTION = "Drop display-only statements from lifted cell code."

    def __init__(self, context: CodemodContext, plot: bool = False) -> None:
        """``plot``: the code becomes a plot function, which keeps ``plt.show()``."""
        super().__init__(context)
        self.plot = plot

    def visit_Module(self, node: cst.Module) -> bool:
        return False

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = [s for s in updated_node.body if not displays_only(s, self.plot)]
        return updated_node.with_changes(body=body)


def displays_only(stmt: cst.BaseStatement, plot: bool) -> bool:
    """Whether a top-level statement only displays a value (``plot``: keep ``plt.show()``)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    if not isinstance(small, cst.Expr):
        return False
    value = small.value
    if isinstance(value, (cst.Name, cst.Attribute, cst.Subscript)):
        return True
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Name):
        return func.value in _DISPLAY_FUNCTIONS
    if not isinstance(func, cst.Attribute):
        return False
    method = func.attr.value
    if method == "show" and isinstance(func.value, cst.Name) and func.value.value == "plt":
        return not plot
    if any(a.keyword is not None and a.keyword.value == "inplace" for a in value.args):
        return False
    return method in DISPLAY_METHODS
