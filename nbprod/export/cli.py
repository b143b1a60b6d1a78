"""``nbprod export NOTEBOOK [--package NAME] [--out DIR] [--check] [--force] [--verify]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from nbprod.export.api import ExportResult, Prepared
    from nbprod.runner import Failure, Limits

_Job = tuple[Path, "Path | None", "str | None", bool, bool, bool]

_VERBS = {"written": "wrote", "removed": "removed", "outdated": "out of date", "refused": "refused",
          "skipped": "skipped", "unchanged": "unchanged"}  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "export",
        help="export tagged cells to a typed, tested, formatted package",
        description="Export a notebook's `export`/`test`/`parameters` cells to a Python package.",
    )
    parser.add_argument(
        "notebooks",
        type=Path,
        nargs="+",
        metavar="NOTEBOOK",
        help="the notebook(s), never modified; with several (as pre-commit passes them),"
        " those without export tags are skipped",
    )
    parser.add_argument(
        "--package", metavar="NAME", help="package name (default: from the notebook's name)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output directory (default: [tool.nbprod.export] out, else ./<package-name>)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the package is out of date"
    )
    parser.add_argument("--force", action="store_true", help="overwrite files edited by hand")
    parser.add_argument(
        "--verify", action="store_true", help="run black, isort, mypy and pytest on the result"
    )
    from nbprod.cli import add_limit_options

    add_limit_options(parser)


def run(args: argparse.Namespace) -> int:
    """Export each notebook; planning and rendering run in a guarded worker process
    (timeout-per-file, memory-per-file), writing happens here once they succeeded."""
    if len(args.notebooks) > 1 and (args.out is not None or args.package is not None):
        print("nbprod: error: --out and --package need a single notebook", file=sys.stderr)
        return 2
    # imported here: libcst and black are slow to import, and `nbprod check` never needs them
    import nbprod.export.api  # noqa: F401 - loaded once, before workers fork
    from nbprod.runner import guarded_map

    several = len(args.notebooks) > 1
    jobs: list[_Job] = [
        (nb, args.out, args.package, args.check, args.force, several) for nb in args.notebooks
    ]
    limits = [_limits(nb, args) for nb in args.notebooks]
    codes = []
    for prepared in guarded_map(_prepare, jobs, limits, 1, _failed):
        if prepared.untagged:
            continue
        codes.append(_finish(args, prepared))
    return max(codes, default=0)


def _limits(notebook: Path, args: argparse.Namespace) -> Limits:
    from nbprod.config import ConfigError, Settings, load_settings
    from nbprod.runner import Limits

    try:
        settings = load_settings(notebook)
    except ConfigError:
        settings = Settings()  # the export reports the bad configuration itself
    return Limits(
        args.timeout_per_file if args.timeout_per_file is not None else settings.timeout_per_file,
        args.memory_per_file if args.memory_per_file is not None else settings.memory_per_file,
    )


def _prepare(job: _Job) -> Prepared:
    from nbprod.export.api import prepare_export

    notebook, out, package, check, force, only_tagged = job
    return prepare_export(notebook, out, package, check, force, only_tagged)


def _failed(job: _Job, failure: Failure) -> Prepared:
    from nbprod.export.api import ExportResult, Prepared

    notebook, out, package, check, _, _ = job
    result = ExportResult(str(notebook), str(out or ""), package or "", check=check)
    result.error = failure.message("exported")
    return Prepared(result)


def _finish(args: argparse.Namespace, prepared: Prepared) -> int:
    from nbprod.export.api import EXIT_OUTDATED, write_prepared
    from nbprod.export.verify import verify

    result = write_prepared(prepared)
    report(result, sys.stdout, sys.stderr)
    code = result.exit_code
    if args.verify and code == 0:
        failed = False
        for step in verify(Path(result.out_dir)):
            print(f"verify {step.name:<6} {step.status} ({step.seconds:.1f}s)")
            if not step.ok:
                failed = True
                print(_indent(step.output))
        if failed:
            code = EXIT_OUTDATED
    return code


def report(result: ExportResult, out: TextIO, err: TextIO) -> None:
    if result.error:
        print(f"nbprod: error: {result.notebook}: {result.error}", file=err)
        return
    for refusal in result.refusals:
        print(f"{refusal.message(result.notebook)}", file=err)
    for status in result.files:
        if status.status == "unchanged":
            continue
        reason = f" ({status.reason})" if status.reason and status.status != "written" else ""
        print(f"{_VERBS[status.status]:<11} {Path(result.out_dir) / status.path}{reason}", file=out)
    for note in result.notes:
        print(f"note: {note}", file=out)
    unchanged = len(result.paths("unchanged"))
    refused_files = len(result.paths("refused"))
    if result.refusals:
        print(
            f"nbprod: export refused: {len(result.refusals)} problem(s); nothing was written",
            file=err,
        )
    elif refused_files:  # neither "up to date" nor "exported": the package is not the notebook's
        written = "" if result.check else "; nothing was written"
        print(
            f"nbprod: {result.out_dir}: {refused_files} file(s) refused{written} (--force "
            "overwrites files edited by hand)",
            file=err,
        )
    elif result.check:
        state = "out of date" if result.outdated else "up to date"
        print(f"{result.out_dir}: {state} ({unchanged} file(s) unchanged)", file=out)
    else:
        print(f"{result.out_dir}: package {result.package} exported in {result.seconds:.1f}s "
              f"({unchanged} file(s) unchanged)", file=out)  # fmt: skip


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines()[-40:])
