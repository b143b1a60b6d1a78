"""One notebook's replay: load, inject parameters, execute a copy (``--repeat`` times),
compare, and turn what differs into NBP110-NBP112 findings (configuration and
suppression applied). The original file is only read; ``output`` gets the executed copy.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import json
import os
import re
import signal
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.config import ConfigError, load_settings
from nbprod.findings import Finding
from nbprod.notebook.load import NotebookError, notebook_from_bytes, read_regular_file
from nbprod.notebook.model import Cell, Notebook
from nbprod.rerun.causes import StaticFacts, cell_frame, missing_name, name_column
from nbprod.rerun.compare import Difference, compare, items
from nbprod.rerun.execute import ExecOptions, Execution, Failure, Progress, execute
from nbprod.rerun.rules import (
    RERUN_RULES,
    FailsFromScratch,
    Nondeterministic,
    OutputDiffers,
    ReplayRule,
)
from nbprod.results import FileResult, internal_error
from nbprod.selection import specificity
from nbprod.suppression import Suppressions

DEFAULT_TIMEOUT = 600.0
DEFAULT_RTOL = 1e-6
_IGNORE_OUTPUT_TAGS = frozenset({"nbval-ignore-output", "nbprod-ignore-output"})
_SHELL = re.compile(
    r"^[ \t]*(?:!|[\w.]+[ \t]*=[ \t]*!|%(?:pip|conda|mamba|system|sx|sc)\b"
    r"|%%(?:bash|sh|script|system|writefile|file)\b)",
    re.MULTILINE,
)


class UsageError(Exception):
    """A bad option value (exit code 2)."""


@dataclass(frozen=True)
class RerunOptions:
    kernel: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT  # per cell; None: no limit
    total_timeout: float | None = None
    allow_errors: bool = False
    parameters: tuple[tuple[str, str], ...] = ()  # (name, Python source of the value)
    rtol: float = DEFAULT_RTOL
    repeat: int = 1
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    startup_timeout: float = 60.0
    cwd: Path | None = None  # the kernel's working directory; None: the notebook's folder


@dataclass
class Replay:
    result: FileResult
    runs: list[Execution] = field(default_factory=list)
    executed: Any = None  # the first run's executed copy (nbformat node), for --output
    notes: list[str] = field(default_factory=list)


def parse_parameter(text: str) -> tuple[str, str]:
    """``name=value`` -> (name, Python source): a Python literal stays as written
    (``3``, ``0.1``, ``True``, ``[1, 2]``, ``'a'``), anything else becomes a string."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(f"--parameters expects NAME=VALUE with a Python name, got {text!r}")
    try:
        ast.literal_eval(value.strip())
        source = value.strip()
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        source = repr(value)
    return name, source


def validate_selectors(selectors: Sequence[str], option: str) -> None:
    for selector in selectors:
        if not any(specificity(selector, rule) is not None for rule in RERUN_RULES):
            codes = ", ".join(r.code for r in RERUN_RULES)
            raise UsageError(f"{option}: '{selector}' selects none of the replay rules ({codes})")


def _enabled(options: RerunOptions, extra_ignores: Sequence[str]) -> set[str]:
    enabled: set[str] = set()
    negative = [*options.ignore, *extra_ignores]
    for rule in RERUN_RULES:
        on = (
            max(
                (s for p in options.select if (s := specificity(p, rule)) is not None), default=None
            )
            if options.select is not None
            else 0
        )
        off = max((s for p in negative if (s := specificity(p, rule)) is not None), default=None)
        if on is not None and (off is None or off < on):
            enabled.add(rule.code)
    return enabled


def _to_v4(data: Any) -> Any:
    """An nbformat v4 node of the notebook's JSON (multi-line strings joined)."""
    import nbformat
    from nbformat.v3.rwbase import rejoin_lines as rejoin_v3
    from nbformat.v4.rwbase import rejoin_lines as rejoin_v4

    node = nbformat.from_dict(data)  # type: ignore[no-untyped-call]
    if isinstance(node.get("nbformat"), int) and node["nbformat"] < 4:
        node = nbformat.convert(rejoin_v3(node), 4)  # type: ignore[no-untyped-call]
    else:
        node = rejoin_v4(node)  # type: ignore[no-untyped-call]
    if not isinstance(node.get("metadata"), dict):
        node["metadata"] = nbformat.from_dict({})  # type: ignore[no-untyped-call]
    return node


def _inject(
    node: Any, parameters: Sequence[tuple[str, str]]
) -> tuple[list[int | None], str | None]:
    """Insert papermill's ``injected-parameters`` cell; returns copy index -> original index."""
    mapping: list[int | None] = list(range(len(node.cells)))
    if not parameters:
        return mapping, None
    import nbformat

    source = "# Parameters\n" + "".join(f"{name} = {value}\n" for name, value in parameters)
    for i, cell in enumerate(node.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = source  # a papermill output: replace its values, as papermill does
            cell.outputs = []
            return mapping, None
    at = 0
    note = None
    for i, cell in enumerate(node.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            at = i + 1
            break
    else:
        note = "no cell is tagged `parameters`: the parameters were injected before the first cell"
    injected = nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]
    injected.metadata["tags"] = ["injected-parameters"]
    node.cells.insert(at, injected)
    mapping.insert(at, None)
    return mapping, note


def installed_kernels() -> set[str]:
    """Names of the kernelspecs jupyter_client finds (python3 resolves to this interpreter
    when ipykernel is installed here)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        return set(KernelSpecManager().find_kernel_specs())
    except Exception:
        return set()


def choose_kernel(node: Any, requested: str | None, is_python: bool) -> tuple[str, str | None]:
    """``--kernel``, else the notebook's kernelspec; a Python notebook whose kernel is not
    installed here (``conda-env-x-py``, ``python38-azureml``) runs in ``python3``, with a note."""
    if requested:
        return requested, None
    spec = node.metadata.get("kernelspec") if isinstance(node.metadata, dict) else None
    named = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(named, str) or not named:
        return "python3", None
    if named == "python3" or not is_python:
        return named, None
    available = installed_kernels()
    if named in available or "python3" not in available:
        return named, None
    return "python3", (
        f"kernel '{named}' is not installed here: ran in 'python3' (choose one with --kernel)"
    )


def _cell_span(cell: Cell) -> tuple[int, int, int, int]:
    lines = cell.source.split("\n")
    return 1, 1, max(1, len(lines)), len(lines[-1]) + 1 if lines else 1


def _finding(
    rule: type[ReplayRule],
    filename: str,
    cell: Cell,
    message: str,
    span: tuple[int, int, int, int] | None = None,
) -> Finding:
    line, column, end_line, end_column = span or _cell_span(cell)
    return Finding(
        code=rule.code,
        name=rule.name,
        message=message,
        severity=rule.severity,
        area=rule.area,
        filename=filename,
        cell_index=cell.index,
        cell_id=cell.id,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
    )


def _failure_cell(model: Notebook, mapping: list[int | None], failure: Failure) -> Cell:
    """The original cell a failure belongs to (the parameters cell for the injected one)."""
    if failure.cell is not None and failure.cell < len(mapping):
        original = mapping[failure.cell]
        if original is not None:
            return model.cells[original]
        for cell in model.cells:  # the injected cell failed: blame the parameters cell
            if "parameters" in cell.tags:
                return cell
    code = [c for c in model.cells if c.kind == "code"]
    return code[0] if code else model.cells[0]


def _describe(failure: Failure) -> str:
    if failure.kind in ("error", "input"):
        evalue = " ".join(failure.evalue.split()).rstrip(".")
        if len(evalue) > 200:
            evalue = evalue[:199] + "…"
        return f"{failure.ename}: {evalue}" if evalue else failure.ename
    if failure.kind == "dead":
        return "the kernel died while running this cell" + (
            f" ({failure.detail})" if failure.detail else ""
        )
    if failure.kind == "output":
        return failure.detail
    if failure.kind in ("timeout", "total-timeout"):
        return f"{failure.detail}; the kernel and its processes were killed"
    return failure.detail


def _fails_finding(
    model: Notebook, mapping: list[int | None], failure: Failure, facts: StaticFacts, filename: str
) -> Finding:
    cell = _failure_cell(model, mapping, failure)
    span = None
    message = f"fails in a fresh kernel: {_describe(failure)}"
    if failure.kind in ("error", "input"):
        line = cell_frame(failure.traceback, failure.execution_count)
        original = failure.cell is not None and mapping[failure.cell] is not None
        if line is not None and original:
            span = (
                line,
                1,
                line,
                (
                    len(cell.source.split("\n")[line - 1]) + 1
                    if 0 < line <= len(cell.source.split("\n"))
                    else 1
                ),
            )
            name = missing_name(failure.evalue) if failure.ename == "NameError" else None
            if failure.kind == "input":
                name = (
                    next(
                        (
                            n
                            for n in ("input", "getpass")
                            if f"{n}(" in cell.source.split("\n")[line - 1]
                        ),
                        None,
                    )
                    if 0 < line <= len(cell.source.split("\n"))
                    else None
                )
            columns = name_column(cell.source, line, name) if name else None
            if columns is not None:
                span = (line, columns[0], line, columns[1])
        cause = facts.failure_cause(cell.index, failure.ename, failure.evalue)
        if cause:
            message += f"; likely cause: {cause}"
        stored = [o for o in cell.outputs if o.get("output_type") == "error"]
        if any(o.get("ename") == failure.ename for o in stored):
            message += (
                " (the stored output shows the same error: tag the cell `raises-exception`"
                " if it is meant to fail)"
            )
    elif failure.kind == "dead":
        message += "; later cells did not run"
    return _finding(FailsFromScratch, filename, cell, message, span)


def runs_shell(source: str) -> bool:
    """Whether a cell runs shell commands or installs packages (``!ls``, ``x = !ls``, ``%pip``,
    ``%%bash``, ``%%writefile``): what they print describes the machine, not the notebook."""
    return _SHELL.search(source) is not None


def _comparable(cell: Cell) -> bool:
    """Whether a cell's outputs are compared at all (between runs, or with the stored ones)."""
    return not (_IGNORE_OUTPUT_TAGS & set(cell.tags)) and not runs_shell(cell.source)


def _compared(cell: Cell) -> bool:
    """Whether the stored cell has outputs worth comparing: it ran, or shows output."""
    return (cell.execution_count is not None or bool(cell.outputs)) and _comparable(cell)


async def replay(
    path: Path,
    display: str,
    options: RerunOptions,
    progress: Progress | None = None,
) -> Replay:
    """Replay one notebook file; every problem is a finding or this file's error."""
    try:
        raw = read_regular_file(path)
        model = notebook_from_bytes(raw, display)
        node = _to_v4(json.loads(raw.decode("utf-8-sig")))
    except NotebookError as exc:
        return Replay(FileResult(display, error=str(exc)))
    except Exception as exc:
        return Replay(FileResult(display, error=internal_error("the notebook reader", exc)))
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        return Replay(FileResult(display, error=str(exc)))
    return await replay_notebook(
        model,
        node,
        options.cwd.resolve() if options.cwd is not None else path.resolve().parent,
        options,
        progress,
        extra_ignores=[*settings.ignore, *settings.ignores_for(str(path))],
    )


async def replay_notebook(
    model: Notebook,
    node: Any,
    cwd: Path,
    options: RerunOptions,
    progress: Progress | None = None,
    extra_ignores: Sequence[str] = (),
) -> Replay:
    """Replay an already loaded notebook (the server passes the editor's JSON)."""
    display = model.filename
    kernel, kernel_note = choose_kernel(node, options.kernel, model.is_python)
    if not model.is_python and options.kernel is None and kernel not in installed_kernels():
        reason = f"its kernel '{kernel}' ({model.language}) is not installed here"
        return Replay(FileResult(display, skipped=reason))
    mapping, note = _inject(node, options.parameters)
    exec_options = ExecOptions(
        kernel_name=kernel,
        cwd=cwd,
        timeout=options.timeout,
        total_timeout=options.total_timeout,
        allow_errors=options.allow_errors,
        startup_timeout=options.startup_timeout,
    )
    result = Replay(FileResult(display), notes=[n for n in (kernel_note, note) if n])

    def report(event: dict[str, Any]) -> None:
        """Progress with cells numbered as in the original notebook."""
        if progress is None:
            return
        index = event.get("cell")
        if isinstance(index, int) and 0 <= index < len(mapping):
            event = {**event, "cell": mapping[index]}
        progress(event)

    for run in range(1, options.repeat + 1):
        copy_ = copy.deepcopy(node)
        execution = await execute(copy_, exec_options, report, run=run)
        if execution.failure is not None and execution.failure.kind == "start":
            result.result.error = (
                f"kernel '{kernel}' could not be started: {execution.failure.detail}"
            )
            result.runs.append(execution)
            return result
        result.runs.append(execution)
        if run == 1:
            result.executed = _without_stale_outputs(copy_, execution)
    enabled = _enabled(options, extra_ignores)
    facts = StaticFacts(model)
    findings = _findings(model, mapping, result.runs, facts, options.rtol, display)
    suppressions = Suppressions.of(model)
    rules = {r.code: r for r in RERUN_RULES}
    result.result.findings = sorted(
        (
            f
            for f in findings
            if f.code in enabled and not suppressions.suppressed(f, rules[f.code])
        ),
        key=Finding.sort_key,
    )
    return result


def _without_stale_outputs(node: Any, execution: Execution) -> Any:
    """The executed copy as saved by ``--output``: a code cell that did not run in it (after
    a failure, or tagged ``skip-execution``) shows no output, not the stored one."""
    ran = set(execution.executed)
    if execution.failure is not None and execution.failure.cell is not None:
        ran.add(execution.failure.cell)
    for index, cell in enumerate(node.cells):
        if cell.get("cell_type") == "code" and index not in ran:
            cell["outputs"] = []
            cell["execution_count"] = None
    return node


def _outputs(execution: Execution, index: int) -> list[dict[str, Any]]:
    return [dict(o) for o in execution.nb.cells[index].get("outputs", [])]


def _findings(
    model: Notebook,
    mapping: list[int | None],
    runs: list[Execution],
    facts: StaticFacts,
    rtol: float,
    filename: str,
) -> list[Finding]:
    first = runs[0]
    found: list[Finding] = []
    if first.failure is not None:
        found.append(_fails_finding(model, mapping, first.failure, facts, filename))
    unstable: set[int] = set()
    for number, other in enumerate(runs[1:], start=2):
        in_both = [i for i in first.executed if i in set(other.executed)]
        for index in in_both:
            original = mapping[index]
            if original is None or original in unstable:
                continue
            if not _comparable(model.cells[original]):
                continue
            difference = compare(items(_outputs(first, index)), items(_outputs(other, index)), rtol)
            if difference is not None:
                unstable.add(original)
                found.append(
                    _unstable_finding(model.cells[original], difference, facts, number, filename)
                )
        flaky = _flaky(first, other, mapping, model, number, filename)
        if flaky is not None and flaky.cell_index not in unstable:
            unstable.add(flaky.cell_index)
            found.append(flaky)
    for index in first.executed:
        original = mapping[index]
        if original is None or original in unstable:
            continue
        stored = model.cells[original]
        if not _compared(stored):
            continue
        difference = compare(items(stored.outputs), items(_outputs(first, index)), rtol)
        if difference is not None:
            found.append(
                _finding(
                    OutputDiffers,
                    filename,
                    stored,
                    "output differs from the stored one: "
                    + difference.message("stored", "fresh run"),
                )
            )
    return found


def _unstable_finding(
    cell: Cell, difference: Difference, facts: StaticFacts, run: int, filename: str
) -> Finding:
    source = facts.random_source(cell.index)
    cause = (
        f"likely source: {source}"
        if source
        else "no unseeded source found statically (threads, set order, the clock, external data?)"
    )
    message = f"output differs between two fresh runs; {cause}: " + difference.message(
        "run 1", f"run {run}"
    )
    return _finding(Nondeterministic, filename, cell, message)


def _flaky(
    first: Execution,
    other: Execution,
    mapping: list[int | None],
    model: Notebook,
    run: int,
    filename: str,
) -> Finding | None:
    """A failure in one fresh run but not (at the same cell) in another."""
    a, b = first.failure, other.failure
    if a is None and b is None:
        return None
    if a is not None and b is not None and a.cell == b.cell and a.kind == b.kind:
        return None
    if b is not None and (
        a is None or (a.cell is not None and b.cell is not None and b.cell < a.cell)
    ):
        cell = _failure_cell(model, mapping, b)
        return _finding(
            Nondeterministic,
            filename,
            cell,
            f"fails in run {run} but not in run 1: {_describe(b)}",
        )
    if (
        a is not None
        and a.cell is not None
        and (b is None or (b.cell is not None and a.cell < b.cell))
    ):
        cell = _failure_cell(model, mapping, a)
        return _finding(
            Nondeterministic, filename, cell, f"fails in run 1 but not in run {run}: {_describe(a)}"
        )
    return None


# -- the executed copy --------------------------------------------------------


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file in the same folder."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(temporary, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def executed_text(node: Any) -> str:
    import nbformat

    text: str = nbformat.writes(node)  # type: ignore[no-untyped-call]
    return text if text.endswith("\n") else text + "\n"


# -- running on an event loop -------------------------------------------------


class Interrupted(Exception):
    """The run was stopped by SIGINT or SIGTERM; its kernels are already killed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def run_sync(coroutine: Any) -> Any:
    """``asyncio.run``, where SIGINT (Ctrl-C) and SIGTERM cancel the run, so that its kernel
    is killed, then raise :class:`Interrupted` (nbclient may turn the cancellation into a
    "dead kernel", so the signal is remembered rather than inferred from the result)."""

    async def main() -> Any:
        task = asyncio.ensure_future(coroutine)
        loop = asyncio.get_running_loop()
        received: list[int] = []

        def stop(signum: int) -> None:
            received.append(signum)
            task.cancel()

        def quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if not received:  # after a signal, nbclient's orphaned tasks are expected
                loop.default_exception_handler(context)

        loop.set_exception_handler(quiet)
        installed = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop, signum)
                installed.append(signum)
        try:
            try:
                result = await task
            except asyncio.CancelledError:
                if not received:
                    raise
                result = None
            if received:
                raise Interrupted(received[0])
            return result
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    return asyncio.run(main())
