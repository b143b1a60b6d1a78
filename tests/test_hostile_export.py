"""`nbprod export` on hostile input: it exports or refuses with a reason, never a traceback,
a segfault or a hang. Every export case of issue 10, with its input generated here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nbprod.export.api import export_notebook
from nbprod.export.plan import plan_export
from nbprod.notebook import notebook_from_data
from tests.conftest import ROOT, code, write_notebook

_DEF = "def add_one(x):\n    return x + 1"


def _cli(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbprod", "export", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=timeout,
    )


def _notebook(path: Path, *cells: dict[str, Any]) -> Path:
    return write_notebook(path, [code(_DEF, 1, ["export"]), *cells])


def _nb(*cells: dict[str, Any]) -> Any:
    return notebook_from_data(
        {"nbformat": 4, "metadata": {}, "cells": [code(_DEF, 1, ["export"]), *cells]}, "t.ipynb"
    )


_DEEP = {
    "lists-150": "y = " + "[" * 150 + "]" * 150,
    "lists-3000": "y = " + "[" * 3000 + "]" * 3000,
    "unary-50000": "y = " + "-" * 50_000 + "1",
    "calls-900": "y = " + "str(" * 900 + "1" + ")" * 900,
    "attributes-5000": "y = add_one" + ".__call__" * 5000 + "(1)",
    "sum-20000": "y = " + " + ".join(["1"] * 20_000),
}


@pytest.mark.parametrize("kind", sorted(_DEEP))
def test_deep_code_in_an_untagged_cell_does_not_stop_the_export(tmp_path: Path, kind: str) -> None:
    path = _notebook(tmp_path / "deep.ipynb", code(_DEEP[kind], 2))
    result = _cli(str(path), "--out", "pkg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # segfault (-11/139) or RecursionError before
    assert (tmp_path / "pkg" / "src" / "deep" / "core.py").is_file()


@pytest.mark.parametrize("kind", sorted(_DEEP))
def test_deep_code_in_a_tagged_cell_is_refused_with_the_reason(tmp_path: Path, kind: str) -> None:
    path = _notebook(tmp_path / "deep.ipynb", code(_DEEP[kind], 2, ["export"]))
    result = _cli(str(path), "--out", "pkg", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "deep.ipynb: cell 2" in result.stderr
    assert any(
        reason in result.stderr
        for reason in ("too deep to export", "too many nested parentheses", "too large to export")
    ), result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "pkg").exists()


def test_moderate_nesting_is_still_exported(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "nested.ipynb", code("y = " + "[" * 40 + "]" * 40, 2, ["export"]))
    result = _cli(str(path), "--out", "pkg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_notebook_of_20000_cells_with_one_tagged_exports_quickly(tmp_path: Path) -> None:
    cells = [code(f"v{i} = {i}\nprint(v{i})", i + 2) for i in range(20_000)]
    path = _notebook(tmp_path / "many.ipynb", *cells)
    started = time.perf_counter()
    result = export_notebook(path, tmp_path / "pkg")
    assert result.exit_code == 0, result.refusals
    assert time.perf_counter() - started < 60  # minutes before: every cell went through libcst


def test_a_cell_of_100000_lines(tmp_path: Path) -> None:
    long = "\n".join(f"y{i} = {i} * 2" for i in range(100_000))
    untagged = _notebook(tmp_path / "long.ipynb", code(long, 2))
    started = time.perf_counter()
    assert export_notebook(untagged, tmp_path / "pkg").exit_code == 0
    assert time.perf_counter() - started < 60
    tagged = _notebook(tmp_path / "long_tagged.ipynb", code(long, 2, ["export"]))
    result = export_notebook(tagged, tmp_path / "pkg2")
    assert result.exit_code == 2
    assert "cell too large to export (100,000 lines" in result.refusals[0].reason


def test_untagged_cells_are_never_parsed_by_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    import nbprod.export.source as source

    parsed: list[str] = []
    original = source.cst.parse_module

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(source.cst, "parse_module", spy)
    plan = plan_export(_nb(*(code(f"z{i} = {i}", i + 2) for i in range(50))), "pkg")
    assert not plan.refusals
    assert parsed and all(text == _DEF for text in parsed)  # never a `z = ...` cell


def test_a_lone_surrogate_in_a_tagged_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.ipynb"
    nb = {"nbformat": 4, "metadata": {}, "cells": [
        code("def f():\n    return 'x\ud800'", 1, ["export"])]}  # fmt: skip
    path.write_text(json.dumps(nb), encoding="ascii")
    result = _cli(str(path), "--out", "pkg", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "surrogate.ipynb: cell 1, line 2: cell contains a lone surrogate" in result.stderr
    assert not (tmp_path / "pkg").exists()


def test_a_lone_surrogate_in_a_heading_is_refused_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "heading.ipynb"
    nb = {"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Title \udfff"},
        code("total = 1 + 2", 1, ["export"])]}  # fmt: skip
    path.write_text(json.dumps(nb), encoding="ascii")
    result = _cli(str(path), "--out", "pkg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "# Title \ufffd" in (tmp_path / "pkg" / "README.md").read_text(encoding="utf-8")


def test_several_notebooks_one_with_a_bad_export_tag(tmp_path: Path) -> None:
    good = _notebook(tmp_path / "good.ipynb")
    bad = write_notebook(tmp_path / "bad.ipynb", [code(_DEF, 1, ["export:Bad"])])
    untagged = write_notebook(tmp_path / "plain.ipynb", [code("x = 1", 1)])
    result = _cli(str(good), str(bad), str(untagged), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "bad.ipynb: cell 1: tag 'export:Bad': 'Bad' is not a valid module name" in result.stderr
    assert (tmp_path / "good" / "src" / "good" / "core.py").is_file()
    assert "plain" not in result.stdout + result.stderr  # no export tags: skipped quietly


@pytest.mark.parametrize("where", ["file", "under-a-file"])
def test_out_pointing_at_a_file(tmp_path: Path, where: str) -> None:
    path = _notebook(tmp_path / "nb.ipynb")
    (tmp_path / "taken").write_text("mine")
    out = "taken" if where == "file" else "taken/pkg"
    result = _cli(str(path), "--out", out, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "nbprod: error: " in result.stderr and f"output directory {out}" in result.stderr
    assert (tmp_path / "taken").read_text() == "mine"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('module = "Bad-Name"', "module = 'Bad-Name' is not a valid module name"),
        ('package = "My Package"', "package = 'My Package' is not a valid package name"),
        ('module = "config"', "module 'config' is reserved"),
    ],
)
def test_bad_export_settings_are_one_line(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.nbprod.export]\n{table}\n")
    path = _notebook(tmp_path / "nb.ipynb")
    result = _cli(str(path), "--out", "pkg", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_tool_that_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("tool = 1\n")
    path = _notebook(tmp_path / "nb.ipynb")
    result = _cli(str(path), cwd=tmp_path)
    assert result.returncode == 2 and "'tool' must be a table" in result.stderr


def test_a_fifo_as_input_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.ipynb")
    result = _cli("pipe.ipynb", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "pipe.ipynb: not a regular file: a named pipe (FIFO)" in result.stderr


def test_a_missing_notebook_among_several(tmp_path: Path) -> None:
    good = _notebook(tmp_path / "good.ipynb")
    result = _cli("missing.ipynb", str(good), cwd=tmp_path)
    assert result.returncode == 2
    assert "missing.ipynb: no such file" in result.stderr
    assert (tmp_path / "good" / "src" / "good" / "core.py").is_file()


def test_the_export_time_limit(tmp_path: Path) -> None:
    cells = [code(f"def f{i}(x):\n    return x + {i}", i + 2, ["export"]) for i in range(400)]
    path = _notebook(tmp_path / "slow.ipynb", *cells)
    result = _cli(str(path), "--out", "pkg", "--timeout-per-file", "0.5", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "slow.ipynb: not exported: took longer than 0.5 s (timeout-per-file" in result.stderr
    assert not (tmp_path / "pkg").exists()


def test_the_export_memory_limit(tmp_path: Path) -> None:
    cells = [code(f"def f{i}(x):\n    return x + {i}", i + 2, ["export"]) for i in range(400)]
    path = _notebook(tmp_path / "big.ipynb", *cells)
    result = _cli(str(path), "--out", "pkg", "--memory-per-file", "20", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "big.ipynb: not exported: needed more than 20 MB of memory" in result.stderr


def test_an_internal_error_in_the_planner_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbprod.export.api as api

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'body'")

    monkeypatch.setattr(api, "plan_export", broken)
    result = export_notebook(_notebook(tmp_path / "nb.ipynb"), tmp_path / "pkg")
    assert result.exit_code == 2
    assert result.error == (
        "internal error in export: AttributeError: 'NoneType' object has no attribute 'body'"
        " (please report)"
    )
