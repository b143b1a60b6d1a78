"""A code cell as a libcst module: directives blanked, IPython syntax masked.

Masking keeps every line where it was, so a libcst position is the user's line in
the cell and every refusal can name it.

libcst's parser and visitors recurse: code nested a few hundred levels deep makes them
raise RecursionError, use gigabytes, or overflow the C stack and kill the process. So
the stdlib parser sees every cell first, and libcst only gets code that parsed there
and is at most :data:`MAX_DEPTH` levels deep and within the size limits of the check
(:func:`nbprod.analysis.cell.over_limits`).
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

import libcst as cst

from nbprod.analysis.cell import over_limits, tree_depth
from nbprod.export.model import ExportRefused
from nbprod.export.select import strip_directives
from nbprod.notebook.ipython import Magic, mask
from nbprod.notebook.model import Cell


@dataclass(slots=True)
class ParsedCell:
    cell: Cell
    module: cst.Module
    magics: list[Magic] = field(default_factory=list)


# Real code is rarely nested 20 levels deep; libcst fails somewhere past 130.
MAX_DEPTH = 100


def check_parsable(text: str) -> None:
    """Refuse, with the stdlib parser's reason, what libcst must not be given."""
    size = over_limits(text)
    if size is not None:
        raise ExportRefused(
            f"cell too large to export {size}: split it into functions in several cells"
        )
    if "\x00" in text:
        raise ExportRefused("cell contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise ExportRefused(
            f"cell contains a lone surrogate ({exc.object[exc.start]!r}), which no file can"
            " hold: the notebook's JSON has an invalid \\ud800-\\udfff escape",
            line,
        ) from None
    tree = _stdlib_parse(text)
    if tree is None:
        masked = mask(text)
        if not masked.python:
            first = masked.magics[0] if masked.magics else None
            name = f"%%{first.name} " if first is not None else ""
            raise ExportRefused(f"{name}cell is not Python", first.line if first else None)
        tree = _stdlib_parse(masked.text, raise_error=True)
    assert tree is not None
    depth = tree_depth(tree, MAX_DEPTH)
    if depth > MAX_DEPTH:
        raise ExportRefused(
            f"code nested more than {MAX_DEPTH} levels deep: too deep to export; flatten it"
            " (intermediate variables, smaller functions)"
        )


def _stdlib_parse(text: str, raise_error: bool = False) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except (RecursionError, MemoryError):
            raise ExportRefused(
                "code nested too deeply (or too long) for Python's parser: too deep to export"
            ) from None
        except (SyntaxError, ValueError) as error:
            if not raise_error:
                return None
            line = error.lineno if isinstance(error, SyntaxError) else None
            message = error.msg if isinstance(error, SyntaxError) else str(error)
            raise ExportRefused(f"syntax error: {message}", _code_line(text, line)) from None


def _code_line(text: str, line: int | None) -> int | None:
    """``line``, or the last line with code above it: an error found at the end of the cell
    (a block without a body) is blamed by the parser on the trailing blank lines."""
    if line is None:
        return None
    lines = text.split("\n")
    while line > 1 and (line > len(lines) or not lines[line - 1].strip()):
        line -= 1
    return line


def parse_cell(cell: Cell) -> ParsedCell:
    """Parse ``cell``; raises :class:`ExportRefused` for what is not Python."""
    text = strip_directives(cell.source)
    check_parsable(text)
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
            raise ExportRefused(
                f"syntax error: {raw_error.message}", _code_line(text, raw_error.raw_line)
            ) from None
        try:
            return ParsedCell(cell, cst.parse_module(masked.text), list(masked.magics))
        except cst.ParserSyntaxError as error:
            raise ExportRefused(
                f"syntax error: {error.message}", _code_line(masked.text, error.raw_line)
            ) from None


def try_parse_cell(cell: Cell) -> ParsedCell | None:
    """Like :func:`parse_cell` for cells that are only read, never exported."""
    try:
        return parse_cell(cell)
    except ExportRefused:
        return None
