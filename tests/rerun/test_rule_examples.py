"""The replay rules' VALID and INVALID examples are their tests (as for the static rules,
tests/test_rule_examples.py), run in real kernels: all examples at once, three at a time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from nbprod.rerun.replay import Replay, RerunOptions, replay
from nbprod.rerun.rules import RERUN_RULES, ReplayRule
from nbprod.rules.base import Example

CASES = [
    (rule, kind, i, example if isinstance(example, Example) else Example(example))
    for rule in RERUN_RULES
    for kind in ("valid", "invalid")
    for i, example in enumerate(getattr(rule, kind))
]


def _id(case: tuple[type[ReplayRule], str, int, Example]) -> str:
    return f"{case[0].code}-{case[1]}-{case[2]}"


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Replay]:
    root = tmp_path_factory.mktemp("examples")

    async def run_all() -> dict[str, Replay]:
        slots = asyncio.Semaphore(3)

        async def one(case: tuple[type[ReplayRule], str, int, Example]) -> tuple[str, Replay]:
            rule, _, _, example = case
            path = root / f"{_id(case)}.ipynb"
            path.write_text(json.dumps(example.notebook_json()), encoding="utf-8")
            options = RerunOptions(timeout=30, repeat=rule.repeat, select=(rule.code,))
            async with slots:
                return _id(case), await replay(path, "example.ipynb", options)

        return dict(await asyncio.gather(*(one(case) for case in CASES)))

    return asyncio.run(run_all())


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_example(case: tuple[type[ReplayRule], str, int, Example], replays: dict[str, Any]) -> None:
    rule, kind, _, example = case
    result = replays[_id(case)].result
    assert result.error is None, result.error
    found = sorted((f.cell_index, f.line, f.column) for f in result.findings)
    assert all(f.code == rule.code for f in result.findings)
    if kind == "valid":
        assert found == []
    else:
        expected = sorted(example.at)
        assert [f[: len(e)] for f, e in zip(found, expected)] == expected
        assert len(found) == len(expected), found
