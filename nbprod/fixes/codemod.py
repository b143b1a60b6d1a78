"""The base of the fixes' libcst codemods: change the node at a finding's position."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, SkipFile
from libcst.metadata import CodeRange, PositionProvider


class PositionedCodemod(Codemod, cst.CSTTransformer):
    """A codemod that is its own plain transformer, targeting the node that starts at
    ``line``:``column`` (1-based, as findings count); it sets ``done`` once it changed it.

    Not libcst's ``VisitorBasedCodemodCommand``: its matcher support inspects the ~1,000
    attributes of the class on every instance and every node, tens of milliseconds per
    fix, which made attaching fixes cost half as much as checking.
    """

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, line: int, column: int) -> None:
        Codemod.__init__(self, context)
        self.line = line
        self.column = column
        self.done = False

    def at(self, *nodes: cst.CSTNode | None) -> bool:
        """Whether one of ``nodes`` starts at the target position."""
        for node in nodes:
            if node is None:
                continue
            where = self.get_metadata(PositionProvider, node, None)
            if isinstance(where, CodeRange) and (
                where.start.line,
                where.start.column + 1,
            ) == (self.line, self.column):
                return True
        return False

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        result = tree.visit(self)
        if not self.done:
            raise SkipFile("nothing to change at the finding's position")
        return result
