"""Notebook x rules -> findings, with configuration and suppression applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.analysis import AnalyzedNotebook
from nbprod.config import Settings
from nbprod.findings import Finding
from nbprod.notebook import Notebook, NotebookError, load_notebook, notebook_from_data
from nbprod.selection import enabled_rules
from nbprod.suppression import Suppressions


@dataclass
class FileResult:
    """What checking one file produced: findings, or why it was not checked."""

    filename: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # unreadable: counts toward exit code 2
    skipped: str | None = None  # deliberately not checked (e.g. an R notebook)


def check_notebook(nb: Notebook, settings: Settings) -> FileResult:
    if not nb.is_python:
        return FileResult(nb.filename, skipped=f"kernel language is '{nb.language}', not Python")
    analyzed = AnalyzedNotebook(nb)
    suppressions = Suppressions.of(nb)
    findings: list[Finding] = []
    for rule_cls in enabled_rules(settings, settings.ignores_for(nb.filename)):
        for finding in rule_cls(settings).check(analyzed):
            if not suppressions.suppressed(finding, rule_cls):
                findings.append(finding)
    findings.sort(key=Finding.sort_key)
    return FileResult(nb.filename, findings)


def check_notebook_data(data: Any, filename: str, settings: Settings) -> FileResult:
    """Check notebook JSON already in memory (the frontend's, unsaved edits included)."""
    try:
        nb = notebook_from_data(data, filename)
    except NotebookError as exc:
        return FileResult(filename, error=str(exc))
    return check_notebook(nb, settings)


def check_file(path: Path, settings: Settings, display_name: str | None = None) -> FileResult:
    name = display_name or str(path)
    try:
        nb = load_notebook(path, name)
    except NotebookError as exc:
        return FileResult(name, error=str(exc))
    return check_notebook(nb, settings)
