"""A code cell as a libcst module: directives blanked, IPython syntax masked.

Masking keeps every line where it was, so a libcst position is the user's line in
the cell and every refusal can name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from nbprod.export.model import ExportRefused
from nbprod.export.select import strip_directives
from nbprod.notebook.ipython import Magic, mask
from nbprod.notebook.model import Cell


@dataclass(slots=True)
class ParsedCell:
    cell: Cell
    module: cst.Module
    magics: list[Magic] = field(default_factory=list)


def parse_cell(cell: Cell) -> ParsedCell:
    """Parse ``cell``; raises :class:`ExportRefused` for what is not Python."""
    text = strip_directives(cell.source)
    try:
        return ParsedCell(cell, cst.parse_module(text))
    except cst.ParserSyntaxError as raw_error:
        masked = mask(text)
        if not masked.python:
            first = masked.magics[0] if masked.magics else None
            name = f"%%{first.name} " if first is not None else ""
            raise ExportRefused(
                f"{name}cell is not Python", first.line if first else None
            ) from None
        if masked.text == text:
            raise ExportRefused(f"syntax error: {raw_error.message}", raw_error.raw_line) from None
        try:
            return ParsedCell(cell, cst.parse_module(masked.text), list(masked.magics))
        except cst.ParserSyntaxError as error:
            raise ExportRefused(f"syntax error: {error.message}", error.raw_line) from None


def try_parse_cell(cell: Cell) -> ParsedCell | None:
    """Like :func:`parse_cell` for cells that are only read, never exported."""
    try:
        return parse_cell(cell)
    except ExportRefused:
        return None
