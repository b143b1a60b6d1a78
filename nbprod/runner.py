"""Check many files in guarded worker processes, keeping the command-line order.

Each file is checked in a worker process with a time limit and an address-space
limit (``timeout-per-file``, ``memory-per-file``): a file that makes the analysis
run away, exhaust memory or crash the interpreter (a segfault in a C extension)
costs that file's error line, the worker is replaced, and every other file is still
checked. With both limits off and one job, files are checked in this process.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from nbprod.config import Settings
from nbprod.results import FileResult, internal_error

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from nbprod.cache import ResultCache

Task = tuple[Path, str, Settings]
T = TypeVar("T")
R = TypeVar("R")
_MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-file limits: seconds of wall time and megabytes of added address space (0: none)."""

    timeout: float = 0.0
    memory_mb: int = 0

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.timeout_per_file, settings.memory_per_file)

    @property
    def guarded(self) -> bool:
        return self.timeout > 0 or self.memory_mb > 0


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _check(task: Task) -> FileResult:
    from nbprod.engine import check_file  # not for a warm run: every result was cached

    path, display, settings = task
    return check_file(path, settings, display)


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _check_failure(task: Task, failure: Failure) -> FileResult:
    return FileResult(task[1], error=failure.message("checked"))


def run(
    tasks: list[Task],
    jobs: int,
    progress: Callable[[int], None] | None = None,
    cache: ResultCache | None = None,
) -> list[FileResult]:
    """Results in the order of ``tasks``; unchanged files come from ``cache``."""
    results: dict[int, FileResult] = {}
    stats: dict[int, os.stat_result] = {}
    for index, (path, display, settings) in enumerate(tasks):
        hit = cache.get(path, display, settings) if cache is not None else None
        if hit is not None:
            results[index] = hit
        elif cache is not None:
            try:
                stats[index] = path.stat()  # before the check: a change during it is a miss
            except OSError:
                pass
    todo = [index for index in range(len(tasks)) if index not in results]
    # the biggest files first: one left for last would keep one worker busy alone
    todo.sort(key=lambda index: -_size(tasks[index][0]))
    done = len(results)
    if progress is not None and done:
        progress(done)
    if todo:
        # Analysis allocates many short-lived, acyclic AST nodes; the default GC thresholds
        # make the cyclic collector walk them over and over (~10% of a corpus run).
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        from nbprod.rules.registry import all_rules

        all_rules()  # import every rule (and the analysis) before forking: workers inherit them
        misses = [tasks[index] for index in todo]
        limits = [Limits.of(t[2]) for t in misses]
        mapped = guarded_map(_check, misses, limits, jobs, _check_failure)
        for index, result in zip(todo, mapped):
            results[index] = result
            if cache is not None and index in stats:
                cache.put(tasks[index][0], tasks[index][2], result, stats[index])
            done += 1
            if progress is not None:
                progress(done)
    return [results[index] for index in range(len(tasks))]


# -- the guarded pool -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a worker gave no result for an item."""

    kind: str  # "timeout", "memory", "crash", "error"
    detail: str

    def message(self, verb: str) -> str:
        if self.kind == "timeout":
            return (
                f"not {verb}: took longer than {self.detail} s (timeout-per-file; raise it in"
                " [tool.nbprod] or with --timeout-per-file, 0 for no limit)"
            )
        if self.kind == "memory" and not self.detail:
            return f"not {verb}: ran out of memory"
        if self.kind == "memory":
            return (
                f"not {verb}: needed more than {self.detail} MB of memory (memory-per-file;"
                " raise it in [tool.nbprod] or with --memory-per-file, 0 for no limit)"
            )
        if self.kind == "crash":
            return f"internal error: the worker process {self.detail} (please report)"
        return self.detail


def guarded_map(
    func: Callable[[T], R],
    items: Sequence[T],
    limits: Sequence[Limits],
    jobs: int,
    on_failure: Callable[[T, Failure], R],
) -> Iterator[R]:
    """``func`` over ``items`` in order; an item that overruns, crashes or raises yields
    ``on_failure(item, why)`` instead, and the others go on."""
    if not items:
        return
    if jobs <= 1 and not any(limit.guarded for limit in limits):
        for item in items:
            yield _in_process(func, item, on_failure)
        return
    pool = _Pool(func, items, limits, min(jobs, len(items)), on_failure)
    try:
        yield from pool.results()
    finally:
        pool.close()


def _in_process(func: Callable[[T], R], item: T, on_failure: Callable[[T, Failure], R]) -> R:
    try:
        return func(item)
    except MemoryError:
        return on_failure(item, Failure("memory", ""))
    except Exception as exc:
        return on_failure(item, Failure("error", internal_error("nbprod", exc)))


class _Worker:
    def __init__(self, context: Any, target: Callable[..., None]) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=target, args=(child,), name="nbprod-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.index: int | None = None
        self.deadline = float("inf")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class _Pool(Generic[T, R]):
    def __init__(
        self,
        func: Callable[[T], R],
        items: Sequence[T],
        limits: Sequence[Limits],
        size: int,
        on_failure: Callable[[T, Failure], R],
    ) -> None:
        import multiprocessing

        self.func = func
        self.items = items
        self.limits = limits
        self.size = size
        self.on_failure = on_failure
        method = "fork" if sys.platform == "linux" else "spawn"
        self.context = multiprocessing.get_context(method)
        self.pending: deque[int] = deque(range(len(items)))
        self.done: dict[int, R] = {}
        self.workers: list[_Worker] = []

    def results(self) -> Iterator[R]:
        next_index = 0
        while next_index < len(self.items):
            self._dispatch()
            self._collect()
            while next_index in self.done:
                yield self.done.pop(next_index)
                next_index += 1

    def _dispatch(self) -> None:
        while self.pending and len(self.workers) < self.size:
            self.workers.append(_Worker(self.context, _Serve(self.func)))
        for worker in self.workers:
            if worker.index is None and self.pending:
                index = self.pending.popleft()
                limit = self.limits[index]
                try:
                    worker.conn.send((index, self.items[index], limit.memory_mb))
                except Exception as exc:  # an item that cannot be sent (pickling)
                    self.done[index] = self.on_failure(
                        self.items[index], Failure("error", internal_error("nbprod", exc))
                    )
                    continue
                worker.index = index
                worker.deadline = (
                    time.monotonic() + limit.timeout if limit.timeout > 0 else float("inf")
                )

    def _collect(self) -> None:
        from multiprocessing.connection import wait

        busy = [w for w in self.workers if w.index is not None]
        if not busy:
            return
        deadline = min(w.deadline for w in busy)
        timeout = None if deadline == float("inf") else max(0.0, deadline - time.monotonic())
        ready = wait([w.conn for w in busy], timeout)
        for worker in busy:
            assert worker.index is not None
            index = worker.index
            if worker.conn in ready:
                try:
                    status, payload = worker.conn.recv()
                except (EOFError, OSError):
                    self._retire(worker, index, self._died(worker, index))
                    continue
                except Exception as exc:  # a result that cannot be unpickled
                    self._retire(worker, index, Failure("error", internal_error("nbprod", exc)))
                    continue
                worker.index = None
                worker.deadline = float("inf")
                if status == "ok":
                    self.done[index] = payload
                elif status == "memory":
                    self._retire(
                        worker, index, Failure("memory", str(self.limits[index].memory_mb))
                    )
                else:
                    self.done[index] = self.on_failure(self.items[index], Failure("error", payload))
            elif time.monotonic() >= worker.deadline:
                self._retire(worker, index, Failure("timeout", f"{self.limits[index].timeout:g}"))

    def _died(self, worker: _Worker, index: int) -> Failure:
        how = _death(worker)
        memory = self.limits[index].memory_mb
        if memory > 0 and "SIGABRT" in how:
            # native code (libcst's Rust parser) aborts when an allocation fails
            return Failure("memory", str(memory))
        return Failure("crash", how)

    def _retire(self, worker: _Worker, index: int, failure: Failure) -> None:
        worker.kill()
        self.workers.remove(worker)
        self.done[index] = self.on_failure(self.items[index], failure)

    def close(self) -> None:
        for worker in self.workers:
            if worker.index is None:
                worker.stop()
            else:
                worker.kill()
        self.workers.clear()


def _death(worker: _Worker) -> str:
    worker.process.join(5)
    code = worker.process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if name == "SIGKILL":
            return "was killed (SIGKILL; out of memory?)"
        return f"crashed ({name})"
    return f"exited unexpectedly (exit code {code})"


class _Serve:
    """A worker's main loop; a class so that ``spawn`` can pickle it with its function."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __call__(self, conn: Connection) -> None:
        _serve(conn, self.func)


def _serve(conn: Connection, func: Callable[[Any], Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        index, item, memory_mb = message
        _limit_memory(memory_mb)
        try:
            answer: tuple[str, Any] = ("ok", func(item))
        except MemoryError:
            answer = ("memory", None)
        except SystemError as exc:
            # CPython code whose allocation fails without setting MemoryError raises
            # "error return without exception set": under a memory limit, that is the limit
            failed = ("memory", None) if memory_mb > 0 else ("error", internal_error("nbprod", exc))
            answer = failed
        except Exception as exc:
            answer = ("error", internal_error("nbprod", exc))
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", None))
        except (OSError, EOFError):
            return
        except Exception as exc:  # a result that cannot be pickled
            conn.send(("error", internal_error("nbprod", exc)))
        if answer[0] == "memory":
            return  # the heap may be fragmented past use: the parent starts a fresh worker


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at its current size plus ``memory_mb``."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if memory_mb <= 0:
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
            return
        limit = _address_space() + memory_mb * _MB
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):  # pragma: no cover - not supported here
        return


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
