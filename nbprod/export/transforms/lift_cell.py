"""Wrap a cell's top-level statements in a function of its free variables."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.scope import CellScope
from nbprod.export.transforms.base import CellTransform


class LiftCellToFunction(CellTransform):
    """Turn top-level notebook code into ``def name(<free variables>): ... return <names>``.

    Parameters are the names the cell reads before binding them (libcst scopes),
    minus ``exclude`` (imports, package-level names, configuration): the values an
    earlier cell provided through the kernel's globals now arrive as arguments, and
    the names later cells read leave as return values instead of globals. A final
    bare name (``df``), which only displayed a value, is dropped.
    """

    DESCRIPTION = "Lift a notebook cell into a function."

    def __init__(
        self,
        context: CodemodContext,
        name: str,
        returns: Sequence[str] = (),
        exclude: Collection[str] = (),
        docstring: str | None = None,
        params: Sequence[str] | None = None,
        result: bool = False,
        defaults: Mapping[str, str] | None = None,
    ) -> None:
        """``params``: the parameters, when the caller knows them (spares a scope pass);
        ``result``: without ``returns``, return the value of a trailing expression;
        ``defaults``: source of default values, for parameters that come last."""
        super().__init__(context)
        self.name = name
        self.returns = list(returns)
        self.exclude = frozenset(exclude)
        self.docstring = docstring
        self.params = None if params is None else list(params)
        self.result = result
        self.defaults = dict(defaults or {})

    def visit_Module(self, node: cst.Module) -> bool:
        if self.params is None:
            wrapper = self.context.wrapper
            assert wrapper is not None and wrapper.module is node
            self.params = CellScope(node, wrapper).free_names(self.exclude)
        return False

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = list(updated_node.body)
        if body and _displays_only(body[-1]):
            body.pop()  # a trailing bare name only showed its value in the notebook
        if body:
            comments = [line for line in updated_node.header if line.comment is not None]
            first = body[0]
            assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
            leading = [*comments, *first.leading_lines]
            while leading and leading[0].comment is None:
                leading.pop(0)
            body[0] = body[0].with_changes(leading_lines=leading)
        if self.docstring:
            body.insert(0, _docstring(self.docstring))
        if self.returns:
            body.append(_return(self.returns))
        elif self.result and body and _result(body[-1]) is not None:
            body[-1] = body[-1].with_changes(body=[cst.Return(_result(body[-1]))])
        if not body:
            body.append(cst.SimpleStatementLine([cst.Pass()]))
        function = cst.FunctionDef(
            name=cst.Name(self.name),
            params=cst.Parameters([self._param(p) for p in self.params or ()]),
            body=cst.IndentedBlock(body),
        )
        return updated_node.with_changes(body=[function], header=[])

    def _param(self, name: str) -> cst.Param:
        default = self.defaults.get(name)
        if default is None:
            return cst.Param(cst.Name(name))
        return cst.Param(cst.Name(name), default=cst.parse_expression(default))


def _displays_only(stmt: cst.BaseStatement) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    return isinstance(small, cst.Expr) and isinstance(small.value, (cst.Name, cst.Attribute))


# Calls that show, log, write or change something in place rather than compute a value.
_NO_RESULT = frozenset(
    {
        "print", "display", "show", "imshow", "plot", "savefig", "title", "legend", "append",
        "extend", "insert", "remove", "sort", "reverse", "update", "clear", "add", "discard",
        "shuffle", "seed", "manual_seed", "set_seed", "zero_grad", "backward", "to_csv",
        "to_parquet", "to_json", "save", "save_weights", "write", "mkdir", "makedirs",
    }
)  # fmt: skip


def _result(stmt: cst.BaseStatement) -> cst.BaseExpression | None:
    """The value of a trailing expression statement that computes something."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Expr) or isinstance(small.value, cst.Ellipsis):
        return None
    value = small.value
    if isinstance(value, cst.Call):
        func = value.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        root = func
        while isinstance(root, (cst.Attribute, cst.Call)):
            root = root.value if isinstance(root, cst.Attribute) else root.func
        if name in _NO_RESULT or (isinstance(root, cst.Name) and root.value in ("plt", "sns")):
            return None
        if any(a.keyword is not None and a.keyword.value == "inplace" for a in value.args):
            return None
    return value


def _docstring(text: str) -> cst.SimpleStatementLine:
    clean = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    return cst.SimpleStatementLine([cst.Expr(cst.SimpleString(f'"""{clean}"""'))])


def _return(names: Sequence[str]) -> cst.SimpleStatementLine:
    value: cst.BaseExpression
    if len(names) == 1:
        value = cst.Name(names[0])
    else:
        value = cst.Tuple([cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[])
    return cst.SimpleStatementLine([cst.Return(value)])
