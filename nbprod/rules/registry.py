"""Every rule, found by importing the area packages under ``nbprod/rules/``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Any

from nbprod.rules.base import Rule

_AREAS = ("execution", "data", "experiments", "code_health", "documentation")


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Rule classes sorted by code; each module under an area package holds one."""
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


def rule_by_code_or_name(key: str) -> type[Rule] | None:
    for rule in all_rules():
        if key.upper() == rule.code or key == rule.name:
            return rule
    return None


def option_defaults() -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for rule in all_rules():
        defaults.update(rule.options)
    return defaults


def catalog() -> list[dict[str, str]]:
    """Rule metadata and docs, as served by ``GET /nbprod/rules``."""
    return [
        {
            "code": r.code,
            "name": r.name,
            "area": r.area.value,
            "severity": r.severity.value,
            "checklist_item": r.checklist_item,
            "summary": r.summary(),
            "docs": r.docs(),
        }
        for r in all_rules()
    ]
