"""Each area's findings on 35 real notebooks match the reviewed list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .corpus_expectations.update import HERE, findings_for_area

AREAS = sorted(p.stem for p in HERE.glob("*.json"))


@pytest.mark.parametrize("area", AREAS)
def test_findings_match_reviewed_expectations(area: str) -> None:
    expected = json.loads((HERE / f"{area}.json").read_text(encoding="utf-8"))
    actual = findings_for_area(area)
    assert set(actual) == set(expected), "fixture notebooks changed: regenerate and review"
    for name in sorted(expected):
        assert actual[name] == expected[name], f"{area} findings changed on {name}"


def test_at_least_30_notebooks_are_covered() -> None:
    assert len(list((Path(__file__).parent / "fixtures" / "corpus").glob("*.ipynb"))) >= 30
