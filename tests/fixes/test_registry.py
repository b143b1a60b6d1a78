"""The registry's static list of unsafe fixes says what the fixes themselves say."""

from __future__ import annotations

import sys

from nbprod.fixes import registry


def test_the_unsafe_list_matches_each_fix_modules_own_word() -> None:
    for code in registry.MODULES:
        fix = registry.fixer(code)
        assert fix is not None
        doc = sys.modules[fix.__module__].__doc__ or ""
        assert ("(unsafe)" in doc.split("\n\n", 1)[0]) == (code in registry.UNSAFE), code


def test_a_rule_without_a_fix_has_no_fixer() -> None:
    assert registry.fixer("NBP101") is None
