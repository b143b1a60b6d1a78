"""What every fix promises: cells keep parsing, a second --fix changes nothing, nothing
outside the edited cells changes, and a file changed meanwhile is not overwritten."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nbprod.config import Settings
from nbprod.engine import check_file, check_notebook
from nbprod.findings import Finding
from nbprod.fixes import registry
from nbprod.fixes.apply import ChangedError, apply_fixes, fix_file, replace_unchanged, with_fixes
from nbprod.fixes.jsonfile import write_like
from nbprod.fixes.model import Edit, Fix
from nbprod.fixes.text import parses
from nbprod.notebook import notebook_from_data
from nbprod.notebook.model import Notebook

from ..conftest import CORPUS, FIXTURES
from .notebooks import cell, fix, notebook, sources

EVERYTHING = Settings(select=("ALL",))
CORPORA = [FIXTURES / "corpus", CORPUS / "notebooks", CORPUS.parent / "corpus-heavy" / "notebooks"]


def _breaking(nb: Notebook, finding: Finding) -> Fix:
    cell = nb.cells[finding.cell_index]
    return Fix("break it", "safe", (Edit("replace", cell.index, cell.id, (1, 1), (1, 1), "x = ("),))


def test_a_fix_that_would_leave_a_cell_unparsable_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "fixer", lambda code: _breaking if code == "NBP406" else None)
    data = notebook(cell("def f():\n    pass"))
    result, applied = fix(data, select=("NBP406",))
    assert not applied and sources(data) == ["def f():\n    pass"]
    assert [f.code for f in result.findings] == ["NBP406"] and result.findings[0].fix is None


def test_applying_edits_never_leaves_a_cell_unparsable() -> None:
    data = notebook(cell("x = 1"))
    broken = Fix("break it", "safe", (Edit("replace", 0, "c0", (1, 5), (1, 6), "("),))
    assert apply_fixes(data, [broken]) == [] and sources(data) == ["x = 1"]


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    data = notebook(cell("x = 1"))
    first = Fix("a", "safe", (Edit("replace", 0, "c0", (1, 5), (1, 6), "2"),))
    second = Fix("b", "safe", (Edit("replace", 0, "c0", (1, 1), (1, 6), "y = 3"),))
    assert apply_fixes(data, [first, second]) == [first]
    assert sources(data) == ["x = 2"]


def test_edits_of_a_cell_that_is_no_longer_there_are_not_applied() -> None:
    data = notebook(cell("x = 1"), cell("", count=2))
    stale = Fix("delete", "safe", (Edit("delete_cell", 1, "some-other-cell"),))
    assert apply_fixes(data, [stale]) == [] and len(data["cells"]) == 2


def _notebooks() -> list[Path]:
    found = [p for folder in CORPORA if folder.is_dir() for p in sorted(folder.glob("*.ipynb"))]
    assert found, "tests/fixtures/corpus is part of the repository"
    return found


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name[-60:])
def test_fixing_real_notebooks(path: Path, tmp_path: Path) -> None:
    """Property test over every real notebook at hand: ``--fix`` (unsafe fixes too) then
    a re-check reports nothing new, every cell that parsed still parses, the notebook is
    valid nbformat, only edited cells differ in the file, and fixing again is a no-op."""
    target = tmp_path / path.name
    shutil.copyfile(path, target)
    before_text = target.read_text(encoding="utf-8")
    before = check_file(target, EVERYTHING)
    fixed = fix_file(target, str(target), EVERYTHING, lambda f: True, unsafe=True, write=True)
    assert fixed.result.error is None
    after_text = target.read_text(encoding="utf-8")
    after = check_file(target, EVERYTHING)
    assert fixed.changed == bool(fixed.applied) == (after_text != before_text)

    old, new = json.loads(before_text), json.loads(after_text)
    # no fix causes a new finding (a new parameters cell of assignments is no unexecuted cell)
    added = Counter(f.code for f in after.findings) - Counter(f.code for f in before.findings)
    assert added == Counter(), added
    # every finding that had a fix is gone
    nb = notebook_from_data(old, str(target))
    offered = Counter(f.code for f in with_fixes(nb, before.findings) if f.fix is not None)
    assert offered == Counter(a.code for a in fixed.applied)
    assert offered <= Counter(f.code for f in before.findings) - Counter(
        f.code for f in after.findings
    )

    nbformat.validate(nbformat.reads(after_text, as_version=nbformat.NO_CONVERT))
    assert _unparsable(new) <= _unparsable(old)
    assert {k: v for k, v in old.items() if k != "cells"} == {
        k: v for k, v in new.items() if k != "cells"
    }
    again = fix_file(target, str(target), EVERYTHING, lambda f: True, unsafe=True, write=True)
    assert not again.applied and target.read_text(encoding="utf-8") == after_text


def _unparsable(data: dict[str, Any]) -> Counter[str]:
    code = ["".join(c["source"]) for c in data["cells"] if c["cell_type"] == "code"]
    return Counter(source for source in code if not parses(source))


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name[-60:])
def test_unchanged_json_is_written_back_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert write_like(text, json.loads(text)) == text


def test_only_the_edited_cell_changes_in_the_file(tmp_path: Path) -> None:
    data = notebook(
        cell("x = 1", outputs=[{"output_type": "stream", "name": "stdout", "text": ["é\n"]}]),
        cell("", count=2),
        cell("def f():\n    return x", count=3),
    )
    data["metadata"]["custom"] = {"b": 1, "a": [1.5e-07, "ü"]}  # key order and floats kept
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    path = tmp_path / "nb.ipynb"
    path.write_text(text, encoding="utf-8")
    fixed = fix_file(path, "nb.ipynb", EVERYTHING, lambda f: f.code == "NBP406", False, True)
    new = path.read_text(encoding="utf-8")
    assert [a.code for a in fixed.applied] == ["NBP406"]
    old_lines, new_lines = text.splitlines(), new.splitlines()
    changed = [line for line in new_lines if line not in old_lines]
    assert [line.strip() for line in changed] == [
        '"metadata": {',
        '"tags": [',
        '"export"',
        "]",
        "},",
    ]
    assert len(new_lines) == len(old_lines) + len(changed) - 1  # `"metadata": {},` went
    assert new.endswith("}\n") and '"a": [\n    1.5e-07,\n    "ü"' in new


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"edited meanwhile")
    with pytest.raises(ChangedError):
        replace_unchanged(path, b"as read", b"fixed")
    assert path.read_bytes() == b"edited meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["nb.ipynb"]  # no temporary left behind


def test_the_file_keeps_its_permissions_and_a_symlink_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.ipynb"
    real.write_bytes(b"old")
    os.chmod(real, 0o600)
    link = tmp_path / "link.ipynb"
    link.symlink_to(real)
    replace_unchanged(link, b"old", b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o600


def test_fixes_in_a_report_are_the_edits_the_cli_applies() -> None:
    data: dict[str, Any] = notebook(cell("x = 1"), cell(" ", count=2), cell("y = x", count=3))
    nb = notebook_from_data(data, "nb.ipynb")
    [finding] = with_fixes(nb, check_notebook(nb, Settings(select=("NBP503",))).findings)
    assert finding.fix == {
        "message": "delete the empty cell",
        "applicability": "safe",
        "edits": [{"kind": "delete_cell", "cell_index": 1, "cell_id": "c1"}],
    }
