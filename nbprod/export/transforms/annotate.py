"""Add parameter and return annotations to one function, where it has none."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.transforms.base import CellTransform


class Annotate(CellTransform):
    """Annotate ``function``'s parameters and return value from the given types.

    The planner infers the types (literal defaults, recorded outputs, annotated
    producers, ``Any`` when unknown); this only writes them, never replacing an
    annotation the user wrote.
    """

    DESCRIPTION = "Add type annotations to a generated function."

    def __init__(
        self,
        context: CodemodContext,
        function: str,
        params: Mapping[str, str] | None = None,
        returns: str | None = None,
    ) -> None:
        super().__init__(context)
        self.function = function
        self.params = dict(params or {})
        self.returns = returns

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated_node.name.value != self.function:
            return updated_node
        params = updated_node.params.with_changes(
            params=[self._param(p) for p in updated_node.params.params],
            kwonly_params=[self._param(p) for p in updated_node.params.kwonly_params],
            posonly_params=[self._param(p) for p in updated_node.params.posonly_params],
        )
        returns = updated_node.returns
        if returns is None and self.returns is not None:
            returns = cst.Annotation(cst.parse_expression(self.returns))
        return updated_node.with_changes(params=params, returns=returns)

    def _param(self, param: cst.Param) -> cst.Param:
        wanted = self.params.get(param.name.value)
        if param.annotation is not None or wanted is None:
            return param
        return param.with_changes(annotation=cst.Annotation(cst.parse_expression(wanted)))
