"""The base of the fixes' libcst codemods (change the node at a finding's position),
and running one on a cell as edits. Imported only by the fixes that need libcst."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, SkipFile
from libcst.metadata import CodeRange, PositionProvider

from nbprod.export import libcst_speedup
from nbprod.fixes.model import Edit
from nbprod.fixes.text import line_edits
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Cell

libcst_speedup.install()  # metadata resolution, without re-inspecting visitor classes


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


def codemod_edits(cell: Cell, command: Codemod) -> tuple[Edit, ...] | None:
    """Run a libcst codemod on a cell; its changes as edits, or None when it changes
    nothing, skips, or would touch a line holding IPython syntax (kept byte for byte)."""
    masked = mask(cell.source)
    if not masked.python:
        return None
    try:
        module = cst.parse_module(masked.text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    try:
        new = command.transform_module(module).code
    except SkipFile:
        return None
    if new == masked.text:
        return None
    original_lines = cell.source.split("\n")
    masked_lines = masked.text.split("\n")
    edits = line_edits(cell, masked.text, new)
    for edit in edits:
        assert edit.start is not None and edit.end is not None
        for number in range(edit.start[0], edit.end[0] + 1):
            if original_lines[number - 1] != masked_lines[number - 1]:
                return None
    return edits
