"""The server workers' per-cell facts cache: one edit costs one cell, findings unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbprod.analysis import facts_cache
from nbprod.config import Settings
from nbprod.engine import check_notebook_data

FIXTURE = Path(__file__).resolve().parent.parent / "examples" / "churn_prototype.ipynb"


@pytest.fixture
def cache() -> Iterator[facts_cache.FactsCache]:
    yield facts_cache.enable(max_cells=1000)
    facts_cache._active = None


def findings(data: dict[str, object]) -> list[dict[str, object]]:
    return [f.to_json() for f in check_notebook_data(data, "nb.ipynb", Settings()).findings]


def test_an_edit_reanalyses_only_the_edited_cell(cache: facts_cache.FactsCache) -> None:
    data = json.loads(FIXTURE.read_text())
    code_cells = sum(1 for c in data["cells"] if c["cell_type"] == "code")
    fresh = findings(data)
    assert (cache.misses, cache.hits) == (code_cells, 0)
    assert findings(data) == fresh
    assert (cache.misses, cache.hits) == (code_cells, code_cells)

    edited = next(
        c for c in data["cells"] if c["cell_type"] == "code" and "df_clean" in "".join(c["source"])
    )
    edited["source"] = "print(undefined_thing)"
    cached = findings(data)
    assert cache.misses == code_cells + 1
    facts_cache._active = None
    assert cached == findings(data)  # the same as an analysis without the cache
    assert any("undefined_thing" in str(f["message"]) for f in cached)


def test_moved_cells_keep_their_facts_but_report_their_new_place(
    cache: facts_cache.FactsCache,
) -> None:
    cells = [
        {
            "cell_type": "code",
            "id": cid,
            "metadata": {},
            "source": src,
            "execution_count": None,
            "outputs": [],
        }
        for cid, src in (("a", "x = 1"), ("b", "print(y)"))
    ]
    data = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    assert [f["cell_index"] for f in findings(data) if f["code"] == "NBP105"] == [1]
    data["cells"] = cells[::-1]
    assert [f["cell_index"] for f in findings(data) if f["code"] == "NBP105"] == [0]
    assert cache.hits == 2


def test_the_cache_is_bounded() -> None:
    cache = facts_cache.FactsCache(max_cells=2)
    data = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    from nbprod.notebook import notebook_from_data

    data["cells"] = [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {},
            "source": f"x{i} = {i}",
            "execution_count": None,
            "outputs": [],
        }
        for i in range(5)
    ]
    for cell in notebook_from_data(data, "nb.ipynb").code_cells:
        cache.analyze(cell)
    assert len(cache._facts) == 2 and cache.misses == 5
