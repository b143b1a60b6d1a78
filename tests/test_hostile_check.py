"""`nbprod check` on hostile input: one bad notebook costs one line, never a traceback or a hang.

Every case of issue 10 (found by fuzzing real notebooks and by a census of hostile
inputs), with its input generated here.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbprod.config import Settings
from nbprod.discovery import discover
from nbprod.engine import check_file, check_notebook_data
from nbprod.findings import Finding
from nbprod.notebook.load import load_notebook
from nbprod.reporters import FORMATS, reporter
from nbprod.results import FileResult
from nbprod.runner import Task, run
from tests.conftest import FIXTURES, ROOT, code, run_cli, write_notebook

ALL = Settings(select=("ALL",))


def _good(path: Path) -> Path:
    """A notebook with exactly one finding: NBP105 (undefined name)."""
    return write_notebook(
        path,
        [{"cell_type": "markdown", "metadata": {}, "source": "# Objective\n" + "word " * 12},
         code(f"print(undefined_{path.stem.replace('-', '_')})", 1)],
    )  # fmt: skip


def _nb(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": cells,
    }


def _output_cell(*outputs: dict[str, Any]) -> dict[str, Any]:
    cell = code("x = 1", 1)
    cell["outputs"] = list(outputs)
    return cell


def _cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbprod", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=timeout,
    )


def _python(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (which may patch nbprod, then call its CLI) in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=120,
    )


def _all_formats_render(results: list[FileResult]) -> dict[str, str]:
    rendered = {}
    for fmt in FORMATS:
        out = io.StringIO()
        reporter(fmt)(results, out, False)
        rendered[fmt] = out.getvalue()
        rendered[fmt].encode("utf-8")  # strict: a lone surrogate would raise here
    json.loads(rendered["json"])
    json.loads(rendered["sarif"])
    return rendered


# -- one crashing notebook does not sink the run ---------------------------------------

_PATCH_RULE = """
import os, signal, sys
from nbprod.rules.registry import rule_by_code_or_name
from nbprod.cli import main
rule = rule_by_code_or_name("NBP105")
original = rule.check
def check(self, nb):
    if "crash" in nb.filename:
        {action}
    return original(self, nb)
rule.check = check
sys.exit(main(sys.argv[1:] if len(sys.argv) > 1 else {argv!r}))
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_crashing_on_one_notebook_costs_that_notebook_one_line(
    tmp_path: Path, jobs: str
) -> None:
    for i in range(5):
        _good(tmp_path / f"good{i}.ipynb")
    _good(tmp_path / "crash.ipynb")
    script = _PATCH_RULE.format(
        action='raise RuntimeError("boom")', argv=["check", ".", "--jobs", jobs]
    )
    result = _python(script, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "crash.ipynb: error: internal error in rule NBP105: RuntimeError: boom (please report)"
        in result.stderr
    )
    for i in range(5):
        assert f"good{i}.ipynb:cell 2:1:7: NBP105" in result.stdout
    assert "5 of 5 files checked, 1 could not be read" in result.stdout


def test_a_worker_that_dies_costs_its_notebook_one_line(tmp_path: Path) -> None:
    for i in range(3):
        _good(tmp_path / f"good{i}.ipynb")
    _good(tmp_path / "crash.ipynb")
    script = _PATCH_RULE.format(
        action="os.kill(os.getpid(), signal.SIGSEGV)", argv=["check", ".", "--jobs", "2"]
    )
    result = _python(script, tmp_path)
    assert result.returncode == 2, result.stderr
    assert (
        "crash.ipynb: error: internal error: the worker process crashed (SIGSEGV)" in result.stderr
    )
    for i in range(3):
        assert f"good{i}.ipynb:cell 2:1:7: NBP105" in result.stdout


def test_internal_errors_in_process_and_in_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbprod.analysis import notebook as analysis

    paths = [_good(tmp_path / f"n{i}.ipynb") for i in range(5)]
    original = analysis.AnalyzedNotebook.__init__

    def broken(self: Any, nb: Any) -> None:
        if nb.filename.endswith("n3.ipynb"):
            raise KeyError("cells")
        original(self, nb)

    monkeypatch.setattr(analysis.AnalyzedNotebook, "__init__", broken)
    plain = Settings(timeout_per_file=0, memory_per_file=0)
    for jobs, settings in ((1, plain), (1, Settings()), (2, Settings())):
        tasks: list[Task] = [(p, p.name, settings) for p in paths]
        results = run(tasks, jobs)
        assert [r.filename for r in results] == [p.name for p in paths]  # order kept
        assert results[3].error == (
            "internal error in the analysis: KeyError: 'cells' (please report)"
        )
        assert all(
            len(r.findings) == 1 and r.error is None for i, r in enumerate(results) if i != 3
        )


# -- outputs, sources and JSON that used to raise -------------------------------------------


@pytest.mark.parametrize(
    "output",
    [
        {"output_type": "stream", "name": "stdout", "text": ["a", 1]},
        {"output_type": "stream", "name": "stdout", "text": 7},
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/plain": ["a", None]}},
        {"output_type": "execute_result", "data": {"text/html": [["nested"]], "text/plain": 3}},
        {"output_type": "display_data", "data": "not a bundle", "metadata": []},
        {"output_type": "error", "ename": None, "evalue": ["x", 2], "traceback": [1, None]},
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": "not a list"},
    ],
)  # fmt: skip
def test_outputs_holding_non_text_are_checked(output: dict[str, Any]) -> None:
    result = check_notebook_data(_nb([_output_cell(output)]), "out.ipynb", ALL)
    assert result.error is None


def test_secret_scan_still_reads_the_text_of_a_mixed_output_list() -> None:
    secret = {"output_type": "stream", "name": "stdout",
              "text": ["AWS_SECRET_ACCESS_KEY=", 1, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"]}  # fmt: skip
    result = check_notebook_data(_nb([_output_cell(secret)]), "out.ipynb", ALL)
    assert result.error is None


_DEEP = {
    "paren": lambda n: "x = " + "(" * n + "1" + ")" * n,
    "unclosed": lambda n: "x = " + "(" * n,
    "list": lambda n: "x = " + "[" * n + "]" * n,
    "unary": lambda n: "x = " + "-" * n + "1",
    "not": lambda n: "x = " + "not " * n + "y",
    "call": lambda n: "x = " + "f(" * n + ")" * n,
    "attribute": lambda n: "x = a" + ".b" * n,
    "binop": lambda n: "x = " + "+".join(["a"] * n),
    "subscript": lambda n: "x = a" + "[0]" * n,
    "call-chain": lambda n: "x = a" + "()" * n,
    "lambda": lambda n: "x = " + "lambda: " * n + "1",
    "if-expression": lambda n: "x = " + "1 if a else " * n + "1",
    # Python refuses more than 100 levels of indentation; the text grows as n**2
    "indent": lambda n: "".join(" " * i + "if x:\n" for i in range(min(n, 1000))) + "pass",
    "dict": lambda n: "x = " + "{1: " * n + "1" + "}" * n,
    # wrapper nodes the collector steps over: deeper trees than it counts
    "keyword": lambda n: "x = " + "f(a=" * n + "1" + ")" * n,
    "comprehension": lambda n: "x = " + "[a for a in " * n + "b" + "]" * n,
}


@pytest.mark.parametrize("depth", [150, 200, 201, 1000, 10_000, 50_000])
@pytest.mark.parametrize("kind", sorted(_DEEP))
def test_every_nesting_depth_is_checked_or_reported_as_nbp000(kind: str, depth: int) -> None:
    source = _DEEP[kind](depth)
    result = check_notebook_data(_nb([code(source, 1)]), "deep.ipynb", ALL)
    assert result.error is None
    codes = {f.code for f in result.findings}
    if depth > 200:
        assert "NBP000" in codes, (kind, depth)
    syntax = [f for f in result.findings if f.code == "NBP000"]
    assert all(
        f.message.startswith(("cell is not valid Python", "cell not checked: too large"))
        for f in syntax
    )


def test_unreasonably_deep_code_message_names_the_reason() -> None:
    result = check_notebook_data(_nb([code("x = " + "-" * 50_000 + "1", 1)]), "d.ipynb", ALL)
    (finding,) = [f for f in result.findings if f.code == "NBP000"]
    assert "nested too deeply" in finding.message


@pytest.mark.parametrize(
    "source",
    [
        "".join(f"y{i} = g(y{i - 1}, {i})\n" for i in range(20_000)),  # 20,001 lines
        "blob = '" + "x" * 600_000 + "'\n",  # one line over the characters limit
    ],
)
def test_a_generated_cell_too_large_to_analyse_is_reported_not_parsed(source: str) -> None:
    cells = [code("import os", 1), code(source, 2), code("print(os.sep)", 3)]
    result = check_notebook_data(_nb(cells), "huge.ipynb", ALL)
    assert result.error is None
    (finding,) = [f for f in result.findings if f.code == "NBP000"]
    assert finding.cell_index == 1
    assert finding.message.startswith("cell not checked: too large to analyse (")
    assert "limits are 20,000 lines and 524,288 characters" in finding.message


def test_a_large_cell_magic_body_is_not_reported_as_too_large() -> None:
    source = "%%writefile data.txt\n" + "row\n" * 30_000
    result = check_notebook_data(_nb([code(source, 1)]), "writefile.ipynb", ALL)
    assert result.error is None
    assert not [f for f in result.findings if f.code == "NBP000"]


def test_lone_surrogates_render_in_every_format(tmp_path: Path) -> None:
    error = {"output_type": "error", "ename": "\ud800", "evalue": "bad \udfff", "traceback": []}
    path = tmp_path / "surrogate.ipynb"
    path.write_text(json.dumps(_nb([_output_cell(error)])), encoding="ascii")  # \ud800 escapes
    result = check_file(path, ALL)
    assert result.error is None and any(f.code == "NBP107" for f in result.findings)
    rendered = _all_formats_render([result])
    assert "\\ud800" in rendered["text"]
    for fmt in FORMATS:
        cli = _cli("check", "--select", "NBP107", "--format", fmt, str(path))
        assert cli.returncode == 1, cli.stderr
        assert "Traceback" not in cli.stderr
    report = json.loads(_cli("check", "--select", "NBP107", "--format", "json", str(path)).stdout)
    assert "\\ud800" in report["findings"][0]["message"]  # escaped: valid Unicode


def test_reporters_escape_surrogates_in_file_names_and_errors() -> None:
    finding = Finding(
        "NBP105", "undefined-name", "'\udcff' is undefined", *_severity_area(),
        filename="bad\udcff.ipynb", cell_index=0, cell_id="\ud800", line=1, column=1,
        end_line=1, end_column=2,
    )  # fmt: skip
    results = [
        FileResult("bad\udcff.ipynb", [finding]),
        FileResult("err\ud800.ipynb", error="cannot read \udfff"),
        FileResult("skip\ud800.ipynb", skipped="language \ud800"),
    ]
    rendered = _all_formats_render(results)
    assert "bad\\udcff.ipynb" in rendered["text"]
    assert "err\\ud800.ipynb" in rendered["github"]


def _severity_area() -> tuple[Any, Any]:
    from nbprod.findings import ChecklistArea, Severity

    return Severity.WARNING, ChecklistArea.EXECUTION


def test_an_integer_longer_than_4300_digits_does_not_stop_the_file(tmp_path: Path) -> None:
    text = json.dumps(_nb([code("print(undefined)", 1)])).replace(
        '"execution_count": 1', '"execution_count": ' + "1" * 5000
    )
    path = tmp_path / "bigint.ipynb"
    path.write_text(text)
    result = check_file(path, ALL)
    assert result.error is None
    assert any(f.code == "NBP105" for f in result.findings)


# -- discovery: only regular files are read -------------------------------------------------


def test_a_fifo_inside_a_walked_folder_is_skipped_not_read(tmp_path: Path) -> None:
    _good(tmp_path / "good.ipynb")
    os.mkfifo(tmp_path / "pipe.ipynb")
    result = _cli("check", str(tmp_path), timeout=60)  # hung forever before
    assert result.returncode == 1, result.stderr
    assert "pipe.ipynb: skipped: not a regular file: a named pipe (FIFO); not read" in result.stderr
    assert "good.ipynb:cell 2" in result.stdout


def test_a_fifo_named_explicitly_is_an_error_not_no_such_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.ipynb")
    good = _good(tmp_path / "good.ipynb")
    result = _cli("check", str(tmp_path / "pipe.ipynb"), str(good), timeout=60)
    assert result.returncode == 2
    assert "pipe.ipynb: error: not a regular file: a named pipe (FIFO); not read" in result.stderr
    assert "no such file" not in result.stderr
    assert "good.ipynb:cell 2" in result.stdout


def test_load_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    from nbprod.notebook import NotebookError

    os.mkfifo(tmp_path / "pipe.ipynb")
    with pytest.raises(NotebookError, match="named pipe"):
        load_notebook(tmp_path / "pipe.ipynb")


def test_symlink_loops_inside_a_walked_folder(tmp_path: Path) -> None:
    _good(tmp_path / "good.ipynb")
    (tmp_path / "self.ipynb").symlink_to("self.ipynb")
    (tmp_path / "a.ipynb").symlink_to("b.ipynb")
    (tmp_path / "b.ipynb").symlink_to("a.ipynb")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)  # a directory loop: not followed
    (tmp_path / "dangling.ipynb").symlink_to("missing.ipynb")
    result = _cli("check", str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "self.ipynb: skipped: too many levels of symbolic links" in result.stderr
    assert "a.ipynb: skipped: too many levels of symbolic links" in result.stderr
    assert "dangling.ipynb: skipped: broken symbolic link" in result.stderr
    assert result.stdout.count("good.ipynb:cell 2") == 1


def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    name = folder + b"/caf\xe9.ipynb"
    with open(name, "wb") as handle:
        handle.write(json.dumps(_nb([code("print(undefined)", 1)])).encode())
    result = subprocess.run(
        [sys.executable, "-m", "nbprod", "check", "--select", "NBP105", str(tmp_path)],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8"},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert b"caf\\xe9.ipynb:cell 1:1:7: NBP105" in result.stdout
    for fmt in ("json", "sarif", "github"):
        other = subprocess.run(
            [sys.executable, "-m", "nbprod", "check", "--format", fmt, str(tmp_path)],
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert other.returncode == 1 and b"Traceback" not in other.stderr
        other.stdout.decode("utf-8")


def test_an_unreadable_folder_is_reported_and_the_rest_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _good(tmp_path / "good.ipynb")
    locked = tmp_path / "locked"
    locked.mkdir()
    _good(locked / "hidden.ipynb")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([tmp_path])
    assert found.files == [tmp_path / "good.ipynb"]
    (problem,) = found.problems
    assert problem.error and problem.reason == "cannot read directory: permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_with_real_permissions(tmp_path: Path) -> None:
    _good(tmp_path / "good.ipynb")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        result = _cli("check", str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2
    assert "locked: error: cannot read directory: permission denied" in result.stderr
    assert "good.ipynb:cell 2" in result.stdout


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("tool = 1\n", "'tool' must be a table, got the number 1"),
        ("[tool]\nnbprod = 'x'\n", "[tool.nbprod] must be a table, got a string"),
        ("[tool.nbprod.per-file-ignores]\n'*.ipynb' = ['NBP999']\n",
         "unknown rule selector 'NBP999'"),
        ("[tool.nbprod]\nmax-output-bytes = -1\n", "'max-output-bytes' must be 0 or more, got -1"),
        ("[tool.nbprod]\nmax-code-cells = true\n", "'max-code-cells' must be int, got True"),
        ("[tool.nbprod]\ntimeout-per-file = -5\n", "'timeout-per-file' must be 0 or more"),
        ("[tool.nbprod]\nmemory-per-file = 'lots'\n", "'memory-per-file' must be a number"),
        ("[tool.nbprod]\nignore = ['NBP1', 'nope']\n", "unknown rule selector 'nope'"),
    ],
)  # fmt: skip
def test_bad_configuration_is_one_line_and_exit_2(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    _good(tmp_path / "nb.ipynb")
    result = _cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_path_does_not_stop_the_others(tmp_path: Path) -> None:
    good = _good(tmp_path / "good.ipynb")
    result = _cli("check", str(tmp_path / "missing.ipynb"), str(good), str(tmp_path / "nodir"))
    assert result.returncode == 2
    assert "missing.ipynb: error: no such file or directory" in result.stderr
    assert "nodir: error: no such file or directory" in result.stderr
    assert "good.ipynb:cell 2:1:7: NBP105" in result.stdout


# -- git-ignored folders named on the command line ------------------------------------------


def _git_repo(path: Path, ignore: str) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / ".gitignore").write_text(ignore)


def test_a_git_ignored_folder_named_explicitly_is_checked(tmp_path: Path) -> None:
    _git_repo(tmp_path, "scratch/\n")
    (tmp_path / "scratch").mkdir()
    _good(tmp_path / "scratch" / "a.ipynb")
    _good(tmp_path / "kept.ipynb")
    named = _cli("check", "scratch", cwd=tmp_path)
    assert named.returncode == 1, named.stderr
    assert "scratch/a.ipynb:cell 2" in named.stdout
    walked = _cli("check", ".", cwd=tmp_path)
    assert "scratch/a.ipynb" not in walked.stdout and "kept.ipynb:cell 2" in walked.stdout


def test_a_folder_whose_notebooks_are_all_git_ignored_says_so(tmp_path: Path) -> None:
    _git_repo(tmp_path, "*.ipynb\n")
    (tmp_path / "nbs").mkdir()
    _good(tmp_path / "nbs" / "a.ipynb")
    _good(tmp_path / "nbs" / "b.ipynb")
    result = _cli("check", "nbs", cwd=tmp_path)
    assert result.returncode == 0
    assert (
        "nbprod: note: 2 notebooks under nbs are git-ignored (--no-respect-gitignore to include them)"
        in result.stderr
    )
    included = _cli("check", "--no-respect-gitignore", "nbs", cwd=tmp_path)
    assert included.returncode == 1 and included.stdout.count(": NBP105 [") == 2


def test_a_notebook_reached_by_several_paths_is_checked_once(tmp_path: Path) -> None:
    """Named directly, inside a named folder, through a folder link and as a file link:
    one notebook, one result (discovery compares real paths)."""
    (tmp_path / "nbs").mkdir()
    target = _good(tmp_path / "nbs" / "a.ipynb")
    (tmp_path / "linked").symlink_to(tmp_path / "nbs", target_is_directory=True)
    (tmp_path / "nbs" / "alias.ipynb").symlink_to(target)
    found = discover(
        [target, tmp_path / "nbs", tmp_path / "linked", tmp_path / "nbs" / ".." / "nbs"],
        respect_gitignore=False,
    )
    assert found.files == [target]
    assert found.problems == []


def test_git_ignored_notebooks_are_dropped_when_the_folder_is_named_through_a_link(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git_repo(repo, "scratch.ipynb\n")
    _good(repo / "scratch.ipynb")
    kept = _good(repo / "kept.ipynb")
    (tmp_path / "link").symlink_to(repo, target_is_directory=True)
    found = discover([tmp_path / "link"])
    assert [f.name for f in found.files] == [kept.name]


# -- nbformat 3: reproducible cell ids ---------------------------------------------------------


def test_nbformat3_cell_ids_are_the_same_on_every_run(tmp_path: Path) -> None:
    first = load_notebook(FIXTURES / "nbformat3.ipynb")
    second = load_notebook(FIXTURES / "nbformat3.ipynb")
    ids = [c.id for c in first.cells]
    assert ids == [c.id for c in second.cells]
    assert all(i is not None and len(i) == 8 for i in ids) and len(set(ids)) == len(ids)
    outputs = {
        fmt: [
            _cli("check", "--format", fmt, str(FIXTURES / "nbformat3.ipynb")).stdout
            for _ in range(2)
        ]
        for fmt in ("json", "sarif")
    }
    for fmt, (a, b) in outputs.items():
        assert a == b, fmt
    assert '"cell_id": "' + ids[0] in outputs["json"][0] or '"cell_id": "' in outputs["json"][0]


def test_nbformat3_ids_depend_on_the_content(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "nbformat3.ipynb").read_text())
    before = [c.id for c in load_notebook(FIXTURES / "nbformat3.ipynb").cells]
    data["worksheets"][0]["cells"].append(data["worksheets"][0]["cells"][0])
    (tmp_path / "v3.ipynb").write_text(json.dumps(data))
    after = [c.id for c in load_notebook(tmp_path / "v3.ipynb").cells]
    assert after[: len(before)] != before  # another file: other ids
    assert len(set(after)) == len(after)


# -- the per-file time and memory guard ------------------------------------------------------


def _many_cells(path: Path, count: int) -> Path:
    cells = [code(f"v{i} = v{i - 1} + 1\nprint(v{i})", i + 1) for i in range(count)]
    return write_notebook(path, cells)


def test_a_file_over_the_time_limit_costs_one_line(tmp_path: Path) -> None:
    _many_cells(tmp_path / "slow.ipynb", 30_000)  # about 2 s to check
    for i in range(3):
        _good(tmp_path / f"good{i}.ipynb")
    result = _cli("check", "--timeout-per-file", "0.3", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert (
        "slow.ipynb: error: not checked: took longer than 0.3 s (timeout-per-file" in result.stderr
    )
    assert result.stdout.count(": NBP105 [") == 3


def test_the_time_limit_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbprod]\ntimeout-per-file = 0.3\n")
    _many_cells(tmp_path / "slow.ipynb", 30_000)
    _good(tmp_path / "good.ipynb")
    result = _cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "took longer than 0.3 s" in result.stderr and "good.ipynb:cell 2" in result.stdout
    unlimited = _cli("check", "--timeout-per-file", "0", ".", cwd=tmp_path)
    assert "took longer" not in unlimited.stderr


def test_a_file_over_the_memory_limit_costs_one_line(tmp_path: Path) -> None:
    _many_cells(tmp_path / "big.ipynb", 30_000)  # a few hundred MB to analyse
    _good(tmp_path / "good.ipynb")
    result = _cli("check", "--memory-per-file", "40", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "big.ipynb: error: not checked: needed more than 40 MB of memory" in result.stderr
    assert "good.ipynb:cell 2" in result.stdout


def test_a_rule_that_never_returns_is_stopped(tmp_path: Path) -> None:
    for i in range(3):
        _good(tmp_path / f"good{i}.ipynb")
    _good(tmp_path / "crash.ipynb")
    script = _PATCH_RULE.format(
        action="while True: pass",
        argv=["check", ".", "--jobs", "1", "--timeout-per-file", "1"],
    )
    result = _python(script, tmp_path)
    assert result.returncode == 2
    assert "crash.ipynb: error: not checked: took longer than 1 s" in result.stderr
    assert result.stdout.count(": NBP105 [") == 3


def test_limit_options_are_validated(tmp_path: Path) -> None:
    for option, value in (("--timeout-per-file", "-1"), ("--memory-per-file", "x")):
        result = _cli("check", option, value, str(tmp_path))
        assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_folder_mixing_good_and_hostile_notebooks_reports_every_good_one(
    tmp_path: Path,
) -> None:
    for i in range(4):
        _good(tmp_path / f"good{i}.ipynb")
    hostile = {
        "deep.ipynb": json.dumps(_nb([code("x = " + "-" * 50_000 + "1", 1)])),
        "nested-json.ipynb": "[" * 100_000 + "]" * 100_000,
        "bigint.ipynb": json.dumps(_nb([code("x", 1)])).replace('"execution_count": 1', '"execution_count": ' + "9" * 5000),
        "outputs.ipynb": json.dumps(_nb([_output_cell({"output_type": "stream", "text": ["a", 1]})])),
        "surrogate.ipynb": json.dumps(_nb([_output_cell({"output_type": "error", "ename": "\ud800", "evalue": "", "traceback": []})])),
        "binary.ipynb": "\x00\xff",
        "empty.ipynb": "",
        "v5.ipynb": json.dumps({"nbformat": 5, "cells": []}),
    }  # fmt: skip
    for name, text in hostile.items():
        (tmp_path / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    os.mkfifo(tmp_path / "fifo.ipynb")
    (tmp_path / "loop.ipynb").symlink_to("loop.ipynb")
    for fmt in FORMATS:
        result = _cli("check", "--format", fmt, str(tmp_path), timeout=120)
        assert result.returncode == 2, (fmt, result.stderr)
        assert "Traceback" not in result.stderr
        for i in range(4):
            assert f"good{i}.ipynb" in result.stdout, fmt


def test_a_fifo_named_pyproject_toml_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pyproject.toml")
    _good(tmp_path / "nb.ipynb")
    result = _cli("check", "nb.ipynb", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "pyproject.toml: not a regular file (a named pipe (FIFO))" in result.stderr


@pytest.mark.parametrize("kind", ["unary", "attribute", "binop", "call-chain"])
def test_deep_code_beside_a_syntax_error_is_nbp000_too(kind: str) -> None:
    """An unparsable cell keeps the statements that parse alone: never a too-deep one."""
    source = "print 'python 2'\n" + _DEEP[kind](1000) + "\nz = 1"
    result = check_notebook_data(_nb([code(source, 1), code("print(z)", 2)]), "d.ipynb", ALL)
    assert result.error is None
    assert "NBP000" in {f.code for f in result.findings}


def test_output_json_nested_as_deep_as_the_parser_allows(tmp_path: Path) -> None:
    """Found by the fuzz suite: NBP502 measured output data recursively."""
    for depth in range(900, 1000, 3):
        data = {"application/json": 0}
        text = json.dumps(
            _nb([_output_cell({"output_type": "execute_result", "metadata": {}, "data": data})])
        ).replace('"application/json": 0', '"application/json": ' + "[" * depth + "]" * depth)
        path = tmp_path / "deep.ipynb"
        path.write_text(text)
        result = check_file(path, ALL)
        assert result.error is None or not result.error.startswith("internal error"), depth
