"""A bounded pool of worker processes for checks and exports, each killed on timeout.

The analysis is CPU-bound pure Python: in a thread it holds the server's GIL and blocks
every other request (a 5 MB cell once stalled ``/api/status`` for 20 s). A worker
process runs it instead, under an address-space limit, and is killed when it overruns
its time; a worker whose memory grew past ``recycle_bytes`` exits after answering, so
memory a big request took is given back to the system. Workers are started with
``spawn`` (forking a threaded server is unsafe) and kept warm between requests.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

_CONTEXT = multiprocessing.get_context("spawn")


class WorkerError(Exception):
    """The task failed in the worker; ``status`` is the HTTP status it should become."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


class _Worker:
    def __init__(self, memory_bytes: int, recycle_bytes: int, facts_cache_cells: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_serve,
            args=(child, memory_bytes, recycle_bytes, facts_cache_cells),
            name="nbprod-worker",
            daemon=True,
        )
        self.process.start()
        child.close()

    def call(self, task: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
        """Blocking: send the task, wait for its answer (EOFError if the worker died)."""
        self.conn.send((task, args))
        answer: tuple[str, Any] = self.conn.recv()
        return answer

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    def __init__(
        self,
        size: int,
        memory_bytes: int = 0,
        recycle_bytes: int = 0,
        facts_cache_cells: int = 20_000,
    ) -> None:
        self.size = max(1, size)
        self._options = (memory_bytes, recycle_bytes, facts_cache_cells)
        self._idle: list[_Worker] = []
        self._slots: asyncio.Semaphore | None = None

    def start(self) -> None:
        """Start the workers now, so they import nbprod while the server starts."""
        while len(self._idle) < self.size:
            self._idle.append(_Worker(*self._options))

    async def run(self, task: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``task(*args)`` in a worker; WorkerError on failure, timeout or a dead worker."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)  # bound to the server's loop
        async with self._slots:
            worker = self._take()
            try:
                status, value = await asyncio.wait_for(
                    asyncio.to_thread(worker.call, task, args), timeout
                )
            except asyncio.TimeoutError:
                worker.kill()
                raise WorkerError(f"took longer than {timeout:g} s and was stopped", 504) from None
            except (EOFError, OSError):
                worker.kill()
                raise WorkerError("the worker process died (out of memory?)", 500) from None
            if worker.alive:
                self._idle.append(worker)
            if status != "ok":
                raise WorkerError(str(value), 507 if status == "memory" else 500)
            return value

    def _take(self) -> _Worker:
        while self._idle:
            worker = self._idle.pop()
            if worker.alive:
                return worker
            worker.kill()  # recycled after a big request, or died: reap it
        return _Worker(*self._options)

    def shutdown(self) -> None:
        for worker in self._idle:
            worker.kill()
        self._idle.clear()


def _serve(conn: Connection, memory_bytes: int, recycle_bytes: int, cache_cells: int) -> None:
    """The worker's loop: one task at a time, answers ``(status, value)``."""
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from nbprod.analysis import facts_cache
    from nbprod.server.tasks import warm_up

    facts_cache.enable(cache_cells)
    warm_up()
    while True:
        try:
            task, args = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        try:
            answer: tuple[str, Any] = ("ok", task(*args))
        except MemoryError:
            answer = ("memory", "ran out of memory: the input is too large to analyse")
        except Exception as exc:  # noqa: BLE001  (reported to the client, then we go on)
            answer = ("error", f"internal error: {type(exc).__name__}: {exc} (please report)")
        conn.send(answer)
        if answer[0] == "memory" or _rss_bytes() > recycle_bytes > 0:
            os._exit(0)  # give the memory back; the pool starts a fresh worker


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
