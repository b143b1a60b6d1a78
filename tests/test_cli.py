"""The command line as users run it: real processes, real files, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .conftest import FIXTURES, code, run_cli, write_notebook


def _messy(path: Path) -> Path:
    return write_notebook(path, [code("print(df); y = 1", 2), code("df = 1", 1)])


def _project(tmp_path: Path) -> Path:
    """A project whose pyproject selects only the hidden-state rules these tests are about."""
    (tmp_path / "pyproject.toml").write_text('[tool.nbprod]\nselect = ["NBP0", "NBP1"]\n')
    return tmp_path


def test_clean_notebook_exits_zero(tmp_path: Path) -> None:
    _project(tmp_path)
    write_notebook(tmp_path / "ok.ipynb", [code("x = 1", 1), code("print(x)", 2)])
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed (1 file checked)." in result.stdout


def test_findings_exit_one_in_ruff_style(tmp_path: Path) -> None:
    nb = _messy(_project(tmp_path) / "messy.ipynb")
    result = run_cli("check", str(nb))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        f"{nb}:cell 1:1:7: NBP104 [use-before-definition] 'df' is used here but only defined in cell 2"
        in lines
    )
    assert lines[-1].startswith("Found 2 findings in 1 of 1 file checked:")
    assert "NBP101 ×1" in lines[-1] and "\x1b[" not in result.stdout


def test_exit_zero_and_color_always(tmp_path: Path) -> None:
    nb = _messy(tmp_path / "messy.ipynb")
    result = run_cli("check", "--exit-zero", "--color", "always", str(nb))
    assert result.returncode == 0
    assert "\x1b[31m" in result.stdout


def test_unreadable_file_exits_two_and_others_are_still_checked(tmp_path: Path) -> None:
    (tmp_path / "a_broken.ipynb").write_text('{"nbformat": 4, "cells": [')
    (tmp_path / "b_garbage.ipynb").write_bytes(b"\xff\xfe\x00garbage")
    _messy(tmp_path / "c_messy.ipynb")
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ": error: " in ln]
    assert len(errors) == 2 and "a_broken.ipynb: error: truncated JSON" in errors[0]
    assert "c_messy.ipynb:cell 1:1:7: NBP104" in result.stdout
    assert "2 could not be read" in result.stdout


def test_non_python_notebook_is_skipped_once(tmp_path: Path) -> None:
    result = run_cli("check", str(FIXTURES / "r_kernel.ipynb"))
    assert result.returncode == 0
    assert result.stderr.count("skipped: kernel language is 'R', not Python") == 1


def test_nbformat3_is_checked(tmp_path: Path) -> None:
    result = run_cli("check", "--select", "NBP1", str(FIXTURES / "nbformat3.ipynb"))
    assert result.returncode == 1
    assert "NBP101" in result.stdout and "'diameter' is not defined in any cell" in result.stdout


def test_select_ignore_by_code_prefix_and_name(tmp_path: Path) -> None:
    nb = _messy(tmp_path / "messy.ipynb")
    only = run_cli("check", "--select", "use-before-definition", str(nb))
    assert "NBP104" in only.stdout and "NBP101" not in only.stdout
    prefix = run_cli("check", "--select", "NBP10", "--ignore", "NBP104,NBP103", str(nb))
    assert "NBP101" in prefix.stdout and "NBP104" not in prefix.stdout
    none = run_cli("check", "--select", "NBP1", "--ignore", "NBP1", str(nb))
    assert none.returncode == 0
    everything_but = run_cli(
        "check", "--format", "json", "--select", "ALL", "--ignore", "NBP1", str(nb)
    )
    assert not any(
        f["code"].startswith("NBP1") for f in json.loads(everything_but.stdout)["findings"]
    )


def test_unknown_selector_is_a_usage_error(tmp_path: Path) -> None:
    nb = _messy(tmp_path / "messy.ipynb")
    result = run_cli("check", "--select", "NBP9999", str(nb))
    assert result.returncode == 2
    assert "unknown rule selector 'NBP9999'" in result.stderr


def test_missing_path_and_bad_option_are_usage_errors(tmp_path: Path) -> None:
    assert run_cli("check", str(tmp_path / "nope.ipynb")).returncode == 2
    assert run_cli("check", "--format", "xml", str(tmp_path)).returncode == 2
    assert run_cli("check", "--jobs", "0", str(tmp_path)).returncode == 2


def test_pyproject_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nbprod]\nselect = ["NBP1"]\nignore = ["NBP101"]\n'
        '[tool.nbprod.per-file-ignores]\n"legacy/*.ipynb" = ["NBP1"]\n'
    )
    (tmp_path / "legacy").mkdir()
    _messy(tmp_path / "messy.ipynb")
    _messy(tmp_path / "legacy" / "old.ipynb")
    result = run_cli("check", ".", cwd=tmp_path)
    assert "NBP104" in result.stdout and "NBP101" not in result.stdout
    assert "old.ipynb" not in result.stdout


def test_bad_configuration_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbprod]\nselcet = ['NBP1']\n")
    _messy(tmp_path / "messy.ipynb")
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "unknown option(s) in [tool.nbprod]: selcet" in result.stderr


def test_suppression_comment_tag_and_metadata(tmp_path: Path) -> None:
    cells = [
        code("print(df)  # nbprod: ignore[NBP104]", 1),
        code("print(model)  # noqa: NBP104", 2),
        code("print(seed)", 3, tags=["nbprod-ignore:use-before-definition"]),
        code("print(rate)", 4),
        code("df = model = seed = rate = 1", 5),
    ]
    nb = write_notebook(tmp_path / "s.ipynb", cells)
    result = run_cli("check", "--select", "NBP104", str(nb))
    assert result.stdout.count("NBP104") == 2  # the summary line names it once
    assert "'rate'" in result.stdout
    write_notebook(tmp_path / "s.ipynb", cells, nbprod={"ignore": ["NBP104"]})
    assert run_cli("check", "--select", "NBP104", str(nb)).returncode == 0


def test_directory_walk_skips_checkpoints_venvs_and_gitignored(tmp_path: Path) -> None:
    for rel in [
        "a.ipynb",
        "sub/b.ipynb",
        ".ipynb_checkpoints/a-checkpoint.ipynb",
        "env/c.ipynb",
        "out/d.ipynb",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        _messy(tmp_path / rel)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("out/\n")
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    files = {f["filename"] for f in json.loads(result.stdout)["findings"]}
    assert files == {"a.ipynb", "sub/b.ipynb"}
    explicit = run_cli("check", "--format", "json", "out/d.ipynb", cwd=tmp_path)
    assert json.loads(explicit.stdout)["files_checked"] == 1


def test_jobs_give_the_same_result_as_one_process(tmp_path: Path) -> None:
    for i in range(12):
        _messy(tmp_path / f"nb{i:02}.ipynb")
    (tmp_path / "nb05.ipynb").write_text("not json")
    one = run_cli("check", "--format", "json", "--jobs", "1", str(tmp_path))
    many = run_cli("check", "--format", "json", "--jobs", "4", str(tmp_path))
    assert one.returncode == many.returncode == 2
    assert json.loads(one.stdout) == json.loads(many.stdout)


def test_rules_and_explain() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0
    assert any(ln.startswith("NBP104  use-before-definition") for ln in listing.stdout.splitlines())
    explain = run_cli("explain", "NBP104")
    assert "## Why is this bad?" in explain.stdout and "Restart & Run All" in explain.stdout
    assert run_cli("explain", "use-before-definition").stdout == explain.stdout
    assert run_cli("explain", "NBP999").returncode == 2


def test_github_and_sarif_formats(tmp_path: Path) -> None:
    nb = _messy(tmp_path / "messy.ipynb")
    github = run_cli("check", "--format", "github", str(nb)).stdout.splitlines()
    assert any(
        ln.startswith("::error file=")
        and "title=NBP104 [use-before-definition]::cell 1, line 1:" in ln
        for ln in github
    )
    sarif = json.loads(run_cli("check", "--format", "sarif", str(nb)).stdout)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"NBP101", "NBP104"}
    result = next(r for r in run["results"] if r["ruleId"] == "NBP104")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1 and region["startColumn"] == 7
    assert result["properties"]["cell_index"] == 0


def test_python_dash_m_and_console_script_agree(tmp_path: Path) -> None:
    import shutil
    import sys

    script = Path(sys.executable).parent / "nbprod"
    if not script.exists():
        script = Path(shutil.which("nbprod") or "nbprod")
    nb = _messy(tmp_path / "messy.ipynb")
    via_script = subprocess.run([str(script), "check", str(nb)], capture_output=True, text=True)
    assert via_script.stdout == run_cli("check", str(nb)).stdout


def test_statistics_counts_findings_per_rule(tmp_path: Path) -> None:
    _project(tmp_path)
    _messy(tmp_path / "a.ipynb")
    _messy(tmp_path / "b.ipynb")
    result = run_cli("check", "--statistics", str(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["2", "NBP101", "[out-of-order-execution]"]
    assert lines[1].split() == ["2", "NBP104", "[use-before-definition]"]
    assert lines[-1].startswith("Found 4 findings")


def test_progress_bar_and_colour_only_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import sys

    _project(tmp_path)
    for i in range(25):
        _messy(tmp_path / f"nb{i:02}.ipynb")
    primary, secondary = pty.openpty()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "nbprod", "check", "--jobs", "2", str(tmp_path)],
        stdout=secondary, stderr=secondary, env=env, timeout=120,
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    shown = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "25/25 notebooks" in shown and "\x1b[31m" in shown
    piped = run_cli("check", str(tmp_path))
    assert "notebooks" not in piped.stderr and "\x1b[" not in piped.stdout


def test_settings_follow_edits_to_pyproject(tmp_path: Path) -> None:
    """A long-running process (the Jupyter server) must see configuration edits."""
    import os

    from nbprod.config import load_settings

    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.nbprod]\nignore = ["NBP101"]\n')
    nb = _messy(tmp_path / "a.ipynb")
    assert load_settings(nb).ignore == ("NBP101",)
    config.write_text('[tool.nbprod]\nignore = ["NBP102"]\n')
    os.utime(config, ns=(1, 10**18))  # a different modification time, whatever the clock
    assert load_settings(nb).ignore == ("NBP102",)


def test_closed_pipe_gives_no_traceback(tmp_path: Path) -> None:
    import shutil
    import sys

    # more output than a pipe buffers, so the writer really meets the closed pipe
    cells = [code(f"print(undefined_{i})", i + 1) for i in range(1500)]
    write_notebook(tmp_path / "big.ipynb", cells)
    script = Path(sys.executable).parent / "nbprod"
    if not script.exists():
        script = Path(shutil.which("nbprod") or "nbprod")
    pipeline = f"'{script}' check --jobs 1 '{tmp_path}' | head -1"
    result = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, timeout=120)
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
