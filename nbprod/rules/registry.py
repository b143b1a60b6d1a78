"""Every rule, found by importing the area packages under ``nbprod/rules/``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbprod.rules.base import Rule

_AREAS = ("execution", "data", "experiments", "code_health", "documentation")


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Rule classes sorted by code; each module under an area package holds one."""
    from nbprod.rules.base import Rule  # with the analysis: not needed to name a rule

    found: list[type[Rule]] = []
    for area in _AREAS:
        package = importlib.import_module(f"nbprod.rules.{area}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found.extend(
                obj
                for obj in vars(module).values()
                if isinstance(obj, type)
                and issubclass(obj, Rule)
                and obj.__module__ == module.__name__
            )
    return tuple(sorted(found, key=lambda r: r.code))


def rule_by_code_or_name(key: str, rules: Iterable[type[Rule]] | None = None) -> type[Rule] | None:
    """The rule named ``key`` (``NBP104`` or ``use-before-definition``) among ``rules``
    (default: every static rule), else None."""
    for rule in all_rules() if rules is None else rules:
        if key.upper() == rule.code or key == rule.name:
            return rule
    return None


def option_defaults() -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for rule in all_rules():
        defaults.update(rule.options)
    return defaults


def replay_rules() -> tuple[type[Rule], ...]:
    """NBP110-NBP112: documented and selectable like every rule, but reported only by
    ``nbprod rerun`` (they need a kernel), never by ``nbprod check``."""
    from nbprod.rerun.rules import RERUN_RULES

    return RERUN_RULES


def is_replay_rule(rule: type[Rule]) -> bool:
    return rule in replay_rules()


def documented_rules() -> tuple[type[Rule], ...]:
    """The catalog (``nbprod rules``, docs/rules.md, ``GET /nbprod/rules``): the static
    rules and the replay rules, sorted by code."""
    return tuple(sorted((*all_rules(), *replay_rules()), key=lambda r: r.code))


def catalog(rules: Iterable[type[Rule]] | None = None) -> list[dict[str, Any]]:
    """Rule metadata and docs, as served by ``GET /nbprod/rules`` (default: the whole
    catalog; ``rerun_only`` marks the rules only ``nbprod rerun`` reports)."""
    return [
        {
            "code": r.code,
            "name": r.name,
            "area": r.area.value,
            "severity": r.severity.value,
            "checklist_item": r.checklist_item,
            "summary": r.summary(),
            "docs": r.docs(),
            "rerun_only": is_replay_rule(r),
        }
        for r in (documented_rules() if rules is None else rules)
    ]
