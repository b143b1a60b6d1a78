"""Corpus-wide checks on ../shared/corpus (skipped where it is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.stateless import stateless
from nbprod.config import Settings
from nbprod.engine import check_file
from nbprod.notebook import load_notebook
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
    """The manifest's `execution_counts_in_order` counts every cell; NBP101 leaves out
    cells that cannot change the kernel's state. So: no finding on an in-order notebook,
    and an out-of-order one goes unflagged only if its stateful cells are in order."""
    with (corpus / "MANIFEST.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    flagged_in_order, unflagged = [], []
    for row in rows:
        path = corpus / row["file"]
        result = check_file(path, Settings(select=("NBP101",)))
        if row["execution_counts_in_order"] == "True":
            if result.findings:
                flagged_in_order.append(row["file"])
        elif not result.findings:
            unflagged.append(path)
    assert len(rows) == 198 and flagged_in_order == []
    for path in unflagged:
        analyzed = AnalyzedNotebook(load_notebook(path))
        counts = [
            f.cell.execution_count
            for f in analyzed.cells
            if f.cell.execution_count and not stateless(f)
        ]
        assert counts == sorted(counts), path.name
        assert len(set(counts)) == len(counts), path.name
