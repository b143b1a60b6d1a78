"""Rule selectors (code, code prefix, kebab name or ``ALL``) -> the enabled rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from nbprod.config import ConfigError, Settings
from nbprod.rules.registry import all_rules, documented_rules

if TYPE_CHECKING:
    from nbprod.rules.base import Rule

_EXACT = 1000


def specificity(selector: str, rule: type[Rule]) -> int | None:
    """How specifically ``selector`` names ``rule``; None when it does not match."""
    if selector == "ALL":
        return 0
    if selector == rule.name or selector.upper() == rule.code:
        return _EXACT
    if rule.code.startswith(selector.upper()) and selector.upper().startswith("NBP"):
        return len(selector)
    return None


def validate(selectors: Iterable[str], where: str) -> None:
    for selector in selectors:
        # `nbprod rerun`'s codes may be configured too
        if not any(specificity(selector, r) is not None for r in documented_rules()):
            raise ConfigError(f"unknown rule selector '{selector}' in {where}")


def matches_any(selectors: Iterable[str], rule: type[Rule]) -> bool:
    return any(specificity(s, rule) is not None for s in selectors)


def fixable(settings: Settings, code: str) -> bool:
    """Whether fixes of rule ``code`` may be applied (``fixable``/``unfixable``, the most
    specific selector winning, as for the selection)."""
    rule = next((r for r in all_rules() if r.code == code), None)
    if rule is None:
        return False
    on = max((s for p in settings.fixable if (s := specificity(p, rule)) is not None), default=None)
    off = max(
        (s for p in settings.unfixable if (s := specificity(p, rule)) is not None), default=None
    )
    return on is not None and (off is None or on > off)


def enables_some(settings: Settings) -> bool:
    """Whether any rule is on for ``settings`` (without importing the rules when the
    default selection is untouched)."""
    if settings.select is None and not settings.ignore:
        return True
    return bool(enabled_rules(settings))


def enabled_rules(settings: Settings, extra_ignores: Sequence[str] = ()) -> list[type[Rule]]:
    """Rules on for a file: the most specific selector wins; on a tie, ignore wins."""
    enabled = []
    positive = list(settings.select or ()) + list(settings.extend_select)
    negative = list(settings.ignore) + list(extra_ignores)
    for rule in all_rules():
        best_on = max(
            (s for p in positive if (s := specificity(p, rule)) is not None), default=None
        )
        if settings.select is None and rule.default_enabled:
            best_on = max(best_on if best_on is not None else -1, 0)
        best_off = max(
            (s for p in negative if (s := specificity(p, rule)) is not None), default=None
        )
        if best_on is None:
            continue
        if best_off is not None and best_off >= best_on:
            continue
        enabled.append(rule)
    return enabled
