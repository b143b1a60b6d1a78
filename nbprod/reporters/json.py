"""``--format json``: the stable schema (see ``schema/findings.schema.json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from nbprod import __version__
from nbprod.reporters import clean_data
from nbprod.results import FileResult


def report_dict(results: Sequence[FileResult]) -> dict[str, Any]:
    """The report as JSON data; every string is valid Unicode (lone surrogates escaped)."""
    report: dict[str, Any] = {
        "version": __version__,
        "files_checked": sum(1 for r in results if r.error is None and r.skipped is None),
        "findings": [f.to_json() for r in results for f in r.findings],
        "errors": [{"filename": r.filename, "message": r.error} for r in results if r.error],
        "skipped": [{"filename": r.filename, "reason": r.skipped} for r in results if r.skipped],
    }
    cleaned: dict[str, Any] = clean_data(report)
    return cleaned


def render(
    results: Sequence[FileResult],
    out: TextIO,
    color: bool = False,
    fixed: list[dict[str, Any]] | None = None,
) -> None:
    """The report; after ``--fix``, with the fixes applied under ``fixed``."""
    report = report_dict(results)
    if fixed is not None:
        report["fixed"] = clean_data(fixed)
    out.write(json.dumps(report, indent=2))  # one write: dump() writes per token
    out.write("\n")
