"""Cache which visitor methods a libcst metadata provider has, per class.

Every metadata resolution makes libcst call ``BatchableCSTVisitor.get_visitors`` on
each provider instance, which runs ``inspect.getmembers`` over the hundreds of
attributes of a visitor class: about half of an export's time. The answer depends
only on the class, so it is computed once per class with libcst's own method and then
reused, bound to each instance. Installed when the exporter is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from libcst._batched_visitor import BatchableCSTVisitor

_original: Callable[[BatchableCSTVisitor], Mapping[str, Any]] = BatchableCSTVisitor.get_visitors
_names: dict[type, tuple[str, ...]] = {}


def _get_visitors(self: BatchableCSTVisitor) -> Mapping[str, Any]:
    names = _names.get(type(self))
    if names is None:
        names = _names[type(self)] = tuple(_original(self))
    return {name: getattr(self, name) for name in names}


def install() -> None:
    BatchableCSTVisitor.get_visitors = _get_visitors  # type: ignore[method-assign]
