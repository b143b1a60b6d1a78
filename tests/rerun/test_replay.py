"""``nbprod rerun`` end to end, with real kernels: one replay of several small notebooks
(the same options), whose report every test below reads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT

from .conftest import alive, by_file, cell, rerun, result, stdout, write

# A cell that starts a child process, notes its pid, then hangs: the timeout must kill both.
HANG = (
    "import subprocess, time\n"
    "child = subprocess.Popen(['sleep', '300'])\n"
    "open('child.pid', 'w').write(str(child.pid))\n"
    "time.sleep(300)"
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("batch")
    notebooks = [
        write(
            root / "clean.ipynb",
            cell("x = 21", 1),
            cell("print(x * 2)", 2, [stdout("42\n")]),
            cell("x / 7", 3, [result("3.0", 3)]),
            cell("import math\nmath.pi * 1e6", 4, [result("3141592.6535897935", 4)]),
            cell("class A: pass\nA()", 5, [result("<__main__.A at 0x7f00deadbeef>", 5)]),
            cell("print('done')"),  # never run when saved: nothing to compare
        ),
        write(
            root / "out_of_order.ipynb",
            cell("print(total)", 2, [stdout("6\n")]),
            cell("total = sum([1, 2, 3])", 1),
        ),
        write(
            root / "deleted.ipynb",
            cell("import math", 1),
            cell("df_clean = None\ndel df_clean", 2),
            cell("rows = 3\nprint(rows, df_clean)", 3, [stdout("3 []\n")]),
        ),
        write(
            root / "differs.ipynb",
            cell("print(sum(range(10)))", 1, [stdout("46\n")]),
            cell("print(0.1 + 0.2)", 2, [stdout("0.3000000000001\n")]),  # within rtol
            cell("import time\nstart = time.time()\nprint('took', round(time.time() - start, 3), 's')",
                 3, [stdout("took 12.5 s\n")]),  # fmt: skip
            cell("import warnings\nwarnings.warn('old')\nprint('ok')", 4,
                 [stdout("ok\n"), {"output_type": "stream", "name": "stderr", "text": "UserWarning: x\n"}]),  # fmt: skip
        ),
        write(
            root / "crash.ipynb",
            cell("print('before')", 1, [stdout("before\n")]),
            cell("import os\nos._exit(3)", 2),
            cell("print('never')", 3, [stdout("never\n")]),
        ),
        write(root / "asks.ipynb", cell("x = 1", 1), cell("name = input('Your name? ')", 2)),
        write(root / "hangs" / "hangs.ipynb", cell(HANG, 1), cell("print('after')", 2)),
    ]
    before = {p: p.read_bytes() for p in notebooks}
    out = root / "executed"
    started = time.monotonic()
    proc = rerun(*notebooks, "--timeout", "3", "--format", "json", "--output", out, "--jobs", "2")
    seconds = time.monotonic() - started
    return {
        "root": root,
        "proc": proc,
        "report": json.loads(proc.stdout),
        "before": before,
        "out": out,
        "seconds": seconds,
    }


def test_exit_code_is_1_with_findings_and_nothing_on_stderr(batch: dict[str, Any]) -> None:
    proc = batch["proc"]
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert batch["report"]["files_checked"] == 7
    assert batch["report"]["errors"] == []
    schema = json.loads((ROOT / "nbprod" / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(batch["report"], schema)


def test_an_in_order_notebook_reproduces(batch: dict[str, Any]) -> None:
    # numbers, an address and a never-run cell: no finding
    assert "clean.ipynb" not in by_file(batch["report"])


def test_out_of_order_cells_fail_from_scratch_with_the_static_cause(batch: dict[str, Any]) -> None:
    (finding,) = by_file(batch["report"])["out_of_order.ipynb"]
    assert finding["code"] == "NBP110"
    assert (finding["cell_index"], finding["line"], finding["column"]) == (0, 1, 7)
    assert finding["end_column"] == 12
    message = finding["message"]
    assert "NameError: name 'total' is not defined" in message
    assert "only defined in cell 2, which must run before cell 1" in message
    assert "the stored run did so" in message


def test_a_name_from_a_deleted_cell_is_named(batch: dict[str, Any]) -> None:
    (finding,) = by_file(batch["report"])["deleted.ipynb"]
    assert finding["code"] == "NBP110"
    assert (finding["cell_index"], finding["line"], finding["column"]) == (2, 2, 13)
    assert "df_clean" in finding["message"]


def test_differing_output_shows_a_short_diff_and_noise_is_masked(batch: dict[str, Any]) -> None:
    (finding,) = by_file(batch["report"])["differs.ipynb"]
    assert finding["code"] == "NBP111" and finding["cell_index"] == 0
    assert finding["message"].splitlines() == [
        "output differs from the stored one: stdout differs (stored → fresh run)",
        "    - 46",
        "    + 45",
    ]


def test_a_kernel_crash_is_a_finding_and_later_cells_do_not_run(batch: dict[str, Any]) -> None:
    (finding,) = by_file(batch["report"])["crash.ipynb"]
    assert finding["code"] == "NBP110" and finding["cell_index"] == 1
    assert "kernel died" in finding["message"] and "exit code 3" in finding["message"]


def test_input_fails_at_once_instead_of_waiting(batch: dict[str, Any]) -> None:
    (finding,) = by_file(batch["report"])["asks.ipynb"]
    assert finding["code"] == "NBP110"
    assert (finding["cell_index"], finding["line"], finding["column"]) == (1, 1, 8)
    assert "StdinNotImplementedError" in finding["message"]
    assert "asks for input" in finding["message"]


def test_a_timeout_kills_the_kernel_and_its_children(batch: dict[str, Any]) -> None:
    (finding,) = by_file(batch["report"])["hangs.ipynb"]
    assert finding["code"] == "NBP110" and finding["cell_index"] == 0
    assert "did not finish within --timeout (3 s)" in finding["message"]
    child = int((batch["root"] / "hangs" / "child.pid").read_text())  # cwd: the notebook's folder
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)


def test_the_originals_are_never_written(batch: dict[str, Any]) -> None:
    for path, content in batch["before"].items():
        assert path.read_bytes() == content


def test_output_saves_each_executed_copy(batch: dict[str, Any]) -> None:
    out: Path = batch["out"]
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*.ipynb"))
    assert names == sorted(str(p.relative_to(batch["root"])) for p in batch["before"])
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary files left
    executed = json.loads((out / "clean.ipynb").read_text())
    cells = executed["cells"]
    assert [c["execution_count"] for c in cells] == [1, 2, 3, 4, 5, 6]
    assert "".join(cells[1]["outputs"][0]["text"]) == "42\n"
    assert executed["metadata"]["language_info"]["name"] == "python"
    crashed = json.loads((out / "crash.ipynb").read_text())["cells"]
    assert "".join(crashed[0]["outputs"][0]["text"]) == "before\n"
    assert crashed[2]["outputs"] == [] and crashed[2]["execution_count"] is None  # did not run


def test_replay_of_seven_notebooks_stays_fast(batch: dict[str, Any]) -> None:
    # 7 kernels, 3 s of timeout: the overhead per notebook is what the benchmark measures
    assert batch["seconds"] < 75


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_replay_and_kills_the_kernel(tmp_path: Path, signum: int) -> None:
    nb = write(
        tmp_path / "slow.ipynb",
        cell("import os\nopen('kernel.pid', 'w').write(str(os.getpid()))\n" + HANG),
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), NBPROD_NO_PROGRESS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbprod.rerun", str(nb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "child.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        kernel = int((tmp_path / "kernel.pid").read_text())
        child = int((tmp_path / "child.pid").read_text())
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum
    assert "stopped; its kernels were killed" in err
    assert not alive(kernel) and not alive(child)
