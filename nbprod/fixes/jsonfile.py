"""Write edited notebook JSON so that ``git diff`` shows only the fix.

Cells that did not change keep their original text byte for byte; in a changed cell
only the changed fields are written again, with the file's own indentation and
escaping (nbformat's writer: ``indent=1``, ``ensure_ascii=False``). Key order is the
parsed order, which ``json`` keeps.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
# Only spans are needed: numbers are not converted (a 5,000-digit integer is not an error).
_DECODER = json.JSONDecoder(
    parse_int=lambda _: 0, parse_float=lambda _: 0, parse_constant=lambda _: 0
)


class _Unsupported(Exception):
    """The file's layout is not one this module splices into; it is written whole."""


def write_like(original: str, data: dict[str, Any]) -> str:
    """``data`` as text, formatted as ``original`` is, reusing its unchanged parts."""
    style = _Style.of(original)
    try:
        return _splice(original, data, style)
    except (_Unsupported, ValueError, IndexError, KeyError):
        return style.dump(data, "") + style.trailer


class _Style:
    def __init__(self, indent: int | None, ensure_ascii: bool, trailer: str) -> None:
        self.indent = indent
        self.ensure_ascii = ensure_ascii
        self.trailer = trailer

    @classmethod
    def of(cls, text: str) -> _Style:
        match = re.match(r"\s*[{\[]\n( *)\S", text)
        indent = len(match.group(1)) if match else None
        ensure_ascii = text.isascii() and "\\u" in text
        trailer = text[len(text.rstrip()) :]
        return cls(indent, ensure_ascii, trailer)

    def dump(self, value: Any, margin: str) -> str:
        """``value`` as JSON whose continuation lines start with ``margin``."""
        text = json.dumps(value, indent=self.indent, ensure_ascii=self.ensure_ascii)
        return text.replace("\n", "\n" + margin) if margin else text


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    assert match is not None
    return match.end()


def _object(text: str, pos: int) -> tuple[dict[str, tuple[int, int]], int]:
    """Value spans by key of the object at ``pos``, and where it ends."""
    if text[pos] != "{":
        raise _Unsupported
    spans: dict[str, tuple[int, int]] = {}
    pos = _skip(text, pos + 1)
    if text[pos] == "}":
        return spans, pos + 1
    while True:
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise _Unsupported
        start = _skip(text, pos + 1)
        _, end = _DECODER.raw_decode(text, start)
        spans[key] = (start, end)
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif text[pos] == "}":
            return spans, pos + 1
        else:
            raise _Unsupported


def _array(text: str, pos: int) -> list[tuple[int, int]]:
    if text[pos] != "[":
        raise _Unsupported
    spans: list[tuple[int, int]] = []
    pos = _skip(text, pos + 1)
    if text[pos] == "]":
        return spans
    while True:
        _, end = _DECODER.raw_decode(text, pos)
        spans.append((pos, end))
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif text[pos] == "]":
            return spans
        else:
            raise _Unsupported


def _margin(text: str, pos: int) -> str:
    """The indentation of the line ``pos`` is on."""
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos]
    return line[: len(line) - len(line.lstrip(" "))]


def _splice(original: str, data: dict[str, Any], style: _Style) -> str:
    start = _skip(original, 0)
    top, _ = _object(original, start)
    old = json.loads(original)
    if set(old) != set(data) or any(old[k] != data[k] for k in old if k != "cells"):
        raise _Unsupported  # fixes edit cells only
    cells_start, cells_end = top["cells"]
    spans = _array(original, cells_start)
    old_cells, new_cells = old["cells"], data["cells"]
    if len(spans) < 2 or len(new_cells) == 0:
        raise _Unsupported  # no separator to copy: write the whole file
    separator = original[spans[0][1] : spans[1][0]]
    margin = _margin(original, spans[0][0])
    keys = [json.dumps(c, sort_keys=True) for c in old_cells]
    new_keys = [json.dumps(c, sort_keys=True) for c in new_cells]
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.extend(original[s:e] for s, e in spans[i1:i2])
            continue
        for offset, cell in enumerate(new_cells[j1:j2]):
            paired = i1 + offset if tag == "replace" and offset < i2 - i1 else None
            if paired is None:
                parts.append(style.dump(cell, margin))
            else:
                parts.append(_cell(original, spans[paired], old_cells[paired], cell, style))
    body = original[cells_start : spans[0][0]] + separator.join(parts)
    body += original[spans[-1][1] : cells_end]
    return original[:cells_start] + body + original[cells_end:]


def _cell(
    original: str, span: tuple[int, int], old: dict[str, Any], new: dict[str, Any], style: _Style
) -> str:
    """A changed cell: its changed values written again, the rest of its text kept."""
    if list(old) != list(new):
        return style.dump(new, _margin(original, span[0]))
    spans, _ = _object(original, span[0])
    text = original[span[0] : span[1]]
    for key in reversed(list(old)):  # from the end, so earlier spans stay valid
        if old[key] == new[key]:
            continue
        start, end = spans[key]
        value = style.dump(new[key], _margin(original, start))
        text = text[: start - span[0]] + value + text[end - span[0] :]
    return text
