"""Corpus-wide checks on ../shared/corpus (skipped where it is absent)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.stateless import mutated_names, stateless
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
    cells that cannot change the kernel's state and pairs of cells that share no names
    (imported ones aside).
    So: no finding on an in-order notebook, and an out-of-order one goes unflagged only if
    every two stateful cells that ran in the wrong order touch different names."""
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
        cells = [f for f in analyzed.cells if f.cell.execution_count and not stateless(f)]
        for i, first in enumerate(cells):
            for second in cells[i + 1 :]:
                if (first.cell.execution_count or 0) > (second.cell.execution_count or 0):
                    shared = _touch_the_same_names(first, second, set(analyzed.imports))
                    assert not shared, (path.name, first.cell.index)


def _touch_the_same_names(a: CellFacts, b: CellFacts, modules: set[str]) -> bool:
    def names(f: CellFacts) -> tuple[set[str], set[str]]:
        reads = {r.name for r in f.reads} | {r.name for refs in f.deferred.values() for r in refs}
        return reads - modules, (f.defined | set(mutated_names(f))) - modules

    (reads_a, binds_a), (reads_b, binds_b) = names(a), names(b)
    return bool(reads_a & binds_b or binds_a & reads_b or binds_a & binds_b)
