"""``nbprod check --fix | --unsafe-fixes | --diff | --fix-only``, and fixes in reports."""

from __future__ import annotations

import argparse
import difflib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from nbprod.config import Settings
from nbprod.results import FileResult
from nbprod.runner import Failure, Limits, Task, guarded_map
from nbprod.selection import fixable

if TYPE_CHECKING:  # the fixing itself is imported when --fix asks for it
    from nbprod.fixes.apply import Fixable, Fixed


def register(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--fix",
        action="store_true",
        help="apply safe fixes in place, then report what remains",
    )
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply (with --fix) or offer fixes that need a look",
    )
    check.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff per cell instead of writing them",
    )
    check.add_argument(
        "--fix-only",
        action="store_true",
        help="apply fixes and report only what was fixed, not what remains",
    )


@dataclass(frozen=True)
class _FixTask:
    """A file's fix in a worker process (a class, so that it pickles)."""

    unsafe: bool
    write: bool

    def __call__(self, task: Task) -> Fixed:
        from nbprod.fixes.apply import fix_file

        path, display, settings = task
        return fix_file(path, display, settings, _fixable(settings), self.unsafe, self.write)


def _fixable(settings: Settings) -> Fixable:
    return lambda f: fixable(settings, f.code)


def _failed(task: Task, failure: Failure) -> Fixed:
    from nbprod.fixes.apply import Fixed

    return Fixed(FileResult(task[1], error=failure.message("fixed")))


def fix_files(
    tasks: list[Task], jobs: int, unsafe: bool, write: bool, progress: Callable[[int], None]
) -> list[Fixed]:
    """Fix each file in a guarded worker (time and memory limits, as checks have)."""
    import nbprod.fixes.apply  # noqa: F401
    from nbprod.rules.registry import all_rules

    all_rules()  # imported before forking, with the fixing code: workers inherit them

    limits = [Limits.of(t[2]) for t in tasks]
    fixed = []
    for item in guarded_map(_FixTask(unsafe, write), tasks, limits, jobs, _failed):
        fixed.append(item)
        progress(len(fixed))
    return fixed


def fixed_summary(fixed: Sequence[Fixed], verb: str = "Fixed") -> str:
    counts = Counter(a.code for f in fixed for a in f.applied)
    total = sum(counts.values())
    files = sum(1 for f in fixed if f.applied)
    if not total:
        return "No fixes applied." if verb == "Fixed" else "No fixes to apply."
    per_rule = ", ".join(f"{code} ×{n}" for code, n in sorted(counts.items()))
    return (
        f"{verb} {total} finding{'s' if total != 1 else ''} in {files}"
        f" file{'s' if files != 1 else ''}: {per_rule}."
    )


def fixed_json(fixed: Sequence[Fixed]) -> list[dict[str, Any]]:
    return [a.to_json(f.result.filename) for f in fixed for a in f.applied]


def write_diff(fixed: Fixed, out: TextIO) -> None:
    """A unified diff per changed cell, and a line per change outside sources."""
    if not fixed.changed or fixed.before is None or fixed.after is None:
        return
    name = fixed.result.filename
    old_cells = json.loads(fixed.before).get("cells", [])
    new_cells = json.loads(fixed.after).get("cells", [])
    # cells pair up by id (nbformat 4.5), else by kind and execution count, which no fix
    # changes (and by source for markdown, which no fix edits)
    matcher = difflib.SequenceMatcher(
        None, [_key(c) for c in old_cells], [_key(c) for c in new_cells], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):
            old = old_cells[i1 + k] if i1 + k < i2 else None
            new = new_cells[j1 + k] if j1 + k < j2 else None
            if old != new:
                label = f"cell {i1 + k + 1}" if old is not None else f"new cell {j1 + k + 1}"
                _cell_diff(f"{name}:{label}", old, new, out)


def _cell_diff(
    label: str, old: dict[str, Any] | None, new: dict[str, Any] | None, out: TextIO
) -> None:
    out.writelines(
        difflib.unified_diff(
            _lines(_source(old)),
            _lines(_source(new)),
            label + (" (deleted)" if new is None else ""),
            label,
        )
    )
    if new is None:
        out.write(f"{label}: deleted\n")
    if old is not None and new is not None:
        if old.get("outputs") and not new.get("outputs"):
            out.write(f"{label}: outputs cleared\n")
        for tag in sorted(set(_tags(new)) - set(_tags(old))):
            out.write(f"{label}: tag `{tag}` added\n")


def _key(cell: Any) -> str:
    if not isinstance(cell, dict):
        return repr(cell)
    cell_id = cell.get("id")
    if isinstance(cell_id, str):
        return f"id:{cell_id}"
    kind = cell.get("cell_type")
    text = _source(cell) if kind != "code" else ""
    return json.dumps([kind, cell.get("execution_count"), text])


def _source(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return ""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _lines(text: str) -> list[str]:
    """Lines for the diff, each ending in a newline (a cell's last line has none)."""
    return [line + "\n" for line in text.split("\n")] if text else []


def _tags(cell: dict[str, Any]) -> list[str]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
