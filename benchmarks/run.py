"""Whole-process throughput of `nbprod check` on ../shared/corpus, beside a json.load floor.

Every command runs as a fresh process (start-up and imports included), the same way a
user or pre-commit runs it, several times; the median is reported.

    python benchmarks/run.py [--repeat 5] [--corpus ../shared/corpus/notebooks]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "notebooks"
FLOOR = (
    "import json, sys\nfor p in sys.argv[1:]:\n    with open(p, 'rb') as f:\n        json.load(f)\n"
)


def _time(cmd: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        runs.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            sys.exit(
                f"{' '.join(cmd[:4])} ... failed ({done.returncode}): {done.stderr.decode()[-500:]}"
            )
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(
            f"skipped: corpus not found at {args.corpus} (it sits beside the developers' checkout only)"
        )
        return 0
    files = sorted(str(p) for p in args.corpus.glob("*.ipynb"))
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    nbprod = [sys.executable, "-m", "nbprod", "check", "--exit-zero", "--format", "json"]
    rows = [
        ("json.load floor (1 process)", [sys.executable, "-c", FLOOR, *files]),
        ("nbprod check --jobs 1", [*nbprod, "--jobs", "1", str(args.corpus)]),
        (f"nbprod check --jobs {cores}", [*nbprod, "--jobs", str(cores), str(args.corpus)]),
    ]
    print(f"{len(files)} notebooks, {cores} cores, median of {args.repeat} runs\n")
    print(f"{'command':<32} {'seconds':>8} {'notebooks/s':>12} {'x floor':>8}")
    floor = None
    for label, cmd in rows:
        seconds = _time(cmd, args.repeat)
        floor = floor or seconds
        print(f"{label:<32} {seconds:>8.3f} {len(files) / seconds:>12.0f} {seconds / floor:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
