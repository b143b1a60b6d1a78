"""What checking one file produced, shared by the engine, the result cache, the runner
and the reporters (light: a warm run reads results without importing the analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nbprod.findings import Finding


@dataclass
class FileResult:
    """What checking one file produced: findings, or why it was not checked."""

    filename: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # unreadable: counts toward exit code 2
    skipped: str | None = None  # deliberately not checked (e.g. an R notebook)


def internal_error(where: str, exc: BaseException) -> str:
    """The one-line report of a bug in nbprod itself, for one file."""
    text = str(exc).strip().split("\n", 1)[0]
    if len(text) > 200:
        text = text[:197] + "..."
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return f"internal error in {where}: {detail} (please report)"
