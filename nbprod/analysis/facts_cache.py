"""Per-cell facts reused across checks of the same notebook, keyed by cell id + source hash.

Facts are a pure function of a cell's source, so the server's workers, which re-check a
notebook after every edit, keep them: an edit re-analyses one cell, and the cross-cell
passes run on the cached rest. Off unless :func:`enable` is called (the CLI checks each
file once). Bounded: least recently used cells are dropped first.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict

from nbprod.analysis.cell import CellFacts, analyze_cell
from nbprod.notebook.model import Cell

_Key = tuple[str | None, bytes]


class FactsCache:
    def __init__(self, max_cells: int) -> None:
        self.max_cells = max_cells
        self.hits = self.misses = 0
        self._facts: OrderedDict[_Key, CellFacts] = OrderedDict()

    def analyze(self, cell: Cell) -> CellFacts:
        key = (cell.id, hashlib.blake2b(cell.source.encode("utf-8", "surrogatepass")).digest())
        cached = self._facts.get(key)
        if cached is None:
            self.misses += 1
            cached = self._facts[key] = analyze_cell(cell)
            if len(self._facts) > self.max_cells:
                self._facts.popitem(last=False)
        else:
            self.hits += 1
            self._facts.move_to_end(key)
        # Same source, same facts; the cell itself (index, outputs, count) is this one's.
        return cached if cached.cell is cell else dataclasses.replace(cached, cell=cell)


_active: FactsCache | None = None


def enable(max_cells: int) -> FactsCache:
    """Cache facts in this process from now on (the server's workers call this)."""
    global _active
    _active = FactsCache(max_cells)
    return _active


def analyze(cell: Cell) -> CellFacts:
    return _active.analyze(cell) if _active is not None else analyze_cell(cell)
