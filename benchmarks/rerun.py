"""Overhead of ``nbprod rerun`` beyond a notebook's own run time (issue 16: goal ≤ 2 s).

For corpus notebooks that need no network, no data files and only installed modules
(chosen statically: Python kernel, every import resolvable here, no file reads or
writes, no URLs, no shell escapes or ``%pip``, no ``input()``), each notebook is replayed
in-process exactly as ``nbprod rerun`` does (fresh kernel, compare, static causes) and
the time is split into:

- **cells**: time spent inside cells (the notebook's own run time);
- **overhead**: everything else: kernel start and stop, kernel_info, comparison of every
  output, the static analysis behind the messages.

A second figure is a whole ``python -m nbprod.rerun`` process on a one-cell notebook
(interpreter start, imports, kernel start, report): the fixed cost of one invocation.

    python benchmarks/rerun.py [--limit 100] [--timeout 60]

Without ../shared/corpus it prints a skip message and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "notebooks"
sys.path.insert(0, str(ROOT))

_URL = re.compile(r"https?://|ftp://|s3://|gs://")
_BLOCKED = ("input(", "getpass", "os.system", "subprocess", "download", "wget", "curl",
            "load_dataset", "fetch_", "urlopen", "requests.", ".cuda", "tf.data", "datasets.")  # fmt: skip


def runnable(path: Path) -> tuple[bool, str]:
    """Whether the notebook can run here without network or data (a static guess)."""
    from nbprod.analysis import AnalyzedNotebook
    from nbprod.notebook.load import NotebookError, load_notebook

    try:
        nb = load_notebook(path)
    except NotebookError as exc:
        return False, str(exc)
    if not nb.is_python or not nb.code_cells:
        return False, "not Python"
    if len(nb.code_cells) > 80:
        return False, "too long"
    analyzed = AnalyzedNotebook(nb)
    for facts in analyzed.cells:
        source = facts.cell.source
        if facts.syntax_error is not None:
            return False, "syntax error"
        if _URL.search(source) or any(b in source for b in _BLOCKED):
            return False, "network, data or input"
        if any(line.lstrip().startswith("!") for line in source.split("\n")):
            return False, "shell escape"
        if any(
            m.name in ("pip", "conda", "sh", "bash", "system", "load_ext", "run")
            for m in facts.magics
        ):
            return False, "magic"
    for module in {q.split(".")[0] for q in analyzed.imports.values()}:
        if not module or importlib.util.find_spec(module) is None:
            return False, f"needs {module}"
    if analyzed.file_accesses:
        return False, "reads or writes files"
    return True, ""


def replay_one(path: Path, timeout: float) -> dict[str, float | str]:
    from nbprod.rerun.replay import RerunOptions, replay

    with tempfile.TemporaryDirectory(prefix="nbprod-bench-") as folder:
        copy = Path(folder) / path.name  # runs in a scratch folder: nothing it writes stays
        shutil.copy(path, copy)
        options = RerunOptions(timeout=timeout, total_timeout=timeout * 3)
        started = time.monotonic()
        outcome = asyncio.run(replay(copy, path.name, options))
        wall = time.monotonic() - started
    run = outcome.runs[0] if outcome.runs else None
    cells = run.cell_seconds if run else 0.0
    codes = ",".join(sorted({f.code for f in outcome.result.findings})) or "-"
    return {
        "wall": wall,
        "cells": cells,
        "overhead": wall - cells,
        "startup": run.startup_seconds if run else 0.0,
        "findings": codes,
        "error": outcome.result.error or "",
    }


def process_cost(repeat: int = 3) -> float:
    with tempfile.TemporaryDirectory(prefix="nbprod-bench-") as folder:
        nb = Path(folder) / "one.ipynb"
        nb.write_text(json.dumps({
            "nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}},
            "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None,
                       "outputs": [], "source": "x = 1"}],
        }))  # fmt: skip
        times = []
        for _ in range(repeat):
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "nbprod.rerun", str(nb)], capture_output=True)
            times.append(time.monotonic() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=100, help="notebooks to replay (default 100)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-cell timeout (s)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent (the corpus is only beside the developers' checkout)")
        return 0
    try:
        import nbclient  # noqa: F401
    except ImportError:
        print("skipped: nbclient is not installed (pip install -e '.[rerun]')")
        return 0
    chosen: list[Path] = []
    reasons: dict[str, int] = {}
    for path in sorted(CORPUS.glob("*.ipynb")):
        ok, why = runnable(path)
        if ok:
            chosen.append(path)
        else:
            key = why if not why.startswith("needs ") else "needs a module not installed here"
            reasons[key] = reasons.get(key, 0) + 1
    print(f"{len(chosen)} of {len(list(CORPUS.glob('*.ipynb')))} corpus notebooks need no network,"
          f" data or missing module; replaying {min(len(chosen), args.limit)}")  # fmt: skip
    print("left out: " + ", ".join(f"{k} ×{v}" for k, v in sorted(reasons.items())))
    rows = []
    print(
        f"\n| notebook | cells s | overhead s | kernel start s | findings |\n|---|---|---|---|---|"
    )
    for path in chosen[: args.limit]:
        row = replay_one(path, args.timeout)
        rows.append(row)
        name = path.name if len(path.name) < 60 else path.name[:57] + "..."
        extra = f" (error: {row['error']})" if row["error"] else ""
        print(f"| {name} | {row['cells']:.2f} | {row['overhead']:.2f} | {row['startup']:.2f} |"
              f" {row['findings']}{extra} |", flush=True)  # fmt: skip
    if rows:
        kernels = [float(r["overhead"]) for r in rows if float(r["startup"]) > 0]
        if kernels:
            print(f"\nwith a kernel ({len(kernels)} notebooks; the others have no code to run):"
                  f" overhead median {statistics.median(kernels):.2f} s,"
                  f" max {max(kernels):.2f} s")  # fmt: skip
        overheads = [float(r["overhead"]) for r in rows]
        print(f"overhead per notebook: median {statistics.median(overheads):.2f} s,"
              f" max {max(overheads):.2f} s (goal ≤ 2 s: {'met' if max(overheads) <= 2 else 'NOT met'})")  # fmt: skip
    print(
        f"one `python -m nbprod.rerun` process on a one-cell notebook: {process_cost():.2f} s (median of 3)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
