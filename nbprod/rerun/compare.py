"""Compare a cell's outputs across runs: normalised text, numbers within a relative tolerance.

What is compared, per code cell:

- ``stdout`` (all stream output to stdout, joined: the order of stream chunks relative to
  displays is not stable); ``stderr`` is not compared (warnings, logging, progress bars);
- each ``execute_result`` / ``display_data`` in order, by its most telling representation:
  an image by presence and pixel size (PNG, JPEG, GIF, within 10% per dimension; SVG by
  presence), else ``text/plain``,
  else the MIME type alone (HTML-only, widgets, JavaScript: presence);
- errors, as ``ename: evalue`` (only met when errors are allowed).

Text is normalised by :mod:`nbprod.rerun.normalise`; then each line's words must match
exactly and its numbers must agree within ``rtol`` (``math.isclose``, with an absolute
tolerance of 1e-12 for values near zero).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import math
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nbprod.rerun.normalise import normalise

ATOL = 1e-12
IMAGE_TOLERANCE = 0.1  # relative, per dimension
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|\b(?:nan|NaN|inf|-inf)\b"
)
_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
MAX_DIFF_LINES = 4
MAX_LINE_CHARS = 100


@dataclass(frozen=True)
class Item:
    """One comparable piece of a cell's output."""

    kind: str  # "stdout", "text/plain", "error", an image or another MIME type
    lines: tuple[str, ...] = ()  # normalised text; empty for presence-only items
    size: tuple[int, int] | None = None  # images: (width, height) when readable

    def label(self) -> str:
        if self.size is not None:
            return f"{self.kind} {self.size[0]}×{self.size[1]}"
        return self.kind


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""


def items(outputs: Iterable[dict[str, Any]]) -> list[Item]:
    """The comparable items of a cell's outputs."""
    stdout: list[str] = []
    found: list[Item] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                stdout.append(_text(output.get("text")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data")
            if isinstance(data, dict) and data:
                found.append(_rich(data))
        elif kind == "error":
            text = f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
            found.append(Item("error", tuple(normalise(text))))
    text = "".join(stdout)
    lines = normalise(text) if text else []
    return ([Item("stdout", tuple(lines))] if lines else []) + found


def _rich(data: dict[str, Any]) -> Item:
    for mime in _IMAGES:
        if mime in data:
            return Item("image", (), image_size(mime, data[mime]))
    if "text/plain" in data:
        return Item("text/plain", tuple(normalise(_text(data["text/plain"]))))
    return Item(sorted(str(m) for m in data)[0])


def image_size(mime: str, value: Any) -> tuple[int, int] | None:
    """(width, height) of a base64 PNG, GIF or JPEG; None when unknown (SVG, damaged)."""
    if mime not in ("image/png", "image/jpeg", "image/gif"):
        return None
    text = _text(value)
    try:
        raw = base64.b64decode("".join(text.split())[:87_400], validate=False)
    except (binascii.Error, ValueError):
        return None
    try:
        if raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR":
            width, height = struct.unpack(">II", raw[16:24])
            return int(width), int(height)
        if raw[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", raw[6:10])
            return int(width), int(height)
        if raw[:2] == b"\xff\xd8":
            return _jpeg_size(raw)
    except struct.error:
        return None
    return None


def _jpeg_size(raw: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(raw):
        if raw[i] != 0xFF:
            return None
        marker = raw[i + 1]
        length = struct.unpack(">H", raw[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", raw[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _similar_size(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Within IMAGE_TOLERANCE in each dimension: the inline backend crops figures to their
    content (``bbox_inches="tight"``), so fonts and library versions move edges by a few pixels;
    a different figure (another subplot grid, another figsize) changes far more."""
    return all(abs(p - q) <= IMAGE_TOLERANCE * max(p, q) for p, q in zip(a, b))


# -- text with numbers ---------------------------------------------------------


def _split(line: str) -> tuple[str, list[float]]:
    """A line's skeleton (numbers replaced by ``#``) and its numbers."""
    numbers: list[float] = []

    def take(match: re.Match[str]) -> str:
        try:
            numbers.append(float(match.group(0)))
        except ValueError:
            return match.group(0)
        return "#"

    return _NUMBER.sub(take, line), numbers


def _close(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=rtol, abs_tol=ATOL)


def lines_match(a: str, b: str, rtol: float) -> bool:
    if a == b:
        return True
    skeleton_a, numbers_a = _split(a)
    skeleton_b, numbers_b = _split(b)
    return (
        skeleton_a == skeleton_b
        and len(numbers_a) == len(numbers_b)
        and all(_close(x, y, rtol) for x, y in zip(numbers_a, numbers_b))
    )


@dataclass(frozen=True)
class Difference:
    """Why two runs' outputs of a cell differ, with a short diff (``- before``/``+ after``)."""

    summary: str
    diff: tuple[str, ...] = ()

    def message(self, before: str, after: str) -> str:
        """One line naming the runs, then the diff lines, indented."""
        head = f"{self.summary} ({before} → {after})" if before else self.summary
        return "\n".join([head, *(f"    {line}" for line in self.diff)])


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 1] + "…"


def _text_diff(a: Sequence[str], b: Sequence[str], rtol: float) -> tuple[str, ...] | None:
    """None when the texts match; else up to MAX_DIFF_LINES changed lines."""
    if len(a) == len(b) and all(lines_match(x, y, rtol) for x, y in zip(a, b)):
        return None
    skeleton_a = [_split(x)[0] for x in a]
    skeleton_b = [_split(y)[0] for y in b]
    out: list[str] = []
    hidden = 0
    matcher = difflib.SequenceMatcher(None, skeleton_a, skeleton_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs = [(a[i], b[j]) for i, j in zip(range(i1, i2), range(j1, j2))]
            changed = [(x, y) for x, y in pairs if not lines_match(x, y, rtol)]
            removed = [x for x, _ in changed]
            added = [y for _, y in changed]
        else:
            removed, added = list(a[i1:i2]), list(b[j1:j2])
        for line in [f"- {_clip(x)}" for x in removed] + [f"+ {_clip(y)}" for y in added]:
            if len(out) < MAX_DIFF_LINES:
                out.append(line)
            else:
                hidden += 1
    if not out:  # only blank-line structure differed
        return None
    if hidden:
        out.append(f"… {hidden} more changed line{'s' if hidden != 1 else ''}")
    return tuple(out)


def compare(before: Sequence[Item], after: Sequence[Item], rtol: float) -> Difference | None:
    """The first way ``after`` differs from ``before``; None when they match."""
    kinds_a = [i.kind for i in before]
    kinds_b = [i.kind for i in after]
    if kinds_a != kinds_b:
        missing = [k for k in kinds_a if k not in kinds_b]
        extra = [k for k in kinds_b if k not in kinds_a]
        if missing and not extra:
            summary = f"no {missing[0]} output any more"
        elif extra and not missing:
            summary = f"new {extra[0]} output"
        else:
            summary = f"outputs differ: {', '.join(kinds_a) or 'none'} before, {', '.join(kinds_b) or 'none'} now"
        diff: list[str] = []
        for item in before:
            if item.kind not in kinds_b and item.lines:
                diff.extend(f"- {_clip(line)}" for line in item.lines[:2])
        for item in after:
            if item.kind not in kinds_a and item.lines:
                diff.extend(f"+ {_clip(line)}" for line in item.lines[:2])
        return Difference(summary, tuple(diff[:MAX_DIFF_LINES]))
    for x, y in zip(before, after):
        if x.kind == "image":
            if x.size is not None and y.size is not None and not _similar_size(x.size, y.size):
                return Difference(
                    "image size differs",
                    (f"- {x.size[0]}×{x.size[1]} pixels", f"+ {y.size[0]}×{y.size[1]} pixels"),
                )
            continue
        changed = _text_diff(x.lines, y.lines, rtol)
        if changed is not None:
            return Difference(f"{x.kind} differs", changed)
    return None
