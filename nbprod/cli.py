"""``nbprod check | export | rules | explain``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nbprod import __version__
from nbprod.cache import ResultCache
from nbprod.config import ConfigError, Settings, load_settings
from nbprod.discovery import discover, display_name
from nbprod.export.cli import register as export_register
from nbprod.fixes import cli as fixes_cli
from nbprod.progress import Progress
from nbprod.reporters import FORMATS, clean, reporter
from nbprod.rerun.cli import register as rerun_register
from nbprod.results import FileResult
from nbprod.runner import Task, default_jobs, run
from nbprod.selection import enables_some, validate

if TYPE_CHECKING:
    from nbprod.fixes.apply import Fixed

# Only what a check of cached results needs is imported above: a warm run is mostly
# start-up. The analysis, the rules, libcst and the other commands load when used.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _selectors(values: list[str] | None) -> list[str] | None:
    """``--select A,B --select C`` -> [A, B, C]."""
    if values is None:
        return None
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbprod", description="Check ML notebooks against a production checklist."
    )
    parser.add_argument("--version", action="version", version=f"nbprod {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="check notebooks and report findings per cell")
    check.add_argument(
        "paths", nargs="*", type=Path, default=[Path(".")], help="notebooks or directories"
    )
    check.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    check.add_argument(
        "--select",
        action="append",
        metavar="RULES",
        help="rules to enable (code, prefix, name, ALL); replaces the configured selection",
    )
    check.add_argument(
        "--extend-select", action="append", metavar="RULES", help="rules to enable in addition"
    )
    check.add_argument("--ignore", action="append", metavar="RULES", help="rules to disable")
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are findings"
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the findings",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: number of cores)",
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="also check notebooks that git ignores inside the directories given",
    )
    check.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="check every file, neither reading nor writing the result cache"
        " (default: .nbprod_cache/, or NBPROD_CACHE_DIR)",
    )
    add_limit_options(check)
    fixes_cli.register(check)

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text",
        help="markdown is the rule catalog in docs/rules.md",
    )  # fmt: skip
    export_register(sub)
    rerun_register(sub)
    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", help="rule code or name, e.g. NBP104 or use-before-definition")
    return parser


def _non_negative(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
        if value != value or value < 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
        return value

    return parse


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """``--timeout-per-file`` and ``--memory-per-file``, for ``check`` and ``export``."""
    parser.add_argument(
        "--timeout-per-file",
        type=_non_negative(float),
        metavar="SECONDS",
        help="give up on a file after this long, reporting it as an error"
        " (default: [tool.nbprod] timeout-per-file, else 120; 0: no limit)",
    )
    parser.add_argument(
        "--memory-per-file",
        type=_non_negative(int),
        metavar="MB",
        help="give up on a file that needs more memory than this"
        " (default: [tool.nbprod] memory-per-file, else 4096; 0: no limit)",
    )


def entry() -> None:
    """The console script: run, then skip interpreter teardown.

    Freeing every AST and finding of a large run one by one costs about a third of a
    second after the work is done (mypy exits the same way).
    """
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `nbprod check | head`: the reader left; no traceback
        code = EXIT_FINDINGS
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        # a report must never fail on text it cannot encode (a lone surrogate, a C locale)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    try:
        if args.command == "rules":
            return _rules(args.format)
        if args.command == "explain":
            return _explain(args.rule)
        if args.command == "export":
            from nbprod.export.cli import run as export_run

            return export_run(args)
        if args.command == "rerun":
            from nbprod.rerun.cli import run as rerun_run

            return rerun_run(args)
        return _check(args)
    except ConfigError as exc:
        print(f"nbprod: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except (BrokenPipeError, SystemExit):
        raise
    except Exception as exc:  # a bug in nbprod itself: one line, not a traceback
        if os.environ.get("NBPROD_DEBUG"):
            raise
        text = clean(str(exc).split("\n", 1)[0][:300])
        print(
            f"nbprod: internal error: {type(exc).__name__}: {text} (please report;"
            " NBPROD_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _rules(fmt: str) -> int:
    from nbprod.rules.docs import rules_markdown
    from nbprod.rules.registry import catalog, documented_rules, is_replay_rule

    if fmt == "json":
        print(json.dumps(catalog(), indent=2))
    elif fmt == "markdown":
        print(rules_markdown(), end="")
    else:
        for rule in documented_rules():
            only = "[rerun only] " if is_replay_rule(rule) else ""
            print(f"{rule.code}  {rule.name:<28} {rule.area.value:<14} {only}{rule.summary()}")
    return EXIT_CLEAN


def _explain(key: str) -> int:
    from nbprod.fixes.registry import describe as describe_fix
    from nbprod.rules.registry import documented_rules, rule_by_code_or_name

    rule = rule_by_code_or_name(key, documented_rules())
    if rule is None:
        print(f"nbprod: error: unknown rule '{key}' (see `nbprod rules`)", file=sys.stderr)
        return EXIT_ERROR
    print(f"# {rule.code} ({rule.name})\n")
    print(
        f"Area: {rule.area.label}. Severity: {rule.severity.value}. Checklist: {rule.checklist_item}.\n"
    )
    fix = describe_fix(rule.code)
    if fix is not None:
        print(f"{fix}\n")
    print(rule.docs())
    return EXIT_CLEAN


def _check(args: argparse.Namespace) -> int:
    select = _selectors(args.select)
    extend = _selectors(args.extend_select)
    ignore = _selectors(args.ignore)
    for option, values in (("--select", select), ("--extend-select", extend), ("--ignore", ignore)):
        validate(values or (), option)
    if select or extend:
        from nbprod.rerun.rules import replay_only_selections

        for warning in replay_only_selections([*(select or ()), *(extend or ())]):
            print(f"nbprod: warning: {warning}", file=sys.stderr)
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    found = discover(args.paths, respect_gitignore=args.respect_gitignore)
    files = found.files

    tasks: list[Task] = []
    by_folder: dict[Path, Settings] = {}  # one pyproject.toml lookup per folder
    for path in files:
        settings = by_folder.get(path.parent)
        if settings is None:
            settings = by_folder[path.parent] = replace(
                load_settings(path).with_cli(
                    select, extend, ignore, args.timeout_per_file, args.memory_per_file
                ),
                # reports that carry fixes carry every one; text shows unsafe ones on request
                unsafe_fixes=args.unsafe_fixes or args.format in ("json", "sarif"),
            )
            validate(
                [*(settings.select or ()), *settings.extend_select, *settings.ignore],
                settings.source or "settings",
            )
        tasks.append((path, display_name(path), settings))
    if tasks and not any(enables_some(t[2]) for t in tasks):
        print("nbprod: warning: no rules are enabled", file=sys.stderr)

    results = [
        (
            FileResult(p.display, error=p.reason)
            if p.error
            else FileResult(p.display, skipped=p.reason)
        )
        for p in found.problems
    ]
    fixing = args.fix or args.fix_only or args.diff
    fixed: list[Fixed] = []
    if fixing:
        # --diff writes nothing; --fix writes each file once its rounds of fixes are done
        fixed = fixes_cli.fix_files(
            tasks,
            args.jobs or default_jobs(),
            args.unsafe_fixes,
            write=not args.diff,
            progress=Progress(len(tasks)),
        )
        results += [f.result for f in fixed]
    else:
        cache = ResultCache.default() if args.cache else None
        results += run(tasks, args.jobs or default_jobs(), Progress(len(tasks)), cache)
    for result in results:
        if result.error:
            print(clean(f"{result.filename}: error: {result.error}"), file=sys.stderr)
        elif result.skipped:
            print(clean(f"{result.filename}: skipped: {result.skipped}"), file=sys.stderr)
    for note in found.notes:
        print(clean(f"nbprod: note: {note}"), file=sys.stderr)

    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    )
    if args.diff:
        for item in fixed:
            fixes_cli.write_diff(item, sys.stdout)
        print(fixes_cli.fixed_summary(fixed, "Would fix"), file=sys.stderr)
    elif args.fix_only and args.format == "text":
        print(fixes_cli.fixed_summary(fixed))
    elif args.statistics:
        from nbprod.reporters.text import statistics

        statistics(results, sys.stdout, args.unsafe_fixes)
    elif args.format == "text":
        from nbprod.reporters.text import render as text_render

        text_render(results, sys.stdout, color, args.unsafe_fixes, fixed if fixing else None)
    elif args.format == "json" and fixing:
        from nbprod.reporters.json import render as json_render

        json_render(results, sys.stdout, fixed=fixes_cli.fixed_json(fixed))
    else:
        reporter(args.format)(results, sys.stdout, color)
    if not files and not found.problems:
        print("nbprod: warning: no notebooks found", file=sys.stderr)
    if any(r.error for r in results):
        return EXIT_ERROR
    if args.diff:
        return EXIT_FINDINGS if any(f.changed for f in fixed) else EXIT_CLEAN
    if args.fix_only:
        return EXIT_CLEAN
    if any(r.findings for r in results) and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN
