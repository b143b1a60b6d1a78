"""docs/rules.md is generated from the rules' docstrings and must be current."""

from __future__ import annotations

from nbprod.rules.docs import rules_markdown
from nbprod.rules.registry import all_rules

from .conftest import ROOT


def test_rule_catalog_is_current() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert (
        committed == rules_markdown()
    ), "regenerate: nbprod rules --format markdown > docs/rules.md"


def test_catalog_documents_every_rule() -> None:
    text = rules_markdown()
    for rule in all_rules():
        assert f"### {rule.code} {rule.name}" in text
