"""A fix as replacements in the notebook file's text, for SARIF ``artifactChanges``.

SARIF tools apply replacements to the file as bytes; the fix's edits name cells and
cell positions. Applying the fix alone to the file's JSON, and diffing the texts, gives
both: byte regions of the real file, whatever kind of edit.
"""

from __future__ import annotations

import copy
import difflib
import json
from typing import Any

from nbprod.fixes.apply import apply_fixes
from nbprod.fixes.jsonfile import write_like
from nbprod.fixes.model import Fix

Replacement = tuple[int, int, str]  # byte offset, byte length, inserted text


def file_replacements(text: str, data: dict[str, Any], fix: Fix) -> list[Replacement] | None:
    """Replacements turning ``text`` (parsed: ``data``) into the notebook with ``fix``
    applied; None when the fix no longer applies to this file."""
    edited = copy.deepcopy(data)
    if not apply_fixes(edited, [fix]):
        return None
    new = write_like(text, edited)
    old_lines = text.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line.encode("utf-8")))
    replacements: list[Replacement] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = _common(before, after)
        before, after = before[prefix:], after[prefix:]
        suffix = _common(before[::-1], after[::-1])
        start = starts[i1] + len(("".join(old_lines[i1:i2]))[:prefix].encode("utf-8"))
        deleted = before[: len(before) - suffix]
        replacements.append((start, len(deleted.encode("utf-8")), after[: len(after) - suffix]))
    return replacements


def load(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("cells"), list) else None


def _common(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return size
