"""Where a cold check's time goes: one in-process pass over a corpus, timed step by step.

    python benchmarks/where_time_goes.py [../shared/corpus-heavy/notebooks]

Each step is timed with ``perf_counter`` on its own (no profiler, whose overhead inflates
small functions): loading the notebooks, the per-cell parse and fact pass, the ML facts
the rules share, then each rule on the facts already built. The second of two passes is
reported, so that imports and first-use costs are out. Without the corpus it prints a
skip message.
"""

from __future__ import annotations

import gc
import sys
import time
from collections import defaultdict
from pathlib import Path

from nbprod.analysis import AnalyzedNotebook
from nbprod.config import Settings
from nbprod.notebook import load_notebook
from nbprod.selection import enabled_rules

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus-heavy" / "notebooks"
# The ML facts the rules share (built lazily by whichever rule asks first).
ML_FACTS = (
    "trainings",
    "constructions",
    "sites",
    "evaluations",
    "seeds",
    "steps",
    "splits",
    "loads",
)


def one_pass(files: list[Path], settings: Settings) -> dict[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    rules = enabled_rules(settings)

    def timed(step: str, start: float) -> float:
        now = time.perf_counter()
        seconds[step] += now - start
        return now

    for path in files:
        start = time.perf_counter()
        nb = load_notebook(path, str(path))
        start = timed("loading notebooks (JSON, cells)", start)
        analyzed = AnalyzedNotebook(nb)
        start = timed("per-cell parse and fact pass", start)
        for name in ML_FACTS:
            getattr(analyzed.ml, name)
        start = timed("ML facts (training, models, data-flow steps, loads, splits)", start)
        for rule in rules:
            list(rule(settings).check(analyzed))
            start = timed(f"{rule.code} {rule.name}", start)
    return seconds


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    files = sorted(folder.glob("*.ipynb"))
    if not files:
        print(
            f"skipped: no notebooks at {folder} (the corpora sit beside the developers' checkout)"
        )
        return 0
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)  # as the CLI's runner does
    one_pass(files, Settings())  # imports, first-use costs
    seconds = one_pass(files, Settings())
    total = sum(seconds.values())
    print(f"{len(files)} notebooks: {total:.2f} s in-process\n\n| step | seconds | share |")
    print("|---|---|---|")
    for step, spent in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"| {step} | {spent:.3f} | {spent / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
