"""The base of the fixes' libcst codemods (change the node at a finding's position),
and running one on a cell as edits. Imported only by the fixes that need libcst.

The codemods keep libcst's ``Codemod`` interface (a context first, ``transform_module``),
so libcst's ``CodemodTest`` tests them, without deriving from it: importing
``libcst.codemod`` imports ``libcst.matchers``, 0.27 s per worker process on top of
libcst's own 0.16 s, for code the fixes do not use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from nbprod.export import libcst_speedup
from nbprod.fixes.model import Edit
from nbprod.fixes.text import source_edits
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Cell

if TYPE_CHECKING:
    from libcst.codemod import CodemodContext

libcst_speedup.install()  # metadata resolution, without re-inspecting visitor classes


class Skip(Exception):
    """Raised by a codemod that finds nothing it may change: the source stays as it is."""


class PositionedCodemod(cst.CSTTransformer):
    """A codemod that is its own plain transformer, targeting the node that starts at
    ``line``:``column`` (1-based, as findings count); it sets ``done`` once it changed it.

    Not libcst's ``VisitorBasedCodemodCommand``: its matcher support inspects the ~1,000
    attributes of the class on every instance and every node, tens of milliseconds per
    fix, which made attaching fixes cost half as much as checking.
    """

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext | None, line: int, column: int) -> None:
        super().__init__()
        self.context = context
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

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """``tree`` changed at the target position; ``tree`` itself when nothing changes."""
        try:
            result = MetadataWrapper(tree, unsafe_skip_copy=True).visit(self)
        except Skip:
            return tree
        return result if self.done else tree


def codemod_edits(cell: Cell, command: PositionedCodemod) -> tuple[Edit, ...] | None:
    """Run a libcst codemod on a cell; its changes as edits, or None when it changes
    nothing, skips, or would touch a line holding IPython syntax (kept byte for byte)."""
    masked = mask(cell.source)
    if not masked.python:
        return None
    try:
        module = cst.parse_module(masked.text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    return source_edits(cell, masked.text, command.transform_module(module).code)
