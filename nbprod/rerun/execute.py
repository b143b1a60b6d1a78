"""Run a notebook copy top to bottom in a fresh kernel (nbclient), with hard limits.

The kernel is started by us (so we know its process group), in the notebook's folder,
with IPython history kept in memory and stdin refused (``input()`` raises
``StdinNotImplementedError`` at once instead of waiting for a person). Limits:

- each cell gets ``timeout`` seconds (nbclient's own timeout), and the whole run
  ``total_timeout``; both are also enforced from outside nbclient, so a wedged client
  cannot hang the run;
- when a limit is hit, when the kernel dies, or when the run ends in any way (an
  exception, Ctrl-C, SIGTERM), the kernel's process group and every descendant process
  are killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FailureKind = Literal["error", "input", "timeout", "total-timeout", "dead", "start", "output"]
Progress = Callable[[dict[str, Any]], None]

MAX_OUTPUT_BYTES = 20 * 1024 * 1024  # per cell: more is a runaway print loop, not a result
_GRACE = 10.0  # seconds past a limit before the outer guard cancels nbclient itself
_INPUT_ERRORS = frozenset({"StdinNotImplementedError"})


@dataclass(frozen=True)
class ExecOptions:
    kernel_name: str
    cwd: Path
    timeout: float | None = 600.0  # per cell; None: no limit
    total_timeout: float | None = None
    allow_errors: bool = False
    startup_timeout: float = 60.0


@dataclass
class Failure:
    """Why a run stopped early; ``cell`` indexes the executed copy's cells."""

    kind: FailureKind
    cell: int | None
    ename: str = ""
    evalue: str = ""
    traceback: list[str] = field(default_factory=list)
    detail: str = ""
    execution_count: int | None = None


@dataclass
class Execution:
    nb: Any  # the executed copy (nbformat.NotebookNode)
    executed: list[int] = field(default_factory=list)  # cell indices that ran to the end
    errors: dict[int, dict[str, Any]] = field(default_factory=dict)  # allowed errors by cell
    failure: Failure | None = None
    startup_seconds: float = 0.0
    cell_seconds: float = 0.0  # time spent inside cells (the notebook's own run time)
    seconds: float = 0.0  # wall time from kernel start to kernel stop
    kernel_pid: int | None = None


def skip_slow_imports() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax``, when that is installed.

    nbclient imports nbformat, whose validator imports jsonschema, which imports
    ``rfc3987_syntax`` for its "iri" format check if it can: that module compiles a grammar
    at import time (about 1.5 s, most of a replay's fixed cost). Notebook validation never
    checks that format. Only this process is affected (kernels are separate processes), and
    only when nothing imported the module before.
    """
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _error_output(cell: Any) -> dict[str, Any] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return dict(output)
    return None


def _error_reply(content: dict[str, Any] | None) -> dict[str, Any] | None:
    """An error only the execute reply shows: IPython prints a ``UsageError`` (an unknown
    magic) on stderr and sends no error output, but the reply's status is "error"."""
    if not content or content.get("status") != "error":
        return None
    return {
        "output_type": "error",
        "ename": str(content.get("ename", "")),
        "evalue": str(content.get("evalue", "")),
        "traceback": [str(t) for t in content.get("traceback", []) or []],
    }


def kill_process_tree(pid: int | None, pgid: int | None = None) -> None:
    """SIGKILL ``pid``, every process below it and its process group; never raises."""
    victims: list[int] = []
    if pid is not None:
        try:
            import psutil  # type: ignore[import-untyped]

            victims = [c.pid for c in psutil.Process(pid).children(recursive=True)]
        except Exception:  # psutil missing, or the process is already gone
            victims = []
    if pgid is not None and hasattr(os, "killpg") and pgid != os.getpgrp():
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    for victim in ([pid] if pid is not None else []) + victims:
        with contextlib.suppress(OSError):
            os.kill(victim, getattr(signal, "SIGKILL", signal.SIGTERM))


def _kernel_process(km: Any) -> tuple[int | None, int | None]:
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    pid = getattr(process, "pid", None)
    pgid = getattr(provisioner, "pgid", None)
    return (pid if isinstance(pid, int) else None, pgid if isinstance(pgid, int) else None)


@contextlib.contextmanager
def _stderr_file() -> Iterator[Any]:
    with tempfile.TemporaryFile(mode="w+b", prefix="nbprod-kernel-") as handle:
        yield handle


def _tail(handle: Any, limit: int = 400) -> str:
    try:
        handle.flush()
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        text: str = handle.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
    lines = [
        line
        for line in text.strip().splitlines()
        if line.strip() and "running over TCP without encryption" not in line
    ]
    tail = " | ".join(lines[-3:])
    return tail[-limit:]


async def execute(
    nb: Any, options: ExecOptions, progress: Progress | None = None, run: int = 1
) -> Execution:
    """Execute ``nb`` (an nbformat v4 node, modified in place) in a new kernel."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    result = Execution(nb)
    runnable = [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and c.source.strip()
        and "skip-execution" not in c.metadata.get("tags", [])
    ]
    if not runnable:  # nothing to run (an exercise template, a text-only notebook): no kernel
        return result
    started = time.monotonic()
    deadline: float | None = None  # set once the kernel is ready: start-up has its own limit

    def remaining() -> float | None:
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    def cell_limit() -> float | None:
        left = remaining()
        if options.timeout and left is not None:
            return min(options.timeout, left)
        return options.timeout or left

    class Client(NotebookClient):
        """Counts each cell's output; past MAX_OUTPUT_BYTES the kernel is killed."""

        output_bytes = 0
        overflowed = False

        def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
            if msg.get("msg_type") in ("stream", "display_data", "execute_result", "error"):
                if self.overflowed:
                    return None
                self.output_bytes += _size(msg.get("content"))
                if self.output_bytes > MAX_OUTPUT_BYTES:
                    self.overflowed = True
                    kill_process_tree(*_kernel_process(km))
                    return None
            return super().process_message(msg, cell, cell_index)

    replies: dict[int, dict[str, Any]] = {}

    def on_executed(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        content = execute_reply.get("content") if isinstance(execute_reply, dict) else None
        if isinstance(content, dict):
            replies[cell_index] = content

    km = AsyncKernelManager(kernel_name=options.kernel_name)
    client = Client(
        nb,
        km=km,
        on_cell_executed=on_executed,
        kernel_name=options.kernel_name,
        allow_errors=True,  # we decide what an error means, cell by cell
        timeout_func=lambda cell: _nbclient_timeout(cell_limit()),
        startup_timeout=int(options.startup_timeout),
        iopub_timeout=4,
        record_timing=False,
        resources={"metadata": {"path": str(options.cwd)}},
    )
    pid: int | None = None
    pgid: int | None = None
    with _stderr_file() as stderr:
        try:
            try:
                start_limit = options.startup_timeout
                await asyncio.wait_for(
                    km.start_kernel(
                        cwd=str(options.cwd),
                        extra_arguments=["--HistoryManager.hist_file=:memory:"],
                        stdout=stderr,
                        stderr=stderr,
                    ),
                    start_limit,
                )
                pid, pgid = _kernel_process(km)
                result.kernel_pid = pid
                if progress is not None:
                    progress({"event": "kernel", "run": run, "pid": pid, "pgid": pgid})
                await asyncio.wait_for(client.async_start_new_kernel_client(), start_limit)
                info = await asyncio.wait_for(_kernel_info(client), start_limit)
                if info:
                    nb.metadata["language_info"] = info
            except asyncio.TimeoutError:
                result.failure = Failure(
                    "start", None, detail=f"the kernel did not start within {start_limit:g} s"
                )
                return result
            except Exception as exc:  # NoSuchKernel, a kernel that exits at once, ...
                detail = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                tail = _tail(stderr)
                result.failure = Failure(
                    "start", None, detail=detail + (f" ({tail})" if tail else "")
                )
                return result
            result.startup_seconds = time.monotonic() - started
            if options.total_timeout:
                deadline = time.monotonic() + options.total_timeout
            code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            count = 0
            for done, index in enumerate(code_cells, start=1):
                cell = nb.cells[index]
                if progress is not None:
                    progress(
                        {"event": "cell", "run": run, "cell": index, "done": done - 1,
                         "total": len(code_cells)}
                    )  # fmt: skip
                if not cell.source.strip() or "skip-execution" in cell.metadata.get("tags", []):
                    continue
                limit = cell_limit()
                left = remaining()
                by_total = left is not None and (options.timeout is None or left < options.timeout)
                if limit is not None and limit <= 0:
                    result.failure = _limit_failure(options, index, total=True)
                    break
                count += 1
                client.output_bytes = 0
                began = time.monotonic()
                try:
                    guard = None if limit is None else limit + _GRACE
                    await asyncio.wait_for(
                        client.async_execute_cell(cell, index, execution_count=count), guard
                    )
                except (CellTimeoutError, asyncio.TimeoutError):
                    result.cell_seconds += time.monotonic() - began
                    result.failure = _limit_failure(options, index, total=by_total)
                    result.failure.execution_count = count
                    break
                except DeadKernelError:
                    result.cell_seconds += time.monotonic() - began
                    if client.overflowed:
                        result.failure = Failure(
                            "output",
                            index,
                            detail=f"the cell's output passed {MAX_OUTPUT_BYTES >> 20} MB"
                            " (a runaway loop?); the kernel was killed",
                            execution_count=count,
                        )
                        break
                    code = await _exit_code(km)
                    tail = _tail(stderr)
                    detail = f"exit code {code}" if code is not None else ""
                    if tail:
                        detail = f"{detail}; kernel stderr: {tail}" if detail else tail
                    result.failure = Failure("dead", index, detail=detail, execution_count=count)
                    break
                result.cell_seconds += time.monotonic() - began
                error = _error_output(cell) or _error_reply(replies.get(index))
                if error is not None:
                    allowed = options.allow_errors or "raises-exception" in cell.metadata.get(
                        "tags", []
                    )
                    if not allowed:
                        kind: FailureKind = (
                            "input" if error.get("ename") in _INPUT_ERRORS else "error"
                        )
                        result.failure = Failure(
                            kind,
                            index,
                            ename=str(error.get("ename", "")),
                            evalue=str(error.get("evalue", "")),
                            traceback=[str(t) for t in error.get("traceback", [])],
                            execution_count=count,
                        )
                        break
                    result.errors[index] = error
                result.executed.append(index)
            if progress is not None and result.failure is None:
                progress(
                    {"event": "cell", "run": run, "cell": None, "done": len(code_cells),
                     "total": len(code_cells)}
                )  # fmt: skip
        finally:
            await _stop(client, km, pid, pgid)
            result.seconds = time.monotonic() - started
    return result


def _size(content: Any) -> int:
    """Roughly how many bytes an output message adds to the notebook."""
    if not isinstance(content, dict):
        return 0
    size = len(str(content.get("text", "")))
    data = content.get("data")
    if isinstance(data, dict):
        size += sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values())
    traceback = content.get("traceback")
    if isinstance(traceback, list):
        size += sum(len(str(line)) for line in traceback)
    return size


def _nbclient_timeout(limit: float | None) -> int | None:
    if limit is None:
        return None
    return max(1, math.ceil(limit))


def _limit_failure(options: ExecOptions, index: int, total: bool) -> Failure:
    if total and options.total_timeout:
        return Failure(
            "total-timeout",
            index,
            detail=f"the run took longer than --total-timeout ({options.total_timeout:g} s)",
        )
    return Failure(
        "timeout", index, detail=f"the cell did not finish within --timeout ({options.timeout:g} s)"
    )


async def _kernel_info(client: Any) -> dict[str, Any] | None:
    msg_id = client.kc.kernel_info()
    reply = await client.async_wait_for_reply(msg_id)
    if reply is None:
        return None
    info = reply.get("content", {}).get("language_info")
    return info if isinstance(info, dict) else None


async def _exit_code(km: Any) -> int | None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return None
    for _ in range(20):
        code = process.poll()
        if code is not None:
            return int(code)
        await asyncio.sleep(0.05)
    return None


async def _stop(client: Any, km: Any, pid: int | None, pgid: int | None) -> None:
    """Kill the kernel and everything it started, then release its sockets and files.

    A fresh kernel holds nothing worth a graceful shutdown, and SIGKILL on its process
    group also ends the processes the notebook started."""
    kill_process_tree(pid, pgid)
    kc = getattr(client, "kc", None)
    if kc is not None:
        with contextlib.suppress(Exception):
            kc.stop_channels()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(km.shutdown_kernel(now=True), 10)
    with contextlib.suppress(Exception):
        await km.cleanup_resources()
