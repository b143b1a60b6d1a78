"""Per-cell facts (stdlib ast, one pass per cell) and cross-cell def-use."""

from nbprod.analysis.cell import Binding, CellFacts, NameRef, analyze_cell
from nbprod.analysis.notebook import AnalyzedNotebook, DeferredUse

__all__ = ["AnalyzedNotebook", "Binding", "CellFacts", "NameRef", "DeferredUse", "analyze_cell"]
