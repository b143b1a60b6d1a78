"""Inline, cell-tag and notebook-metadata suppression of findings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nbprod.findings import Finding
from nbprod.notebook.model import Notebook
from nbprod.rules.base import Rule
from nbprod.selection import matches_any

# `# nbprod: ignore`, `# nbprod: ignore[NBP101, NBP2]`, `# noqa`, `# noqa: NBP101,NBP102`
_COMMENT = re.compile(
    r"#\s*(?:nbprod:\s*ignore(?:\[(?P<bracket>[^\]]*)\])?|noqa(?::\s*(?P<colon>[\w\-]+(?:[\s,]+[\w\-]+)*))?)",
    re.IGNORECASE,
)
_ALL: tuple[str, ...] = ("ALL",)
_TAG = "nbprod-ignore"


@dataclass(frozen=True)
class Suppressions:
    notebook: tuple[str, ...]
    cells: dict[int, tuple[str, ...]]
    lines: dict[tuple[int, int], tuple[str, ...]]

    @classmethod
    def of(cls, nb: Notebook) -> Suppressions:
        meta = nb.metadata.get("nbprod")
        ignored = meta.get("ignore", ()) if isinstance(meta, dict) else ()
        if ignored is True or ignored == "ALL":
            notebook: tuple[str, ...] = _ALL
        elif isinstance(ignored, list):
            notebook = tuple(s for s in ignored if isinstance(s, str))
        else:
            notebook = ()
        cells: dict[int, tuple[str, ...]] = {}
        lines: dict[tuple[int, int], tuple[str, ...]] = {}
        for cell in nb.cells:
            selectors = []
            for tag in cell.tags:
                if tag == _TAG:
                    selectors.append("ALL")
                elif tag.startswith(_TAG + ":"):
                    selectors.extend(s.strip() for s in tag[len(_TAG) + 1 :].split(","))
            if selectors:
                cells[cell.index] = tuple(selectors)
            if "#" not in cell.source:
                continue
            for lineno, text in enumerate(cell.source.split("\n"), start=1):
                if "#" in text and (m := _COMMENT.search(text)) is not None:
                    listed = m["bracket"] if m["bracket"] is not None else m["colon"]
                    codes = tuple(s for s in re.split(r"[\s,]+", listed or "") if s)
                    lines[(cell.index, lineno)] = codes or _ALL
        return cls(notebook, cells, lines)

    def suppressed(self, finding: Finding, rule: type[Rule]) -> bool:
        for selectors in (
            self.notebook,
            self.cells.get(finding.cell_index, ()),
            self.lines.get((finding.cell_index, finding.line), ()),
        ):
            if selectors and matches_any(selectors, rule):
                return True
        return False
