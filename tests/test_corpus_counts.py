"""No rule's volume on the shared corpora changes unnoticed (see tests/corpus_counts.py)."""

from __future__ import annotations

import json

import pytest

from .corpus_counts import CORPORA, COUNTS, SHARED, counts


def test_findings_per_rule_on_the_shared_corpora_are_the_reviewed_ones() -> None:
    if not all((SHARED / c / "notebooks").is_dir() for c in CORPORA):
        pytest.skip("../shared corpora are absent (they are only beside the developers' checkout)")
    expected = json.loads(COUNTS.read_text(encoding="utf-8"))
    actual = counts()
    changed = [
        f"{corpus} {code}: {expected[corpus].get(code)} -> {n}"
        for corpus in CORPORA
        for code, n in actual[corpus].items()
        if expected[corpus].get(code) != n
    ]
    assert not changed, (
        "findings per rule changed (read them, then `python -m tests.corpus_counts`): "
        + "; ".join(changed)
    )
