"""``--format github``: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from nbprod.findings import Severity
from nbprod.reporters import clean
from nbprod.results import FileResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape(value: str, prop: bool = False) -> str:
    value = clean(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def render(results: Sequence[FileResult], out: TextIO, color: bool) -> None:
    for result in results:
        if result.error:
            out.write(f"::error file={_escape(result.filename, True)}::{_escape(result.error)}\n")
        for f in result.findings:
            title = _escape(f"{f.code} [{f.name}]", True)
            message = _escape(f"cell {f.cell_index + 1}, line {f.line}: {f.message}")
            out.write(
                f"::{_LEVEL[f.severity]} file={_escape(f.filename, True)},title={title}::{message}\n"
            )
