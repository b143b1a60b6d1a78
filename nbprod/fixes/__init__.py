"""Fixes: edits computed from findings, one fix per file, mapped to rules by code.

:func:`with_fixes` fills each finding's ``fix`` field; :mod:`nbprod.fixes.apply`
applies fixes to a notebook file (``nbprod check --fix``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from nbprod.findings import Finding
from nbprod.fixes.model import Edit, Fix
from nbprod.fixes.text import apply_replacements, parses
from nbprod.notebook.model import Notebook

__all__ = ["Edit", "Fix", "fixable_codes", "with_fixes"]


def fixable_codes() -> frozenset[str]:
    from nbprod.fixes.registry import MODULES

    return frozenset(MODULES)


def with_fixes(nb: Notebook, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with their ``fix`` filled where a fix exists and leaves every
    edited code cell parsing."""
    from nbprod.fixes import registry

    result = []
    for finding in findings:
        fixer = registry.fixer(finding.code)
        fix = None
        if fixer is not None and 0 <= finding.cell_index < len(nb.cells):
            try:
                fix = fixer(nb, finding)
            except (MemoryError, RecursionError):
                fix = None  # a cell too deep for libcst: no fix rather than no report
            if fix is not None and not _keeps_parsing(nb, fix):
                fix = None
        result.append(replace(finding, fix=fix.to_json()) if fix is not None else finding)
    return result


def _keeps_parsing(nb: Notebook, fix: Fix) -> bool:
    cells: dict[int, list[Edit]] = {}
    for edit in fix.edits:
        if edit.kind == "replace":
            cells.setdefault(edit.cell_index, []).append(edit)
        elif edit.kind == "insert_cell" and not parses(edit.text):
            return False
    for index, edits in cells.items():
        cell = nb.cells[index]
        if cell.kind != "code":
            continue
        try:
            new = apply_replacements(cell.source, edits)
        except ValueError:  # a position outside the source
            return False
        if parses(cell.source) and not parses(new):
            return False
    return True
