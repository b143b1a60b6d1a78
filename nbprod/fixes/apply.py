"""Apply fixes to notebook JSON in rounds, and to notebook files (``check --fix``).

Each round checks the notebook, computes the fixes, and applies those whose edits do
not overlap an edit already taken (identical edits, such as two fixes adding the same
``SEED = 42``, are applied once); the rest wait for the next round, which sees the
result. Rounds stop when nothing is left to apply, after at most ``MAX_ROUNDS``, as
ruff does. A round never leaves a code cell that parsed unparsable.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nbprod.config import Settings
from nbprod.engine import check_file, check_notebook, check_notebook_data
from nbprod.findings import Finding
from nbprod.fixes import registry
from nbprod.fixes.jsonfile import write_like
from nbprod.fixes.model import Edit, Fix
from nbprod.fixes.text import apply_replacements, parses
from nbprod.notebook import Notebook, NotebookError, notebook_from_data
from nbprod.notebook.load import read_regular_file
from nbprod.results import FileResult

MAX_ROUNDS = 10

# Whether a finding's rule may be fixed (the fixable/unfixable settings).
Fixable = Callable[[Finding], bool]


@dataclass
class Applied:
    """One fix applied to a file."""

    code: str
    cell_index: int
    message: str

    def to_json(self, filename: str) -> dict[str, Any]:
        return {
            "filename": filename,
            "code": self.code,
            "cell_index": self.cell_index,
            "message": self.message,
        }


@dataclass
class Fixed:
    """A notebook after fixing: what was applied, what remains, the text before and after."""

    result: FileResult
    applied: list[Applied] = field(default_factory=list)
    before: str | None = None
    after: str | None = None  # None: nothing changed

    @property
    def changed(self) -> bool:
        return self.after is not None and self.after != self.before


def fix_data(
    data: dict[str, Any], filename: str, settings: Settings, fixable: Fixable, unsafe: bool
) -> tuple[FileResult, list[Applied]]:
    """Fix notebook JSON in place; the findings that remain (their fixes attached) and
    the fixes applied. Unsafe fixes are applied only with ``unsafe``. An nbformat 3
    notebook is checked, not fixed: its cells are not where the edits point."""
    if not editable(data):
        return check_notebook_data(data, filename, settings), []
    applied: list[Applied] = []
    for round_number in range(MAX_ROUNDS + 1):
        try:
            nb = notebook_from_data(data, filename)
        except NotebookError as exc:
            return FileResult(filename, error=str(exc)), applied
        result = check_notebook(nb, settings)
        if result.error or result.skipped:
            return result, applied
        result.findings = attach(nb, result.findings, fixable)
        candidates = [
            (f, fix)
            for f in result.findings
            if f.fix is not None
            and ((fix := Fix.from_json(f.fix)).applicability == "safe" or unsafe)
        ]
        if not candidates or round_number == MAX_ROUNDS:
            return result, applied
        done = apply_fixes(data, [fix for _, fix in candidates])
        if not done:
            return result, applied
        applied += [
            Applied(f.code, f.cell_index, fix.message) for f, fix in candidates if fix in done
        ]
    raise AssertionError("unreachable")


def editable(data: Any) -> bool:
    """Whether edits apply to this notebook JSON: nbformat 4, with a list of cells."""
    return (
        isinstance(data, dict) and data.get("nbformat") == 4 and isinstance(data.get("cells"), list)
    )


def load(path: Path) -> tuple[bytes, str, Any]:
    """A notebook file's bytes, text and JSON; raises NotebookError or ValueError."""
    raw = read_regular_file(path)
    text = raw.decode("utf-8-sig")
    return raw, text, json.loads(text, parse_int=_parse_int)


def with_fixes(nb: Notebook, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with their ``fix`` filled where a fix exists and leaves every
    edited code cell parsing."""
    result = []
    for finding in findings:
        fixer = registry.fixer(finding.code)
        fix = None
        if fixer is not None and 0 <= finding.cell_index < len(nb.cells):
            try:
                fix = fixer(nb, finding)
            except (MemoryError, RecursionError):
                fix = None  # a cell too deep for libcst: no fix rather than no report
            if fix is not None and not _keeps_parsing(nb, fix):
                fix = None
        result.append(replace(finding, fix=fix.to_json()) if fix is not None else finding)
    return result


def _keeps_parsing(nb: Notebook, fix: Fix) -> bool:
    cells: dict[int, list[Edit]] = {}
    for edit in fix.edits:
        if edit.kind == "replace":
            cells.setdefault(edit.cell_index, []).append(edit)
        elif edit.kind == "insert_cell" and not parses(edit.text):
            return False
    for index, edits in cells.items():
        cell = nb.cells[index]
        if cell.kind != "code":
            continue
        try:
            new = apply_replacements(cell.source, edits)
        except ValueError:  # a position outside the source
            return False
        if parses(cell.source) and not parses(new):
            return False
    return True


def attach(nb: Notebook, findings: list[Finding], fixable: Fixable) -> list[Finding]:
    """``findings`` in order, fixes filled in for those whose rule is fixable."""
    fixed = iter(with_fixes(nb, [f for f in findings if fixable(f)]))
    return [next(fixed) if fixable(f) else f for f in findings]


def apply_fixes(data: dict[str, Any], fixes: Sequence[Fix]) -> list[Fix]:
    """Apply the fixes that fit together to notebook JSON; the ones applied."""
    cells: list[Any] = data["cells"]
    candidates = [fix for fix in fixes if all(_valid(cells, e) for e in fix.edits)]
    while True:
        chosen = _compatible(candidates)
        sources, broken = _new_sources(cells, chosen)
        if not broken:
            break
        candidates = [
            f for f in candidates if not any(e.cell_index in broken for e in _text_edits(f))
        ]
    edits = list(dict.fromkeys(e for fix in chosen for e in fix.edits))
    for index, text in sources.items():
        cells[index]["source"] = _like(cells[index].get("source"), text)
    for edit in edits:
        cell = cells[edit.cell_index] if edit.kind != "insert_cell" else None
        if edit.kind == "clear_outputs" and cell is not None:
            cell["outputs"] = []
        elif edit.kind == "add_tag" and cell is not None:
            metadata = cell.setdefault("metadata", {})
            tags = metadata.setdefault("tags", [])
            if edit.text not in tags:
                tags.append(edit.text)
    structural = [e for e in edits if e.kind in ("delete_cell", "insert_cell")]
    # from the end, deletions before insertions at one index: earlier indices stay valid
    for edit in sorted(
        structural, key=lambda e: (e.cell_index, e.kind == "delete_cell"), reverse=True
    ):
        if edit.kind == "delete_cell":
            del cells[edit.cell_index]
        else:
            cells.insert(edit.cell_index, _new_cell(cells, edit))
    return chosen


def _valid(cells: list[Any], edit: Edit) -> bool:
    """The edit's cell is there, with the id it names, and its source is ours to edit."""
    if edit.kind == "insert_cell":
        return 0 <= edit.cell_index <= len(cells)
    if not 0 <= edit.cell_index < len(cells) or not isinstance(cells[edit.cell_index], dict):
        return False
    cell = cells[edit.cell_index]
    if edit.cell_id is not None and cell.get("id") != edit.cell_id:
        return False
    if edit.kind == "replace":
        source = _text(cell.get("source"))
        return source is not None and "\r" not in source  # positions are of \n-only text
    if edit.kind == "add_tag":
        metadata = cell.get("metadata", {})
        return isinstance(metadata, dict) and isinstance(metadata.get("tags", []), list)
    return True


def _text_edits(fix: Fix) -> list[Edit]:
    return [e for e in fix.edits if e.kind == "replace"]


def _compatible(fixes: Sequence[Fix]) -> list[Fix]:
    """Fixes in order, skipping any whose edits overlap one already taken, or that is
    isolated from one taken."""
    taken: list[Edit] = []
    chosen: list[Fix] = []
    isolated: set[str] = set()
    for fix in fixes:
        if isolated.intersection(fix.isolation):
            continue
        if any(_overlap(e, t) for e in fix.edits for t in taken if e != t):
            continue
        chosen.append(fix)
        taken.extend(fix.edits)
        isolated.update(fix.isolation)
    return chosen


def _overlap(a: Edit, b: Edit) -> bool:
    if a.kind == "insert_cell" or b.kind == "insert_cell":
        return a.kind == b.kind and a.cell_index == b.cell_index
    if a.cell_index != b.cell_index:
        return False
    if "delete_cell" in (a.kind, b.kind):
        return True
    if a.kind == b.kind == "replace":
        assert a.start and a.end and b.start and b.end
        return a.start <= b.end and b.start <= a.end  # touching counts: order is unclear
    return False


def _new_sources(cells: list[Any], fixes: Sequence[Fix]) -> tuple[dict[int, str], set[int]]:
    """The edited sources by cell, and the code cells the edits would stop parsing."""
    by_cell: dict[int, list[Edit]] = {}
    for edit in dict.fromkeys(e for fix in fixes for e in _text_edits(fix)):
        by_cell.setdefault(edit.cell_index, []).append(edit)
    sources: dict[int, str] = {}
    broken: set[int] = set()
    for index, edits in by_cell.items():
        old = _text(cells[index].get("source")) or ""
        try:
            new = apply_replacements(old, edits)
        except ValueError:
            broken.add(index)
            continue
        if cells[index].get("cell_type") == "code" and parses(old) and not parses(new):
            broken.add(index)
        sources[index] = new
    return sources, broken


def _text(source: Any) -> str | None:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def _like(old: Any, text: str) -> Any:
    """``text`` in the form the cell stored its source: one string or a list of lines."""
    if isinstance(old, str):
        return text
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _new_cell(cells: list[Any], edit: Edit) -> dict[str, Any]:
    as_list = not any(isinstance(c, dict) and isinstance(c.get("source"), str) for c in cells)
    cell: dict[str, Any] = {"cell_type": "code", "execution_count": None}
    if edit.cell_id is not None:
        cell["id"] = edit.cell_id
    cell["metadata"] = {"tags": list(edit.tags)} if edit.tags else {}
    cell["outputs"] = []
    cell["source"] = _like([] if as_list else "", edit.text)
    return cell


# -- files -----------------------------------------------------------------------------


def fix_file(
    path: Path, display: str, settings: Settings, fixable: Fixable, unsafe: bool, write: bool
) -> Fixed:
    """Fix one notebook file; with ``write``, replace it atomically when anything changed."""
    try:
        raw, before, data = load(path)
    except NotebookError as exc:
        return Fixed(FileResult(display, error=str(exc)))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):  # not a notebook: the check names the problem
        return Fixed(check_file(path, settings, display))
    bom = raw.startswith(b"\xef\xbb\xbf")
    result, applied = fix_data(data, display, settings, fixable, unsafe)
    if not applied:
        return Fixed(result, applied, before)
    after = write_like(before, data)
    fixed = Fixed(result, applied, before, after)
    if write and fixed.changed:
        try:
            replace_unchanged(path, raw, (b"\xef\xbb\xbf" if bom else b"") + after.encode("utf-8"))
        except (OSError, ChangedError) as exc:
            return Fixed(FileResult(display, error=f"not fixed: {exc}"), [], before)
    return fixed


def _parse_int(digits: str) -> int | float:
    try:
        return int(digits)
    except ValueError:  # longer than Python's int-from-text limit (see notebook.load)
        return float(digits)


class ChangedError(Exception):
    """The file changed since it was read: writing would lose that change."""


def replace_unchanged(path: Path, expected: bytes, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically (a temporary file renamed over it), keeping
    its permissions; refuse if the file no longer holds ``expected``."""
    target = path.resolve()  # through a symlink: replace the file, not the link
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        try:
            current = read_regular_file(target)
        except NotebookError as exc:
            raise ChangedError(f"the file changed while it was being fixed: {exc}") from None
        if current != expected:
            raise ChangedError("the file changed while it was being fixed; run again")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
