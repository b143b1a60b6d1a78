"""Positions, replacements, line differences and parse checks on a cell's source
(stdlib only: checking without fixing never imports libcst)."""

from __future__ import annotations

import ast
import difflib
import warnings
from collections.abc import Iterable, Iterator

from nbprod.fixes.model import Edit
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Cell


def offset(source: str, line: int, column: int) -> int:
    """The string index of a 1-based (line, column) position in ``source``."""
    index = 0
    for _ in range(line - 1):
        found = source.find("\n", index)
        if found < 0:
            raise ValueError(f"line {line} is past the end of the source")
        index = found + 1
    line_end = source.find("\n", index)
    if index + column - 1 > (len(source) if line_end < 0 else line_end):
        raise ValueError(f"column {column} is past the end of line {line}")
    return index + column - 1


def position(source: str, index: int) -> tuple[int, int]:
    """The 1-based (line, column) of a string index in ``source``."""
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


def apply_replacements(source: str, edits: Iterable[Edit]) -> str:
    """``source`` with the ``replace`` edits applied; they must not overlap."""
    spans = sorted(
        (
            (offset(source, *e.start), offset(source, *e.end), e.text)
            for e in edits
            if e.start and e.end
        ),
        reverse=True,
    )
    for start, end, text in spans:
        source = source[:start] + text + source[end:]
    return source


def parses(source: str) -> bool:
    """Whether a code cell's source is Python once its IPython syntax is masked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning: not a parse failure
        try:
            ast.parse(source)
            return True
        except (SyntaxError, ValueError):
            masked = mask(source)
            if not masked.python:
                return True  # %%bash and friends: not Python, nothing to break
            try:
                ast.parse(masked.text)
                return True
            except (SyntaxError, ValueError):
                return False
        except (RecursionError, MemoryError):
            return False


def line_edits(cell: Cell, old: str, new: str) -> tuple[Edit, ...]:
    """Line-wise differences of ``old`` and ``new``, each trimmed to what changes.

    ``old`` has the same line lengths as ``cell.source`` on the lines that differ
    (it is the source, or the source with IPython syntax masked elsewhere).
    """
    return tuple(
        Edit(
            "replace",
            cell.index,
            cell.id,
            position(old, start),
            position(old, start + len(removed)),
            inserted,
        )
        for start, removed, inserted in changed_spans(old, new)
    )


def source_edits(cell: Cell, masked: str, new: str) -> tuple[Edit, ...] | None:
    """The edits that turn ``masked`` (the cell's source, IPython syntax masked) into
    ``new``; None when nothing changes or a change would touch a line holding IPython
    syntax (kept byte for byte)."""
    if new == masked:
        return None
    original_lines = cell.source.split("\n")
    masked_lines = masked.split("\n")
    edits = line_edits(cell, masked, new)
    for edit in edits:
        assert edit.start is not None and edit.end is not None
        for number in range(edit.start[0], edit.end[0] + 1):
            if original_lines[number - 1] != masked_lines[number - 1]:
                return None
    return edits


def changed_spans(old: str, new: str) -> Iterator[tuple[int, str, str]]:
    """Line-wise differences of ``old`` and ``new``, each trimmed to what changes:
    (string index in ``old``, the text removed there, the text inserted)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for text in old_lines:
        starts.append(starts[-1] + len(text))
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = _common(before, after)
        before, after = before[prefix:], after[prefix:]
        suffix = _common(before[::-1], after[::-1])
        yield starts[i1] + prefix, before[: len(before) - suffix], after[: len(after) - suffix]


def _common(a: str, b: str) -> int:
    """The length of the common prefix of ``a`` and ``b``."""
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return size
