"""A fix as replacements in the notebook file's text, for SARIF ``artifactChanges``.

SARIF tools apply replacements to the file as bytes; the fix's edits name cells and
cell positions. Applying the fix alone to the file's JSON, and diffing the texts, gives
both: byte regions of the real file, whatever kind of edit.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from nbprod.fixes.apply import apply_fixes
from nbprod.fixes.jsonfile import write_like
from nbprod.fixes.model import Fix
from nbprod.fixes.text import changed_spans

Replacement = tuple[int, int, str]  # byte offset, byte length, inserted text


def file_replacements(text: str, data: dict[str, Any], fix: Fix) -> list[Replacement] | None:
    """Replacements turning ``text`` (parsed: ``data``) into the notebook with ``fix``
    applied; None when the fix no longer applies to this file."""
    edited = copy.deepcopy(data)
    if not apply_fixes(edited, [fix]):
        return None
    new = write_like(text, edited)
    return [
        (len(text[:start].encode("utf-8")), len(removed.encode("utf-8")), inserted)
        for start, removed, inserted in changed_spans(text, new)
    ]


def load(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("cells"), list) else None
