"""Ruff-style lines: ``path:cell N:line:col: CODE [name] message``, then a summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from nbprod.findings import Finding, Severity
from nbprod.fixes.registry import UNSAFE
from nbprod.reporters import clean
from nbprod.results import FileResult

if TYPE_CHECKING:
    from nbprod.fixes.apply import Fixed

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SEVERITY = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}


def format_finding(f: Finding, color: bool = False, unsafe_fixes: bool = False) -> str:
    """One line; ``[*]`` after the code when ``--fix`` would fix the finding (as in ruff)."""
    location = f"{f.filename}:cell {f.cell_index + 1}:{f.line}:{f.column}:"
    star = " [*]" if _offered(f, unsafe_fixes) else ""
    if not color:
        return f"{location} {f.code}{star} [{f.name}] {f.message}"
    tint = _SEVERITY[f.severity]
    return f"{_BOLD}{location}{_RESET} {tint}{_BOLD}{f.code}{_RESET}{star} {_DIM}[{f.name}]{_RESET} {f.message}"


def _offered(f: Finding, unsafe_fixes: bool) -> bool:
    return f.fix is not None and (unsafe_fixes or f.fix.get("applicability") == "safe")


def render(
    results: Sequence[FileResult],
    out: TextIO,
    color: bool,
    unsafe_fixes: bool = False,
    fixed: Sequence[Fixed] | None = None,
) -> None:
    """The findings and a summary; after ``--fix`` (``fixed``), those that remain and
    what was fixed."""
    for result in results:
        for finding in result.findings:
            out.write(clean(format_finding(finding, color, unsafe_fixes)) + "\n")
    if fixed is not None:
        from nbprod.fixes.cli import fixed_summary

        out.write(fixed_summary(fixed) + "\n")
    out.write(summary(results) + "\n")
    findings = [f for r in results for f in r.findings]
    offered = sum(1 for f in findings if _offered(f, unsafe_fixes))
    # a plain check does not compute unsafe fixes (their codemods are the slow ones): the
    # findings of rules whose fixes are unsafe may have one
    hidden = sum(
        1
        for f in findings
        if not _offered(f, unsafe_fixes) and (f.fix is not None or f.code in UNSAFE)
    )
    if offered:
        out.write(f"[*] {offered} fixable with `nbprod check --fix`.\n")
    if hidden and not unsafe_fixes:
        out.write(
            f"({hidden} more finding{'s' if hidden != 1 else ''} may be fixed with"
            " `--unsafe-fixes`.)\n"
        )


def summary(results: Sequence[FileResult]) -> str:
    counts = Counter(f.code for r in results for f in r.findings)
    checked = sum(1 for r in results if r.error is None and r.skipped is None)
    errors = sum(1 for r in results if r.error)
    skipped = sum(1 for r in results if r.skipped)
    files = f"{checked} file{'s' if checked != 1 else ''} checked"
    extra = "".join(
        [
            f", {errors} could not be read" if errors else "",
            f", {skipped} skipped" if skipped else "",
        ]
    )
    total = sum(counts.values())
    if not total:
        if errors:
            return f"No findings, but not every file could be checked ({files}{extra})."
        return f"All checks passed ({files}{extra})."
    per_rule = ", ".join(f"{code} ×{n}" for code, n in sorted(counts.items()))
    with_findings = sum(1 for r in results if r.findings)
    return (
        f"Found {total} finding{'s' if total != 1 else ''} in {with_findings} of {files}{extra}:"
        f" {per_rule}."
    )


def statistics(results: Sequence[FileResult], out: TextIO, unsafe_fixes: bool = False) -> None:
    """``--statistics``: findings per rule, most frequent first, ``[*]`` where some of
    them have a fix (as ruff prints them)."""
    findings = [f for r in results for f in r.findings]
    counts = Counter((f.code, f.name) for f in findings)
    fixable = {f.code for f in findings if _offered(f, unsafe_fixes)}
    for (code, name), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        star = "[*] " if code in fixable else ""
        out.write(clean(f"{n:>5}\t{code}\t{star}[{name}]") + "\n")
    out.write(summary(results) + "\n")
