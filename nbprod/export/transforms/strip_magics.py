"""Replace the placeholders masking left for IPython magics by Python, or drop them."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider


class StripMagics(VisitorBasedCodemodCommand):
    """Drop (``None``) or replace (Python source) the statement on each given line.

    Masking turned ``%matplotlib inline`` into ``pass`` and ``files = !ls`` into
    ``files = None`` on the same line; the exporter's magic policy decides what
    each becomes, and this applies it, so a magic is never copied raw.
    """

    DESCRIPTION = "Rewrite or drop masked IPython magics."
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, actions: Mapping[int, str | None]) -> None:
        super().__init__(context)
        self.actions = dict(actions)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        line = self.get_metadata(PositionProvider, original_node).start.line
        if line not in self.actions:
            return updated_node
        replacement = self.actions[line]
        if replacement is None:
            return cst.RemoveFromParent()
        statement = cst.parse_statement(replacement)
        assert isinstance(statement, cst.SimpleStatementLine)
        return updated_node.with_changes(body=statement.body)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body:
            return updated_node
        # Every magic in the block was dropped; a block cannot be empty.
        return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
