"""--repeat (NBP112), --parameters, --allow-errors, the report formats and suppression,
with real kernels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.reporters import reporter
from nbprod.results import FileResult

from .conftest import by_file, cell, rerun, stdout, write


def test_unseeded_numpy_output_differs_between_two_runs(tmp_path: Path) -> None:
    nb = write(
        tmp_path / "random.ipynb",
        cell("import numpy as np", 1),
        cell("sample = np.random.rand(3)", 2),
        cell("print(sample.round(6))", 3, [stdout("[0.1 0.2 0.3]\n")]),
        cell("rng = np.random.default_rng(0)\nprint(rng.random())", 4, [stdout("0.6369616873214543\n")]),
    )  # fmt: skip
    proc = rerun(nb, "--repeat", "2", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    (finding,) = by_file(json.loads(proc.stdout))["random.ipynb"]
    # reported once, as nondeterministic, not also as differing from the stored output
    assert finding["code"] == "NBP112" and finding["cell_index"] == 2
    first, *diff = finding["message"].splitlines()
    assert "`np.random.rand` (cell 2, line 1) draws from a generator no cell seeds" in first
    assert first.endswith("stdout differs (run 1 → run 2)")
    assert diff[0].startswith("    - [") and diff[1].startswith("    + [")


def test_parameters_allowed_errors_and_suppression(tmp_path: Path) -> None:
    nb = write(
        tmp_path / "params.ipynb",
        cell("epochs = 10\nname = 'base'", 1, tags=["parameters"]),
        cell("print(epochs, name)", 2, [stdout("10 base\n")]),
        cell("1 / 0", 3, [
            {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
             "traceback": []}
        ], tags=["raises-exception"]),  # fmt: skip
        cell("raise ValueError('bad value')", 4, [
            {"output_type": "error", "ename": "ValueError", "evalue": "bad value", "traceback": []}
        ]),  # fmt: skip
        cell("print(epochs * 2)  # noqa: NBP111", 5, [stdout("20\n")]),
    )
    out = tmp_path / "out.ipynb"
    proc = rerun(
        nb, "-p", "epochs=3", "name=tuned", "--allow-errors", "--format", "json", "-o", out
    )
    assert proc.returncode == 1, proc.stderr
    findings = by_file(json.loads(proc.stdout))["params.ipynb"]
    assert [(f["code"], f["cell_index"]) for f in findings] == [("NBP111", 1)]
    assert findings[0]["message"].splitlines()[1:] == ["    - 10 base", "    + 3 tuned"]
    executed = json.loads(out.read_text())["cells"]
    assert executed[1]["metadata"]["tags"] == ["injected-parameters"]
    assert "".join(executed[1]["source"]) == "# Parameters\nepochs = 3\nname = 'tuned'\n"


def test_cwd_is_the_kernels_working_directory(tmp_path: Path) -> None:
    nb = write(
        tmp_path / "nb.ipynb",
        cell("import os\nprint(os.path.basename(os.getcwd()))", 1, [stdout("elsewhere\n")]),
        cell("print(1)", 2, [stdout("2\n")]),
    )
    (tmp_path / "elsewhere").mkdir()
    proc = rerun(nb, "--cwd", tmp_path / "elsewhere", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["code"], f["cell_index"]) for f in findings] == [("NBP111", 1)]


def test_sarif_describes_the_replay_rules(tmp_path: Path) -> None:
    nb = write(tmp_path / "nb.ipynb", cell("print(undefined_thing)", 1))
    proc = rerun(nb, "--format", "sarif", "--exit-zero")
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    (result,) = run["results"]
    assert result["ruleId"] == "NBP110" and rules[result["ruleIndex"]] == "NBP110"
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startColumn"] == 7


def test_text_and_github_reporters_print_replay_findings(tmp_path: Path) -> None:
    import io

    finding = Finding(
        "NBP111", "output-differs", "output differs: stdout differs\n    - 46\n    + 45",
        Severity.WARNING, ChecklistArea.EXECUTION, "nb.ipynb", 0, "c0", 1, 1, 1, 22,
    )  # fmt: skip
    results = [FileResult("nb.ipynb", [finding])]
    text, github = io.StringIO(), io.StringIO()
    reporter("text")(results, text, False)
    reporter("github")(results, github, False)
    assert text.getvalue().startswith("nb.ipynb:cell 1:1:1: NBP111 [output-differs] output")
    assert "    - 46\n    + 45\n" in text.getvalue()
    assert github.getvalue().startswith("::warning file=nb.ipynb,title=NBP111 [output-differs]::")
    assert "%0A    - 46" in github.getvalue()


def test_a_runaway_print_loop_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import nbprod.rerun.execute as execute
    from nbprod.rerun.replay import RerunOptions, replay

    monkeypatch.setattr(execute, "MAX_OUTPUT_BYTES", 1 << 20)
    nb = write(tmp_path / "flood.ipynb", cell("while True:\n    print('x' * 1000)"), cell("1"))
    outcome = asyncio.run(replay(nb, "flood.ipynb", RerunOptions(timeout=60)))
    (finding,) = outcome.result.findings
    assert finding.code == "NBP110" and finding.cell_index == 0
    assert "output passed 1 MB" in finding.message


def test_a_cell_that_fails_in_one_run_only_is_nondeterministic(tmp_path: Path) -> None:
    # the second run finds the file the first one wrote: a failure only run 2 sees
    nb = write(
        tmp_path / "flaky.ipynb",
        cell("import os\nif os.path.exists('ran'):\n    raise RuntimeError('second time')\n"
             "open('ran', 'w').close()", 1),  # fmt: skip
    )
    proc = rerun(nb, "--repeat", "2", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["code"] == "NBP112"
    assert finding["message"] == "fails in run 2 but not in run 1: RuntimeError: second time"


def test_the_total_timeout_stops_a_run(tmp_path: Path) -> None:
    nb = write(
        tmp_path / "long.ipynb", cell("import time\ntime.sleep(0.1)"), cell("time.sleep(60)")
    )
    proc = rerun(nb, "--timeout", "30", "--total-timeout", "5", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["code"] == "NBP110" and finding["cell_index"] == 1
    assert "the run took longer than --total-timeout (5 s)" in finding["message"]


def test_shell_output_is_not_compared_and_an_unknown_magic_fails(tmp_path: Path) -> None:
    import asyncio

    from nbprod.rerun.replay import RerunOptions, replay

    nb = write(
        tmp_path / "magic.ipynb",
        cell("!echo fresh", 1, [stdout("stale\n")]),
        cell("%%nosuchmagic\nSELECT 1", 2),
    )
    outcome = asyncio.run(replay(nb, "magic.ipynb", RerunOptions(timeout=30)))
    (finding,) = outcome.result.findings  # a UsageError has no error output, only a reply
    assert finding.code == "NBP110" and finding.cell_index == 1
    assert "UsageError: Cell magic `%%nosuchmagic` not found" in finding.message
    assert "`%load_ext`" in finding.message
