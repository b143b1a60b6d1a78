"""Options, usage errors and exit code 2 (no kernel needed, except where named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbprod.cli import main
from nbprod.rerun.replay import UsageError, _inject, _to_v4, parse_parameter
from nbprod.rerun.rules import RERUN_RULES
from nbprod.rules.registry import rule_by_code_or_name

from .conftest import cell, notebook_json, rerun, write


@pytest.mark.parametrize(
    "text, expected",
    [
        ("epochs=3", ("epochs", "3")),
        ("lr=1e-3", ("lr", "1e-3")),
        ("name=resnet", ("name", "'resnet'")),
        ("name='a b'", ("name", "'a b'")),
        ("flag=True", ("flag", "True")),
        ("sizes=[1, 2]", ("sizes", "[1, 2]")),
        ("empty=", ("empty", "''")),
        ("path=data/x.csv", ("path", "'data/x.csv'")),
    ],
)
def test_parameters_keep_python_literals_and_quote_the_rest(
    text: str, expected: tuple[str, str]
) -> None:
    assert parse_parameter(text) == expected


@pytest.mark.parametrize("text", ["epochs", "1x=2", "=3", "a.b=1"])
def test_bad_parameters_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_parameter(text)


def test_parameters_go_after_the_parameters_cell_and_indices_map_back() -> None:
    node = _to_v4(
        notebook_json(cell("import x"), cell("epochs = 10", tags=["parameters"]), cell("run()"))
    )
    mapping, note = _inject(node, [("epochs", "3")])
    assert note is None
    assert mapping == [0, 1, None, 2]
    assert node.cells[2].source == "# Parameters\nepochs = 3\n"
    assert node.cells[2].metadata["tags"] == ["injected-parameters"]


def test_without_a_parameters_cell_they_go_first_with_a_note() -> None:
    node = _to_v4(notebook_json(cell("print(1)")))
    mapping, note = _inject(node, [("a", "1")])
    assert mapping == [None, 0] and note is not None and "parameters" in note


def test_rules_are_documented_like_the_static_ones() -> None:
    for rule in RERUN_RULES:
        assert rule.missing_sections() == []
        assert rule.summary()
        assert rule.valid and rule.invalid
        assert rule_by_code_or_name(rule.code, RERUN_RULES) is rule
        assert rule_by_code_or_name(rule.name, RERUN_RULES) is rule
    assert [r.code for r in RERUN_RULES] == ["NBP110", "NBP111", "NBP112"]


def test_codes_do_not_clash_with_the_static_rules() -> None:
    from nbprod.rules.registry import all_rules

    static = {(r.code, r.name) for r in all_rules()}
    for rule in RERUN_RULES:
        assert all(rule.code != code and rule.name != name for code, name in static)


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "no notebook given"),
        (["missing.ipynb"], "missing.ipynb: error:"),
        (["nb.ipynb", "--parameters", "1x=2"], "NAME=VALUE"),
        (["nb.ipynb", "--select", "NBP104"], "selects none of the replay rules"),
        (["nb.ipynb", "--repeat", "0"], "between 1 and 10"),
        (["nb.ipynb", "--timeout", "-1"], "must be 0"),
        (["nb.ipynb", "--rtol", "x"], "invalid tolerance"),
        (["nb.ipynb", "--output", "nb.ipynb"], "is the notebook itself"),
        (["broken.ipynb"], "broken.ipynb: error: invalid JSON"),
        (["nb.ipynb", "--cwd", "nowhere"], "--cwd nowhere: not a directory"),
    ],
)
def test_usage_errors_and_unreadable_notebooks_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    write(tmp_path / "nb.ipynb", cell("print(1)"))
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    before = (tmp_path / "nb.ipynb").read_bytes()
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["rerun", *args])  # in-process: no kernel is started for any of these
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "nb.ipynb").read_bytes() == before


def test_the_module_entry_point_exits_2_on_a_usage_error(tmp_path: Path) -> None:
    proc = rerun(tmp_path / "missing.ipynb")
    assert proc.returncode == 2
    assert "missing.ipynb: error: no such file" in proc.stderr


def test_an_unknown_kernel_is_an_error_not_a_finding(tmp_path: Path) -> None:
    nb = write(tmp_path / "nb.ipynb", cell("print(1)"))
    proc = rerun(nb, "--kernel", "no-such-kernel", "--format", "json")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["findings"] == []
    assert "kernel 'no-such-kernel' could not be started" in report["errors"][0]["message"]


def test_docs_show_the_current_rule_catalog() -> None:
    from nbprod.rerun.rules import rerun_rules_markdown
    from tests.conftest import ROOT

    assert rerun_rules_markdown() in (ROOT / "docs" / "rerun.md").read_text(encoding="utf-8")


def test_select_and_ignore_pick_replay_rules() -> None:
    from nbprod.rerun.replay import RerunOptions, _enabled

    assert _enabled(RerunOptions(), ()) == {"NBP110", "NBP111", "NBP112"}
    assert _enabled(RerunOptions(ignore=("output-differs",)), ()) == {"NBP110", "NBP112"}
    assert _enabled(RerunOptions(select=("NBP11",), ignore=("NBP112",)), ()) == {"NBP110", "NBP111"}
    assert _enabled(RerunOptions(select=("NBP111",)), ("NBP1",)) == {"NBP111"}  # specific wins
    assert _enabled(RerunOptions(), ("ALL",)) == set()  # per-file-ignores


def test_python3_resolves_to_this_interpreter() -> None:
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable


def test_executed_copies_are_written_atomically(tmp_path: Path) -> None:
    from nbprod.rerun.replay import write_atomically

    target = tmp_path / "sub" / "out.ipynb"
    write_atomically(target, "first\n")
    target.chmod(0o640)
    write_atomically(target, "second\n")
    assert target.read_text() == "second\n"
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
    assert [p.name for p in target.parent.iterdir()] == ["out.ipynb"]


def test_output_is_a_file_for_one_notebook_and_a_folder_otherwise(tmp_path: Path) -> None:
    from nbprod.rerun.cli import _output_folder, _output_path

    a = write(tmp_path / "a" / "nb.ipynb", cell("1"))
    b = write(tmp_path / "b" / "nb.ipynb", cell("1"))
    assert _output_folder(tmp_path / "out.ipynb", [a], [a]) is None
    assert _output_path(tmp_path / "out.ipynb", a, None) == tmp_path / "out.ipynb"
    folder = _output_folder(tmp_path / "out", [a, b], [a, b])
    assert folder == tmp_path.resolve()
    assert _output_path(tmp_path / "out", b, folder) == tmp_path / "out" / "b" / "nb.ipynb"
    assert _output_folder(tmp_path / "out", [a], [tmp_path / "a"]) is not None  # a folder given


def test_a_python_notebook_whose_kernel_is_missing_runs_in_python3() -> None:
    from nbprod.rerun.replay import choose_kernel

    node = _to_v4(notebook_json(cell("1")))
    node.metadata["kernelspec"] = {"name": "conda-env-old-py", "language": "python"}
    kernel, note = choose_kernel(node, None, is_python=True)
    assert kernel == "python3" and note is not None and "conda-env-old-py" in note
    assert choose_kernel(node, "other", is_python=True) == ("other", None)  # --kernel wins
    assert choose_kernel(node, None, is_python=False) == ("conda-env-old-py", None)


@pytest.mark.parametrize(
    "ename, evalue, expected",
    [
        ("ModuleNotFoundError", "No module named 'xgboost'", "'xgboost' is not installed"),
        ("FileNotFoundError", "[Errno 2] No such file or directory: 'data/x.csv'",
         "'data/x.csv' does not exist relative to the notebook's folder"),
        ("FileNotFoundError", "[Errno 2] No such file or directory: '/Users/ann/x.csv'",
         "absolute path"),
        ("URLError", "<urlopen error [Errno -2] Name or service not known>", "needs the network"),
        ("StdinNotImplementedError", "raw_input was called", "asks for input"),
        ("NameError", "name 'model' is not defined", "only defined in cell 3"),
        ("NameError", "name 'ghost' is not defined", "defined in no cell"),
    ],
)  # fmt: skip
def test_likely_causes_of_a_failure(ename: str, evalue: str, expected: str) -> None:
    from nbprod.notebook.load import notebook_from_data
    from nbprod.rerun.causes import StaticFacts

    data = notebook_json(cell("import os", 1), cell("model.fit(ghost)", 3), cell("model = 1", 2))
    facts = StaticFacts(notebook_from_data(data, "nb.ipynb"))
    cause = facts.failure_cause(1, ename, evalue)
    assert cause is not None and expected in cause, cause


def test_a_notebook_with_no_code_to_run_needs_no_kernel(tmp_path: Path) -> None:
    import asyncio
    import time

    from nbprod.rerun.replay import RerunOptions, replay

    stored = [{"output_type": "stream", "name": "stdout", "text": "kept\n"}]
    nb = write(tmp_path / "empty.ipynb", cell("", 1, stored), cell("  \n", 2))
    started = time.monotonic()
    outcome = asyncio.run(replay(nb, "empty.ipynb", RerunOptions(kernel="no-such-kernel")))
    assert time.monotonic() - started < 2
    assert outcome.result.error is None
    assert outcome.result.findings == []  # an empty cell is never run, so never compared


def test_a_notebook_in_another_language_without_its_kernel_is_skipped(tmp_path: Path) -> None:
    import asyncio

    from nbprod.rerun.replay import RerunOptions, replay

    data = notebook_json(cell("x <- 1"))
    data["metadata"] = {
        "kernelspec": {"name": "ir", "language": "R"},
        "language_info": {"name": "R"},
    }
    nb = tmp_path / "r.ipynb"
    nb.write_text(json.dumps(data), encoding="utf-8")
    outcome = asyncio.run(replay(nb, "r.ipynb", RerunOptions()))
    assert outcome.result.skipped == "its kernel 'ir' (R) is not installed here"


@pytest.mark.parametrize(
    "source, shell",
    [("!ls", True), ("files = !ls", True), ("%pip install x", True), ("%%bash\nls", True),
     ("  !wget x", True), ("%%writefile a.py\nx = 1", True), ("print(1)", False),
     ("x = 1  # !", False), ("a != b", False), ("x = a!=b", False)],
)  # fmt: skip
def test_cells_running_shell_commands_are_recognised(source: str, shell: bool) -> None:
    from nbprod.rerun.replay import runs_shell

    assert runs_shell(source) is shell
