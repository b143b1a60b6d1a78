"""Whole-process timings of nbprod beside a json.load floor and ruff, on both corpora.

Every command runs as a fresh process (start-up and imports included), the way a user or
pre-commit runs it; each row is the median of several runs. Sections:

- throughput: ../shared/corpus and ../shared/corpus-heavy — json.load floor, `ruff check`
  (the peer, native notebook support), `nbprod check` cold on 1 core and on all cores,
  and warm (unchanged files, result cache) when this nbprod has a cache;
- export: `nbprod export` of the biggest notebooks, per 100 code cells, with every code cell
  tagged (always refused: the planning alone) and tagged as a person would;
- scaling: generated notebooks growing one dimension at a time (cells, lines in one cell,
  output bytes, nesting), with wall time and the process's peak memory.

    python benchmarks/run.py [--repeat 5] [--only throughput,export,scaling]

Without ../shared the corpus sections print a skip message; scaling always runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = {
    "corpus": SHARED / "corpus" / "notebooks",
    "corpus-heavy": SHARED / "corpus-heavy" / "notebooks",
}
FLOOR = (
    "import json, sys\nfor p in sys.argv[1:]:\n    with open(p, 'rb') as f:\n        json.load(f)\n"
)
# What any Python linter built on CPython's own parser pays: read, decode and parse.
PARSE_FLOOR = (
    "import ast, json, sys, warnings\nwarnings.simplefilter('ignore')\n"
    "for p in sys.argv[1:]:\n    with open(p, 'rb') as f:\n        nb = json.load(f)\n"
    "    for c in nb.get('cells', []):\n        if c.get('cell_type') == 'code':\n"
    "            s = c.get('source', '')\n            s = ''.join(s) if isinstance(s, list) else s\n"
    "            try:\n                ast.parse(s)\n            except (SyntaxError, ValueError):\n"
    "                pass\n"
)
NBPROD = [sys.executable, "-m", "nbprod"]


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_once(
    cmd: list[str],
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0, 1),
) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of one process; exits on another exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in ok:
        sys.exit(f"{' '.join(cmd[:5])} ... failed ({code}): {err.decode(errors='replace')[-800:]}")
    return seconds, usage.ru_maxrss * 1024


def median_run(cmd: list[str], repeat: int, **kw: Any) -> tuple[float, int]:
    runs = [run_once(cmd, **kw) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def has_option(option: str) -> bool:
    help_text = subprocess.run([*NBPROD, "check", "--help"], capture_output=True, text=True).stdout
    return option in help_text


def ruff() -> str | None:
    found = shutil.which("ruff", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    return found


def table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    print()


def code_cells(path: Path) -> int:
    cells = json.loads(path.read_bytes()).get("cells", [])
    return sum(1 for c in cells if c.get("cell_type") == "code")


# -- throughput -------------------------------------------------------------------------


def throughput(repeat: int) -> None:
    cache = has_option("--no-cache")
    ruff_bin = ruff()
    for name, folder in CORPORA.items():
        if not folder.is_dir():
            print(
                f"throughput: skipped {name}: not found at {folder} (beside the developers' checkout only)\n"
            )
            continue
        files = sorted(str(p) for p in folder.glob("*.ipynb"))
        cells = sum(code_cells(Path(f)) for f in files)
        size = sum(Path(f).stat().st_size for f in files) / 1e6
        print(
            f"## {name}: {len(files)} notebooks, {cells} code cells, {size:.0f} MB, {cores()} cores, median of {repeat}\n"
        )
        # text: what a user and the pre-commit hook see (safe fixes computed); JSON: the
        # report that carries every fix, safe and unsafe
        reports = {
            "text": [*NBPROD, "check", "--exit-zero"],
            "JSON": [*NBPROD, "check", "--exit-zero", "--format", "json"],
        }
        cold = ["--no-cache"] if cache else []
        with tempfile.TemporaryDirectory() as cache_dir:
            env = {**os.environ, "NBPROD_CACHE_DIR": cache_dir}
            rows: list[tuple[str, list[str], dict[str, str] | None]] = [
                ("json.load floor (1 process)", [sys.executable, "-c", FLOOR, *files], None),
                (
                    "json.load + ast.parse floor (1 process)",
                    [sys.executable, "-c", PARSE_FLOOR, *files],
                    None,
                ),
            ]
            if ruff_bin:
                rows.append(
                    (
                        "ruff check --no-cache (peer)",
                        [
                            ruff_bin,
                            "check",
                            "--isolated",
                            "--no-cache",
                            "--exit-zero",
                            "--quiet",
                            str(folder),
                        ],
                        None,
                    )
                )
            for report, check in reports.items():
                rows += [
                    (
                        f"nbprod check ({report}) --jobs 1, cold",
                        [*check, *cold, "--jobs", "1", str(folder)],
                        env,
                    ),
                    (
                        f"nbprod check ({report}) --jobs {cores()}, cold",
                        [*check, *cold, "--jobs", str(cores()), str(folder)],
                        env,
                    ),
                ]
                if cache:
                    subprocess.run(
                        [*check, str(folder)], env=env, stdout=subprocess.DEVNULL, check=False
                    )
                    rows.append(
                        (
                            f"nbprod check ({report}) --jobs {cores()}, warm cache",
                            [*check, str(folder)],
                            env,
                        )
                    )
            results: list[list[str]] = []
            floor = ruff_seconds = None
            timed: dict[str, float] = {}
            for label, cmd, cmd_env in rows:
                seconds, peak = median_run(cmd, repeat, env=cmd_env)
                timed[label] = seconds
                floor = floor or seconds
                if label.startswith("ruff"):
                    ruff_seconds = seconds
                results.append(
                    [
                        label,
                        f"{seconds:.2f}",
                        f"{cells / seconds:,.0f}",
                        f"{seconds / floor:.1f}",
                        f"{seconds / ruff_seconds:.1f}" if ruff_seconds else "–",
                        f"{peak / 2**20:.0f}",
                    ]
                )
        table(["command", "seconds", "code cells/s", "x floor", "x ruff", "peak MB"], results)
        for report in reports if cache else ():
            prefix = f"nbprod check ({report}) --jobs {cores()}"
            ratio = timed[f"{prefix}, cold"] / timed[f"{prefix}, warm cache"]
            print(f"warm ({report}): {ratio:.1f}x faster than cold")
        print()
    if not ruff_bin:
        print("ruff not found: `pip install ruff` (make bench installs it) for the peer row\n")


# -- export ---------------------------------------------------------------------------------


def every_cell(data: dict[str, Any]) -> dict[str, Any]:
    """Every code cell tagged ``export``: always refused, but all of the planning runs."""
    for cell in data["cells"]:
        if cell.get("cell_type") == "code":
            cell.setdefault("metadata", {}).setdefault("tags", []).append("export")
    return data


def as_a_person_would(data: dict[str, Any]) -> dict[str, Any]:
    """Tagged as tests/export/tagging.py does (about 30% of the cells, as a data scientist
    would): an export that goes through, rendering and black included."""
    sys.path.insert(0, str(ROOT))
    from tests.export.tagging import tag

    return tag(data).notebook


def export(repeat: int, biggest: int = 3) -> None:
    taggings = {"every cell": every_cell, "as a person would": as_a_person_would}
    rows: list[list[str]] = []
    for name, folder in CORPORA.items():
        if not folder.is_dir():
            print(f"export: skipped {name}: not found at {folder}\n")
            continue
        notebooks = sorted(folder.glob("*.ipynb"), key=code_cells, reverse=True)[:biggest]
        for path, (tagging, tagged) in itertools.product(notebooks, taggings.items()):
            with tempfile.TemporaryDirectory() as tmp:
                data = tagged(json.loads(path.read_bytes()))
                exported = sum(
                    "export" in c.get("metadata", {}).get("tags", []) for c in data["cells"]
                )
                copy = Path(tmp) / "nb.ipynb"
                copy.write_text(json.dumps(data))
                out = Path(tmp) / "pkg"
                cmd = [*NBPROD, "export", str(copy), "--out", str(out), "--package", "bench_pkg"]
                runs = []
                for _ in range(repeat):
                    shutil.rmtree(out, ignore_errors=True)
                    runs.append(run_once(cmd, cwd=Path(tmp), ok=(0, 2)))  # 2: refused
                seconds = statistics.median(r[0] for r in runs)
                outcome = "exported" if (out / "src").is_dir() else "refused"
                n = code_cells(path)
                rows.append(
                    [
                        f"{name}/{path.name[:55]}",
                        str(n),
                        f"{tagging} ({exported})",
                        f"{seconds:.2f}",
                        f"{seconds / n * 100:.2f}",
                        outcome,
                    ]
                )
    if rows:
        print(f"## export, median of {repeat}\n")
        headers = ["notebook", "code cells", "tagged (cells)", "seconds", "s per 100 cells"]
        table([*headers, "outcome"], rows)


# -- scaling --------------------------------------------------------------------------------


def notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    meta = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": cells}


def cell(source: str, i: int, outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": f"c{i}",
        "metadata": {},
        "source": source,
        "execution_count": i + 1,
        "outputs": outputs or [],
    }


def by_cells(n: int) -> dict[str, Any]:
    return notebook([cell(f"x{i} = f(x{i - 1}, {i})\nprint(x{i}.mean())", i) for i in range(n)])


def by_lines(n: int) -> dict[str, Any]:
    return notebook([cell("".join(f"y{i} = g(y{i - 1}, 'a', {i})\n" for i in range(n)), 0)])


def by_output_mb(mb: int) -> dict[str, Any]:
    chunk = "0123456789abcdef" * 64  # 1 KiB of a text output line
    lines = [chunk + "\n"] * (mb * 1024)
    out = {"output_type": "stream", "name": "stdout", "text": lines}
    return notebook([cell("print(data)", 0, [out]), cell("data = 1", 1)])


def by_nesting(depth: int) -> dict[str, Any]:
    return notebook([cell("x = " + "(" * depth + "1" + ")" * depth, 0)])


SCALES: list[tuple[str, Callable[[int], dict[str, Any]], list[int]]] = [
    ("cells", by_cells, [100, 1_000, 10_000]),
    # past 20,000 lines or 512 KiB a cell is reported (NBP000), not analysed: the last step
    ("lines in one cell", by_lines, [100, 1_000, 10_000, 15_000, 100_000]),
    ("output MB", by_output_mb, [1, 10, 100, 200]),
    ("nested brackets", by_nesting, [100, 1_000, 10_000]),
]


def scaling(repeat: int) -> None:
    print(f"## scaling: `nbprod check --jobs 1` on generated notebooks, median of {repeat}\n")
    rows: list[list[str]] = []
    no_cache = ["--no-cache"] if has_option("--no-cache") else []
    with tempfile.TemporaryDirectory() as tmp:
        for dimension, make, sizes in SCALES:
            previous: tuple[int, float] | None = None
            for size in sizes:
                path = Path(tmp) / f"{dimension.replace(' ', '_')}-{size}.ipynb"
                # Made in a child: a process's peak memory counts what its parent held when
                # it forked (Linux), so this process must stay small while it measures.
                subprocess.run(
                    [sys.executable, __file__, "--generate", dimension, str(size), str(path)],
                    check=True,
                )
                file_mb = path.stat().st_size / 2**20
                cmd = [
                    *NBPROD,
                    "check",
                    "--exit-zero",
                    "--format",
                    "json",
                    "--jobs",
                    "1",
                    *no_cache,
                    str(path),
                ]
                seconds, peak = median_run(cmd, repeat)
                growth = "–"
                if previous is not None:
                    growth = f"{(seconds / previous[1]) / (size / previous[0]):.2f}"
                previous = (size, seconds)
                rows.append(
                    [
                        dimension,
                        f"{size:,}",
                        f"{file_mb:.1f}",
                        f"{seconds:.2f}",
                        growth,
                        f"{peak / 2**20:.0f}",
                    ]
                )
                path.unlink()
    table(["dimension", "size", "file MB", "seconds", "time growth / size growth", "peak MB"], rows)
    print(
        "A growth ratio near or below 1 is linear (start-up cost makes early steps look sub-linear);"
    )
    print("well above 1 at the large end would be super-linear.\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="throughput,export,scaling")
    parser.add_argument(
        "--generate", nargs=3, metavar=("DIMENSION", "SIZE", "PATH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.generate:
        dimension, size, path = args.generate
        make = next(m for d, m, _ in SCALES if d == dimension)
        Path(path).write_text(json.dumps(make(int(size))))
        return 0
    sections: dict[str, Callable[[int], None]] = {
        "throughput": throughput,
        "export": export,
        "scaling": scaling,
    }
    for name in args.only.split(","):
        repeat = args.repeat if name == "throughput" else max(1, min(args.repeat, 3))
        sections[name](repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
