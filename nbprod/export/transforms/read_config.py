"""Read notebook parameters from a ``Config`` instead of globals."""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import PositionProvider, ScopeProvider

from nbprod.export.scope import CellScope
from nbprod.export.transforms.base import CellTransform


class ReadConfig(CellTransform):
    """Rewrite free reads of parameter names in ``function`` to ``config.NAME``.

    A lifted function gets a ``config: Config = Config()`` parameter, so a caller can
    run it with other settings (as papermill would) while the defaults reproduce the
    notebook. A test function (``local=True``) builds the default ``Config()`` first.
    """

    DESCRIPTION = "Take notebook parameters from the config dataclass."
    METADATA_DEPENDENCIES = (ScopeProvider, PositionProvider)

    def __init__(
        self,
        context: CodemodContext,
        names: Collection[str],
        function: str,
        local: bool = False,
        var: str = "config",
    ) -> None:
        super().__init__(context)
        self.names = frozenset(names)
        self.function = function
        self.local = local
        self.var = var
        self.targets: set[cst.Name] = set()

    def visit_Module(self, node: cst.Module) -> bool:
        wrapper = self.context.wrapper
        assert wrapper is not None and wrapper.module is node
        scope = CellScope(node, wrapper)
        self.targets = {u.node for u in scope.uses if u.free and u.name in self.names}
        return bool(self.targets)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if original_node in self.targets:
            return cst.Attribute(value=cst.Name(self.var), attr=cst.Name(original_node.value))
        return updated_node

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated_node.name.value != self.function or not self.targets:
            return updated_node
        if self.local:
            make = cst.parse_statement(f"{self.var} = Config()")
            body: list[cst.BaseStatement] = [
                s for s in updated_node.body.body if isinstance(s, cst.BaseStatement)
            ]
            at = 1 if body and _is_docstring(body[0]) else 0
            body.insert(at, make)
            return updated_node.with_changes(body=updated_node.body.with_changes(body=body))
        param = cst.Param(
            cst.Name(self.var),
            annotation=cst.Annotation(cst.Name("Config")),
            default=cst.Call(cst.Name("Config")),
        )
        params = updated_node.params
        if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params:
            params = params.with_changes(kwonly_params=[*params.kwonly_params, param])
        else:
            params = params.with_changes(params=[*params.params, param])
        return updated_node.with_changes(params=params)


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
