"""Corpus-wide checks on ../shared/corpus (skipped where it is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema

from nbprod.config import Settings
from nbprod.engine import check_file
from nbprod.reporters.json import report_dict

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "nbprod" / "schemas" / "report.schema.json").read_text()
)


def test_whole_corpus_is_checked_without_errors_and_matches_the_schema(corpus: Path) -> None:
    paths = sorted((corpus / "notebooks").glob("*.ipynb"))
    assert len(paths) == 198
    results = [check_file(p, Settings()) for p in paths]
    assert [r.error for r in results if r.error] == []
    jsonschema.validate(report_dict(results), SCHEMA)


def test_out_of_order_findings_agree_with_the_manifest(corpus: Path) -> None:
    with (corpus / "MANIFEST.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    disagreements = []
    for row in rows:
        result = check_file(corpus / row["file"], Settings(select=("NBP101",)))
        in_order = not result.findings
        if in_order != (row["execution_counts_in_order"] == "True"):
            disagreements.append(row["file"])
    assert len(rows) == 198 and disagreements == []
