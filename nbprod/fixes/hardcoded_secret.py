"""NBP404 hardcoded-secret (unsafe): read the secret from an environment variable.

The literal becomes ``os.environ["NAME"]``, NAME from the variable, keyword, key or
parameter it was given to, and ``import os`` is added when no cell above imports it.
Unsafe: the variable must be set before the notebook runs, and the old secret stays in
the notebook's history, so it must be revoked. Secrets with no name to give them (a
positional argument, an output) get no fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from nbprod.findings import Finding
from nbprod.fixes.codemod import PositionedCodemod, codemod_edits
from nbprod.fixes.model import Fix
from nbprod.fixes.parameters import imports_module
from nbprod.notebook.model import Notebook

if TYPE_CHECKING:
    from libcst.codemod import CodemodContext

_STRINGS = (cst.SimpleString, cst.ConcatenatedString)


class SecretFromEnvironment(PositionedCodemod):
    """Replace the secret literal named at ``line``:``column`` (the literal, or the
    name it is given to) with ``os.environ[...]``; ``variable`` is the NAME chosen."""

    def __init__(
        self, context: CodemodContext | None, line: int, column: int, add_import: bool = True
    ) -> None:
        super().__init__(context, line, column)
        self.add_import = add_import
        self.variable: str | None = None

    def _replace(self, name: str | None, value: cst.BaseExpression) -> cst.BaseExpression:
        if self.done or name is None or not isinstance(value, _STRINGS):
            return value
        self.variable = re.sub(r"\W+", "_", name).strip("_").upper() or None
        if self.variable is None:
            return value
        self.done = True
        return cst.parse_expression(f'os.environ["{self.variable}"]')

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        target = original_node.targets[0].target
        if len(original_node.targets) == 1 and self.at(target, original_node.value):
            return updated_node.with_changes(value=self._replace(_name(target), updated_node.value))
        return updated_node

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.AnnAssign:
        if updated_node.value is not None and self.at(original_node.target, original_node.value):
            value = self._replace(_name(original_node.target), updated_node.value)
            return updated_node.with_changes(value=value)
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if original_node.keyword is not None and self.at(
            original_node.keyword, original_node.value
        ):
            value = self._replace(original_node.keyword.value, updated_node.value)
            return updated_node.with_changes(value=value)
        return updated_node

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement:
        key = original_node.key
        if isinstance(key, cst.SimpleString) and self.at(key, original_node.value):
            name = key.evaluated_value
            value = self._replace(name if isinstance(name, str) else None, updated_node.value)
            return updated_node.with_changes(value=value)
        return updated_node

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        default = updated_node.default
        if default is not None and self.at(original_node.name, original_node.default):
            return updated_node.with_changes(
                default=self._replace(original_node.name.value, default)
            )
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.done or not self.add_import:
            return updated_node
        statement = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("os"))])])
        return updated_node.with_changes(body=[statement, *updated_node.body])


def _name(target: cst.BaseExpression) -> str | None:
    """The variable's name: ``token`` of ``token = ...`` or ``client.token = ...``."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return None  # os.environ["X"] = "...": the value is the secret, with no better home


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    imported = any(imports_module(c.source, "os") for c in nb.code_cells if c.index <= cell.index)
    command = SecretFromEnvironment(None, finding.line, finding.column, not imported)
    edits = codemod_edits(cell, command)
    if edits is None or command.variable is None:
        return None
    return Fix(
        f"read it from the environment variable {command.variable}; revoke the old secret,"
        " the notebook's history keeps it",
        "unsafe",
        edits,
        isolation=() if imported else ("import os",),
    )
