"""Where a cold check's time goes: an in-process profile over one corpus, by step.

    python benchmarks/where_time_goes.py [../shared/corpus-heavy/notebooks]

Prints the wall time of one in-process pass and each step's share of the profiled total
(loading, parsing, the per-cell fact pass, ML facts, each rule). Without the corpus it
prints a skip message.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

from nbprod.config import Settings
from nbprod.engine import check_file
from nbprod.rules.registry import all_rules

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus-heavy" / "notebooks"


def step(path: str, name: str) -> str | None:
    if name == "load_notebook":
        return "loading notebooks (JSON, cells)"
    if name == "_parse_source":
        return "parsing cells (ast, IPython masking)"
    if name == "with_fixes" and path.endswith("engine.py"):
        return "fixes (the safe ones; libcst codemods)"
    if name == "run" and path.endswith("analysis/cell.py"):
        return "per-cell fact pass (with the nesting-depth guard)"
    if path.endswith("analysis/ml.py") and name in ("trainings", "constructions", "sites"):
        return f"ML facts: {name}"
    if path.endswith("analysis/io.py") and name == "file_accesses":
        return "file I/O facts"
    if "/rules/" in path and name == "check":
        return "rule " + Path(path).stem
    return None


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    files = sorted(folder.glob("*.ipynb"))
    if not files:
        print(
            f"skipped: no notebooks at {folder} (the corpora sit beside the developers' checkout)"
        )
        return 0
    all_rules()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)  # as the CLI's runner does

    def check_all() -> None:
        for path in files:
            check_file(path, Settings(), str(path))

    start = time.perf_counter()
    check_all()
    wall = time.perf_counter() - start
    profile = cProfile.Profile()
    profile.runcall(check_all)
    stats = pstats.Stats(profile)
    shares: dict[str, float] = {}
    for (path, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        key = step(path, name)
        if key is not None:
            shares[key] = shares.get(key, 0.0) + cumulative
    total: float = stats.total_tt  # type: ignore[attr-defined]
    print(f"{len(files)} notebooks: {wall:.2f} s in-process\n\n| step | share |\n|---|---|")
    for key, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"| {key} | {seconds / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
