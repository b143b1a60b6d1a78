"""``--format sarif``: SARIF 2.1.0, rules described from their docstrings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from nbprod import __version__
from nbprod.findings import Severity
from nbprod.fixes.artifact import file_replacements, load
from nbprod.fixes.model import Fix
from nbprod.notebook import NotebookError
from nbprod.notebook.load import read_regular_file
from nbprod.reporters import clean_data
from nbprod.results import FileResult
from nbprod.rules.registry import documented_rules

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_dict(results: Sequence[FileResult]) -> dict[str, Any]:
    cleaned: dict[str, Any] = clean_data(_sarif_dict(results))
    return cleaned


def _sarif_dict(results: Sequence[FileResult]) -> dict[str, Any]:
    rules = documented_rules()  # the replay rules too: `nbprod rerun` reports with it
    index = {r.code: i for i, r in enumerate(rules)}
    sarif_results: list[dict[str, Any]] = []
    for result in results:
        fixes = _Fixes(result.filename)
        for f in result.findings:
            entry: dict[str, Any] = {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _LEVEL[f.severity],
                "message": {"text": f"cell {f.cell_index + 1}: {f.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": Path(f.filename).as_posix()},
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": f.end_line,
                                "endColumn": f.end_column,
                            },
                        },
                        "logicalLocations": [{"name": f"cell {f.cell_index + 1}", "kind": "cell"}],
                    }
                ],
                "properties": {
                    "cell_index": f.cell_index,
                    "cell_id": f.cell_id,
                    "name": f.name,
                },
            }
            if f.fix is not None:
                fix = fixes.sarif(Fix.from_json(f.fix))
                if fix is not None:
                    entry["fixes"] = [fix]
            sarif_results.append(entry)
    notifications = [
        {"level": "error", "message": {"text": r.error}, "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": Path(r.filename).as_posix()}}}
        ]}
        for r in results if r.error
    ]  # fmt: skip
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nbprod",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/nbprod/",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary()},
                                "fullDescription": {"text": r.docs()},
                                "help": {"text": r.docs(), "markdown": r.docs()},
                                "defaultConfiguration": {"level": _LEVEL[r.severity]},
                                "properties": {
                                    "area": r.area.value,
                                    "checklist_item": r.checklist_item,
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "results": sarif_results,
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications,
                    }
                ],
            }
        ],
    }


class _Fixes:
    """SARIF ``fixes`` for one file's findings: byte replacements in the file as it is now,
    read when the first finding with a fix needs it."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.uri = Path(filename).as_posix()
        self.loaded = False
        self.text: str | None = None
        self.data: dict[str, Any] | None = None

    def _load(self) -> None:
        self.loaded = True
        try:
            self.text = read_regular_file(Path(self.filename)).decode("utf-8")
        except (NotebookError, ValueError):  # gone, or a name or text that is not UTF-8
            return
        self.data = load(self.text)

    def sarif(self, fix: Fix) -> dict[str, Any] | None:
        if not self.loaded:
            self._load()
        if self.text is None or self.data is None:
            return None
        replacements = file_replacements(self.text, self.data, fix)
        if not replacements:
            return None
        return {
            "description": {"text": fix.message},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": self.uri},
                    "replacements": [
                        {
                            "deletedRegion": {"byteOffset": offset, "byteLength": length},
                            "insertedContent": {"text": text},
                        }
                        for offset, length, text in replacements
                    ],
                }
            ],
            "properties": {"applicability": fix.applicability},
        }


def render(results: Sequence[FileResult], out: TextIO, color: bool) -> None:
    out.write(json.dumps(sarif_dict(results), indent=2))
    out.write("\n")
