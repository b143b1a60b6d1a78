"""Every rule's VALID and INVALID examples are its tests (as in fixit)."""

from __future__ import annotations

import pytest

from nbprod.config import Settings
from nbprod.engine import check_notebook_data
from nbprod.rules.base import Example, Rule
from nbprod.rules.registry import all_rules

RULES = all_rules()


def _cases(kind: str) -> list[tuple[type[Rule], int, Example]]:
    cases = []
    for rule in RULES:
        for i, example in enumerate(getattr(rule, kind)):
            cases.append((rule, i, example if isinstance(example, Example) else Example(example)))
    return cases


def _found(rule: type[Rule], example: Example) -> list[tuple[int, ...]]:
    result = check_notebook_data(
        example.notebook_json(), "example.ipynb", Settings(select=(rule.code,))
    )
    assert result.error is None and result.skipped is None
    return [(f.cell_index, f.line, f.column) for f in result.findings]


@pytest.mark.parametrize(
    ("rule", "i", "example"), _cases("valid"), ids=lambda v: getattr(v, "code", None)
)
def test_valid_examples_have_no_findings(rule: type[Rule], i: int, example: Example) -> None:
    assert _found(rule, example) == []


@pytest.mark.parametrize(
    ("rule", "i", "example"), _cases("invalid"), ids=lambda v: getattr(v, "code", None)
)
def test_invalid_examples_have_findings_exactly_there(
    rule: type[Rule], i: int, example: Example
) -> None:
    found = _found(rule, example)
    expected = sorted(example.at)
    # `at` entries give (cell, line) or (cell, line, column): compare at that precision
    assert sorted(f[: len(e)] for f, e in zip(sorted(found), expected)) == expected
    assert len(found) == len(expected), found


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented_and_has_examples(rule: type[Rule]) -> None:
    assert rule.missing_sections() == [], f"{rule.code} docstring lacks sections"
    assert rule.valid and rule.invalid, f"{rule.code} needs VALID and INVALID examples"
    assert rule.summary(), rule.code
    assert (
        rule.code[3]
        == {
            "execution": "1",
            "data": "2",
            "experiments": "3",
            "code-health": "4",
            "documentation": "5",
        }[rule.area.value]
        or rule.code == "NBP000"
    )
    assert rule.name == rule.name.lower() and " " not in rule.name


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
