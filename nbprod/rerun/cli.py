"""``nbprod rerun NOTEBOOK ...``: replay notebooks in fresh kernels and report what does not
reproduce (NBP110 fails-from-scratch, NBP111 output-differs, NBP112 nondeterministic).

Exit codes: 0 every notebook reproduces, 1 findings (a failing cell, a dead or hung
kernel, a differing output), 2 a usage error, an unreadable notebook or a kernel that
cannot be started.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import asyncio

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _seconds(text: str) -> float | None:
    """A limit in seconds; 0 or ``none`` means no limit."""
    if text.strip().lower() in ("none", "0", "0.0"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more, got {text!r}")
    return value


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid tolerance: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def _repeat(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of runs: {text!r}") from None
    if not 1 <= value <= 10:
        raise argparse.ArgumentTypeError(f"must be between 1 and 10, got {text!r}")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nbprod.reporters import FORMATS

    parser.add_argument(
        "notebooks",
        type=Path,
        nargs="*",
        metavar="NOTEBOOK",
        help="notebooks or directories (never modified)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="limit per cell (default: 600; 0: none); the kernel is killed when it is hit",
    )
    parser.add_argument(
        "--total-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="limit for each whole run of a notebook (default: none)",
    )
    parser.add_argument(
        "--kernel",
        metavar="NAME",
        help="kernel to run (default: the notebook's kernelspec, else python3)",
    )
    parser.add_argument(
        "--cwd",
        type=Path,
        metavar="DIR",
        help="working directory of the kernel (default: each notebook's folder)",
    )
    parser.add_argument(
        "--allow-errors",
        action="store_true",
        help="run on after a cell raises; errors are then compared like outputs",
    )
    parser.add_argument(
        "--parameters",
        "-p",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values injected after the cell tagged `parameters` (papermill's convention);"
        " Python literals stay as written, anything else becomes a string",
    )
    parser.add_argument(
        "--rtol",
        type=_tolerance,
        default=1e-6,
        metavar="R",
        help="relative tolerance for numbers in outputs (default: 1e-6)",
    )
    parser.add_argument(
        "--repeat",
        type=_repeat,
        default=1,
        metavar="N",
        help="run each notebook N times in fresh kernels; 2 or more reports NBP112",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="PATH",
        help="save the executed copy here (a file, or a folder for several notebooks)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--select", action="append", metavar="RULES", help="replay rules to report (default: all)"
    )
    parser.add_argument("--ignore", action="append", metavar="RULES", help="replay rules to skip")
    parser.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are findings"
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        metavar="N",
        help="notebooks replayed at once, each in its own kernel (default: 1)",
    )
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``rerun`` to ``nbprod``'s sub-commands."""
    parser = subparsers.add_parser(
        "rerun",
        help="replay notebooks in a fresh kernel and report what does not reproduce",
        description="Run a copy of each notebook top to bottom in a fresh kernel and report"
        " cells that fail (NBP110), outputs that differ from the stored ones (NBP111) and,"
        " with --repeat 2, outputs that differ between runs (NBP112).",
    )
    add_arguments(parser)


def _selectors(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


def _error(message: str) -> int:
    from nbprod.reporters import clean

    print(clean(f"nbprod: error: {message}"), file=sys.stderr)
    return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    """Replay every notebook; print one report; return the exit code."""
    import importlib.util

    from nbprod.discovery import discover, display_name
    from nbprod.reporters import clean
    from nbprod.rerun.replay import (
        Interrupted,
        Replay,
        RerunOptions,
        UsageError,
        executed_text,
        parse_parameter,
        replay,
        run_sync,
        validate_selectors,
        write_atomically,
    )
    from nbprod.results import FileResult, internal_error

    if importlib.util.find_spec("nbclient") is None:
        return _error("nbprod rerun needs nbclient and ipykernel: pip install 'nbprod[rerun]'")
    from nbprod.rerun.execute import skip_slow_imports

    skip_slow_imports()
    notebooks: list[Path] = list(args.notebooks)
    parameters: list[str] = []
    for value in args.parameters:
        # `--parameters a=1 nb.ipynb`: a value without "=" naming a file is a notebook
        if "=" not in value and Path(value).exists():
            notebooks.append(Path(value))
        else:
            parameters.append(value)
    if not notebooks:
        return _error("no notebook given (usage: nbprod rerun NOTEBOOK [...])")
    try:
        select = _selectors(args.select)
        ignore = _selectors(args.ignore) or ()
        validate_selectors(select or (), "--select")
        validate_selectors(ignore, "--ignore")
        options = RerunOptions(
            kernel=args.kernel,
            timeout=args.timeout,
            total_timeout=args.total_timeout,
            allow_errors=args.allow_errors,
            parameters=tuple(parse_parameter(p) for p in parameters),
            rtol=args.rtol,
            repeat=args.repeat,
            select=select,
            ignore=ignore,
            cwd=args.cwd,
        )
    except UsageError as exc:
        return _error(str(exc))
    if args.cwd is not None and not args.cwd.is_dir():
        return _error(f"--cwd {args.cwd}: not a directory")

    found = discover(notebooks)
    folder: Path | None = None
    if args.output is not None:
        folder = _output_folder(args.output, found.files, notebooks)
        if folder is not None and args.output.exists() and not args.output.is_dir():
            return _error("--output must be a folder when several notebooks are replayed")
        for notebook in found.files:
            target = _output_path(args.output, notebook, folder)
            if target.exists() and os.path.samefile(target, notebook):
                return _error(f"--output {target} is the notebook itself; it is never overwritten")

    results: list[FileResult] = [
        (
            FileResult(p.display, error=p.reason)
            if p.error
            else FileResult(p.display, skipped=p.reason)
        )
        for p in found.problems
    ]
    status = _Status(sys.stderr, len(found.files), options.repeat)

    async def one(notebook: Path, slots: asyncio.Semaphore) -> Replay:
        name = display_name(notebook)
        async with slots:
            try:
                outcome: Replay = await replay(notebook, name, options, status.watch(name))
            except Exception as exc:  # a bug in nbprod: this file's error, not the run's end
                if os.environ.get("NBPROD_DEBUG"):
                    raise
                outcome = Replay(FileResult(name, error=internal_error("the replay", exc)))
        status.finished()
        if args.output is not None and outcome.executed is not None:
            target = _output_path(args.output, notebook, folder)
            try:
                write_atomically(target, executed_text(outcome.executed))
            except OSError as exc:
                outcome.result.error = (
                    f"cannot write the executed copy to {target}: {exc.strerror or exc}"
                )
        return outcome

    async def replay_all() -> list[Replay]:
        import asyncio  # only a replay needs it: `nbprod check` imports this module too

        slots = asyncio.Semaphore(args.jobs)
        return list(await asyncio.gather(*(one(nb, slots) for nb in found.files)))

    try:
        outcomes: list[Replay] = run_sync(replay_all())
    except Interrupted as exc:
        status.clear()
        print(f"nbprod: {exc.args[0]}: stopped; its kernels were killed", file=sys.stderr)
        return 128 + exc.signum
    status.clear()
    for outcome in outcomes:
        results.append(outcome.result)
        for note in outcome.notes:
            print(clean(f"{outcome.result.filename}: note: {note}"), file=sys.stderr)
    for result in results:
        if result.error:
            print(clean(f"{result.filename}: error: {result.error}"), file=sys.stderr)
        elif result.skipped:
            print(clean(f"{result.filename}: skipped: {result.skipped}"), file=sys.stderr)
    for note in found.notes:
        print(clean(f"nbprod: note: {note}"), file=sys.stderr)
    _report(args, results)
    if not found.files and not found.problems:
        print("nbprod: warning: no notebooks found", file=sys.stderr)
    if any(r.error for r in results):
        return EXIT_ERROR
    if any(r.findings for r in results) and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _output_path(output: Path, notebook: Path, folder: Path | None) -> Path:
    """Where the executed copy goes: ``output`` itself, or below it (``folder`` is the common
    folder of all notebooks, so copies keep their relative paths and never collide)."""
    if folder is None:
        return output
    try:
        relative = notebook.resolve().relative_to(folder)
    except ValueError:
        relative = Path(notebook.name)
    return output / relative


def _output_folder(output: Path, notebooks: list[Path], arguments: list[Path]) -> Path | None:
    """None when ``output`` names one file; else the folder the copies' paths are relative to."""
    as_folder = (
        len(notebooks) > 1
        or output.is_dir()
        or str(output).endswith(("/", os.sep))
        or any(a.is_dir() for a in arguments)
    )
    if not as_folder or not notebooks:
        return None
    parents = [str(n.resolve().parent) for n in notebooks]
    return Path(os.path.commonpath(parents))


def _report(args: argparse.Namespace, results: list[Any]) -> None:
    from nbprod.reporters import reporter

    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    )
    reporter(args.format)(results, sys.stdout, color)


class _Status:
    """``[2/5] run 1/2 cell 3/12 analysis.ipynb`` on stderr, only on a terminal."""

    def __init__(self, stream: TextIO, files: int, runs: int) -> None:
        self.stream = stream
        self.enabled = stream.isatty() and "NBPROD_NO_PROGRESS" not in os.environ
        self.files = files
        self.runs = runs
        self.done = 0
        self.last = 0.0
        self.shown = False

    def watch(self, name: str) -> Callable[[dict[str, Any]], None]:
        def event(event: dict[str, Any]) -> None:
            if not self.enabled or event.get("event") != "cell":
                return
            now = time.monotonic()
            if now - self.last < 0.1:
                return
            self.last = now
            run = f"run {event['run']}/{self.runs} " if self.runs > 1 else ""
            files = f"[{self.done}/{self.files} done] " if self.files > 1 else ""
            text = f"{files}{run}cell {event['done']}/{event['total']} {name}"
            self.stream.write("\r" + text[:100].ljust(100))
            self.stream.flush()
            self.shown = True

        return event

    def finished(self) -> None:
        self.done += 1

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            self.shown = False
