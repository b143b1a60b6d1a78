"""``nbprod check --fix | --unsafe-fixes | --diff | --fix-only`` as users run it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from ..conftest import ROOT, code, run_cli, write_notebook

REPORT_SCHEMA = json.loads((ROOT / "nbprod" / "schemas" / "report.schema.json").read_text())


def _project(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.nbprod]\nselect = ["NBP503", "NBP401", "NBP104"]\n{extra}'
    )
    return tmp_path


def _messy(path: Path) -> Path:
    """An empty cell (a safe fix) and a silent handler (an unsafe one)."""
    return write_notebook(
        path,
        [
            code("x = 1", 1),
            code("", 2),
            code("try:\n    f()\nexcept:\n    pass", 3),
            code("print(x)", 4),
        ],
    )


def _sources(path: Path) -> list[str]:
    return [c["source"] for c in json.loads(path.read_text())["cells"]]


def test_findings_with_a_fix_are_marked_and_counted(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    result = run_cli("check", str(nb))
    lines = result.stdout.splitlines()
    assert f"{nb}:cell 2:1:1: NBP503 [*] [empty-cell] empty code cell: delete it" in lines
    assert any(" NBP401 [silent-failure] " in line for line in lines)  # unsafe: no [*]
    assert lines[-2:] == [
        "[*] 1 fixable with `nbprod check --fix`.",
        "(1 more finding may be fixed with `--unsafe-fixes`.)",
    ]
    assert result.returncode == 1


def test_fix_applies_safe_fixes_and_reports_what_remains(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    result = run_cli("check", "--fix", str(nb))
    assert _sources(nb) == ["x = 1", "try:\n    f()\nexcept:\n    pass", "print(x)"]
    assert "Fixed 1 finding in 1 file: NBP503 ×1." in result.stdout
    assert " NBP401 [silent-failure] " in result.stdout and result.returncode == 1


def test_unsafe_fixes_too_and_exit_zero_when_nothing_remains(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    result = run_cli("check", "--fix", "--unsafe-fixes", str(nb))
    assert _sources(nb) == ["x = 1", "try:\n    f()\nexcept Exception:\n    raise", "print(x)"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout
    again = run_cli("check", "--fix", "--unsafe-fixes", str(nb))
    assert "No fixes applied." in again.stdout and again.returncode == 0


def test_diff_prints_the_change_per_cell_and_writes_nothing(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    before = nb.read_bytes()
    result = run_cli("check", "--diff", "--unsafe-fixes", str(nb))
    assert nb.read_bytes() == before
    assert result.returncode == 1  # there is something to fix
    assert f"{nb}:cell 2: deleted" in result.stdout
    assert f"--- {nb}:cell 3\n+++ {nb}:cell 3\n" in result.stdout
    assert "-except:\n-    pass\n+except Exception:\n+    raise\n" in result.stdout
    assert "Would fix 2 findings in 1 file: NBP401 ×1, NBP503 ×1." in result.stderr


def test_fix_only_reports_the_fixes_not_the_findings(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    result = run_cli("check", "--fix-only", str(nb))
    assert result.stdout == "Fixed 1 finding in 1 file: NBP503 ×1.\n"
    assert result.returncode == 0 and len(_sources(nb)) == 3


def test_unfixable_rules_are_neither_marked_nor_fixed(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path, 'unfixable = ["empty-cell"]\n') / "nb.ipynb")
    assert "[*]" not in run_cli("check", str(nb)).stdout
    result = run_cli("check", "--fix", str(nb))
    assert len(_sources(nb)) == 4 and "No fixes applied." in result.stdout
    report = json.loads(run_cli("check", "--format", "json", str(nb)).stdout)
    assert all(f["fix"] is None for f in report["findings"] if f["code"] == "NBP503")


def test_fixable_limits_fixes_to_the_rules_named(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path, 'fixable = ["NBP4"]\n') / "nb.ipynb")
    run_cli("check", "--fix", "--unsafe-fixes", str(nb))
    assert _sources(nb)[1] == ""  # NBP503 is not in NBP4xx: the empty cell stays
    assert "raise" in _sources(nb)[2]


def test_json_reports_carry_the_fix_and_what_was_fixed(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    report = json.loads(run_cli("check", "--format", "json", str(nb)).stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    fixes = {f["code"]: f["fix"] for f in report["findings"]}
    assert fixes["NBP503"]["edits"] == [{"kind": "delete_cell", "cell_index": 1, "cell_id": None}]
    assert fixes["NBP401"]["applicability"] == "unsafe"
    assert fixes["NBP401"]["edits"][0]["start"] == {"line": 3, "column": 7}
    after = json.loads(run_cli("check", "--fix", "--format", "json", str(nb)).stdout)
    jsonschema.validate(after, REPORT_SCHEMA)
    assert after["fixed"] == [
        {"filename": str(nb), "code": "NBP503", "cell_index": 1, "message": "delete the empty cell"}
    ]
    assert [f["code"] for f in after["findings"]] == ["NBP401"]


def test_sarif_fixes_are_byte_replacements_that_apply(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    log = json.loads(run_cli("check", "--format", "sarif", str(nb)).stdout)
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "NBP503"]
    [fix] = result["fixes"]
    assert fix["description"]["text"] == "delete the empty cell"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == nb.as_posix()
    data = nb.read_bytes()
    for replacement in sorted(
        change["replacements"], key=lambda r: -r["deletedRegion"]["byteOffset"]
    ):
        start = replacement["deletedRegion"]["byteOffset"]
        end = start + replacement["deletedRegion"]["byteLength"]
        data = data[:start] + replacement["insertedContent"]["text"].encode() + data[end:]
    assert [c["source"] for c in json.loads(data)["cells"]] == [
        "x = 1",
        "try:\n    f()\nexcept:\n    pass",
        "print(x)",
    ]


def test_an_unreadable_file_exits_two_and_the_others_are_fixed(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "a_broken.ipynb").write_text('{"nbformat": 4, "cells": [')
    nb = _messy(tmp_path / "b.ipynb")
    result = run_cli("check", "--fix", str(tmp_path))
    assert result.returncode == 2
    assert "a_broken.ipynb: error: truncated JSON" in result.stderr
    assert len(_sources(nb)) == 3


def test_an_nbformat_3_notebook_is_checked_but_not_fixed(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "input": source, "language": "python", "outputs": [],
         "prompt_number": n, "metadata": {}}
        for n, source in enumerate(["x = 1", "", "print(x)"], 1)
    ]  # fmt: skip
    nb = tmp_path / "old.ipynb"
    nb.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                              "worksheets": [{"cells": cells, "metadata": {}}]}))  # fmt: skip
    before = nb.read_bytes()
    result = run_cli("check", "--select", "NBP503", "--fix", str(nb))
    assert result.returncode == 1 and "No fixes applied." in result.stdout
    assert " NBP503 [empty-cell] " in result.stdout and nb.read_bytes() == before


def test_statistics_mark_the_rules_with_fixes(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "nb.ipynb")
    lines = run_cli("check", "--statistics", str(nb)).stdout.splitlines()
    assert sorted(line.split("\t", 1)[1] for line in lines[:2]) == [
        "NBP401\t[silent-failure]",
        "NBP503\t[*] [empty-cell]",
    ]
    unsafe = run_cli("check", "--statistics", "--unsafe-fixes", str(nb)).stdout
    assert "NBP401\t[*] [silent-failure]" in unsafe


def test_explain_says_what_the_fix_does() -> None:
    lines = run_cli("explain", "NBP503").stdout.splitlines()
    assert "Fix (`nbprod check --fix`): delete the cell." in lines
    unsafe = run_cli("explain", "silent-failure").stdout
    assert "Fix (unsafe: `nbprod check --fix --unsafe-fixes`): a broad handler" in unsafe
    assert "Fix (" not in run_cli("explain", "NBP101").stdout
