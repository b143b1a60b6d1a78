"""``nbprod export``: tagged notebook cells -> a typed, tested, formatted package (libcst).

The API is imported on first use: libcst and black take half a second to import, which
``nbprod check`` (and the CLI parser that registers ``export``) must not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbprod.export.api import ExportResult, export_notebook

__all__ = ["ExportResult", "export_notebook"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nbprod.export import api

        return getattr(api, name)
    raise AttributeError(f"module 'nbprod.export' has no attribute '{name}'")
