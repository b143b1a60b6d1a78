"""``nbprod export``: tagged notebook cells -> a typed, tested, formatted package (libcst)."""

from nbprod.export.api import ExportResult, export_notebook

__all__ = ["ExportResult", "export_notebook"]
