"""Check many files, in a process pool when it pays, keeping the command-line order."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from nbprod.config import Settings
from nbprod.engine import FileResult, check_file
from nbprod.rules.registry import all_rules

Task = tuple[Path, str, Settings]
_POOL_THRESHOLD = 4  # below this many files, starting workers costs more than it saves


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _check(task: Task) -> FileResult:
    path, display, settings = task
    try:
        return check_file(path, settings, display)
    except RecursionError:
        return FileResult(display, error="code nested too deeply to analyse")


def run(
    tasks: list[Task], jobs: int, progress: Callable[[int], None] | None = None
) -> list[FileResult]:
    # Analysis allocates many short-lived, acyclic AST nodes; the default GC thresholds
    # make the cyclic collector walk them over and over (~10% of a corpus run).
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    results: list[FileResult] = []
    for done, result in enumerate(_results(tasks, jobs), start=1):
        results.append(result)
        if progress is not None:
            progress(done)
    return results


def _results(tasks: list[Task], jobs: int) -> Iterator[FileResult]:
    if jobs <= 1 or len(tasks) < _POOL_THRESHOLD:
        yield from map(_check, tasks)
        return
    import multiprocessing  # imported here: most runs check one or a few files
    from concurrent.futures import ProcessPoolExecutor

    all_rules()  # import every rule once, before forking, so workers inherit them
    method = "fork" if sys.platform == "linux" else None
    context = multiprocessing.get_context(method)
    workers = min(jobs, len(tasks))
    chunk = max(1, len(tasks) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(_check, tasks, chunksize=chunk)
