"""A bounded pool of worker processes for checks and exports, each killed on timeout.

The analysis is CPU-bound pure Python: in a thread it holds the server's GIL and blocks
every other request (a 5 MB cell once stalled ``/api/status`` for 20 s). A worker
process runs it instead, under an address-space limit, and is killed when it overruns
its time; a worker whose memory grew past ``recycle_bytes`` exits after answering, so
memory a big request took is given back to the system. Workers are fresh interpreters
(``python -m nbprod.server.workers``: forking a threaded server is unsafe, and
multiprocessing's spawn would re-import the server's main module), talking pickles over a
socket pair, and are kept warm between requests.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import resource
import socket
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_STARTUP_TIMEOUT = 120.0  # seconds for a fresh worker to import nbprod


class WorkerError(Exception):
    """The task failed in the worker; ``status`` is the HTTP status it should become."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


class _Worker:
    def __init__(self, memory_bytes: int, recycle_bytes: int, facts_cache_cells: int) -> None:
        ours, theirs = socket.socketpair()
        options = (theirs.fileno(), memory_bytes, recycle_bytes, facts_cache_cells)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nbprod.server.workers", *map(str, options)],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False

    def wait_ready(self) -> None:
        """Blocking: until the worker has imported nbprod (its first message)."""
        if not self.ready:
            self.conn.recv()
            self.ready = True

    def call(self, task: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any, bool]:
        """Blocking: send the task, wait for (status, value, retiring); EOFError if it died."""
        self.conn.send((task, args))
        answer: tuple[str, Any, bool] = self.conn.recv()
        return answer

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)

    def close(self) -> None:
        """Only once no thread reads the connection: its fd number is reused at once."""
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
            # The time limit starts once the worker is up: a fresh one's start-up (a second
            # or two on a busy machine) is not the request's fault.
            started = asyncio.ensure_future(asyncio.to_thread(worker.wait_ready))
            call: asyncio.Future[tuple[str, Any, bool]] | None = None
            try:
                await asyncio.wait_for(asyncio.shield(started), _STARTUP_TIMEOUT)
                call = asyncio.ensure_future(asyncio.to_thread(worker.call, task, args))
                status, value, retiring = await asyncio.wait_for(asyncio.shield(call), timeout)
            except asyncio.TimeoutError:
                worker.kill()
                await asyncio.gather(started, *([call] if call else []), return_exceptions=True)
                worker.close()  # only now: no thread reads its connection any more
                self._idle.append(_Worker(*self._options))  # warm up a replacement now
                raise WorkerError(f"took longer than {timeout:g} s and was stopped", 504) from None
            except (EOFError, OSError):
                worker.kill()
                worker.close()
                raise WorkerError("the worker process died (out of memory?)", 500) from None
            if retiring:
                worker.process.wait(5)
                worker.close()
            else:
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
            worker.close()
        return _Worker(*self._options)

    def shutdown(self) -> None:
        for worker in self._idle:
            worker.kill()
            worker.close()
        self._idle.clear()


def _serve(conn: Connection, memory_bytes: int, recycle_bytes: int, cache_cells: int) -> None:
    """The worker's loop: one task at a time, answers ``(status, value, retiring)``."""
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from nbprod.analysis import facts_cache
    from nbprod.server.tasks import warm_up

    facts_cache.enable(cache_cells)
    warm_up()
    conn.send("ready")
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the server went away
        _reset_peak()
        try:
            task, args = pickle.loads(message)
            status, value = "ok", task(*args)
        except MemoryError:
            status, value = "memory", "ran out of memory: the input is too large to analyse"
        except Exception as exc:  # noqa: BLE001  (reported to the client, then we go on)
            status, value = "error", f"internal error: {type(exc).__name__}: {exc} (please report)"
        # Past the recycle size, exit after answering to give the memory back; the pool
        # then starts a fresh worker.
        retiring = status == "memory" or _rss_bytes() > recycle_bytes > 0
        conn.send((status, value, retiring))
        if retiring:
            os._exit(0)


def _reset_peak() -> None:
    """Start measuring peak memory afresh (Linux >= 4.0); a no-op elsewhere."""
    try:
        with open("/proc/self/clear_refs", "wb") as handle:
            handle.write(b"5")
    except OSError:
        pass


def _rss_bytes() -> int:
    """Peak memory since :func:`_reset_peak`. Not ``ru_maxrss``: Linux carries that over
    from the parent through fork and exec, so a worker of a big server would start "too big"."""
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: bytes


if __name__ == "__main__":
    fd, memory, recycle, cells = map(int, sys.argv[1:5])
    _serve(Connection(fd), memory, recycle, cells)
