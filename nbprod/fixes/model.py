"""A fix is data: edits to a notebook, computed from a finding, applied by whoever owns it.

The CLI applies edits to the notebook JSON; the sidebar applies the same edits through
the JupyterLab model. Positions are those of findings: 1-based lines and columns within
the cell's source (columns count code points), the end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Applicability = Literal["safe", "unsafe"]
EditKind = Literal["replace", "delete_cell", "clear_outputs", "add_tag", "insert_cell"]


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to one cell, or a new cell.

    - ``replace``: ``start``..``end`` of the cell's source becomes ``text``;
    - ``delete_cell``, ``clear_outputs``: the cell as a whole;
    - ``add_tag``: ``text`` is the tag added to the cell's metadata;
    - ``insert_cell``: a new code cell with source ``text`` and tags ``tags`` goes before
      the cell now at ``cell_index`` (``cell_id`` is the new cell's id, if ids are used).
    """

    kind: EditKind
    cell_index: int
    cell_id: str | None
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None
    text: str = ""
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "cell_index": self.cell_index,
            "cell_id": self.cell_id,
        }
        if self.kind == "replace":
            assert self.start is not None and self.end is not None
            data["start"] = {"line": self.start[0], "column": self.start[1]}
            data["end"] = {"line": self.end[0], "column": self.end[1]}
            data["replacement"] = self.text
        elif self.kind == "add_tag":
            data["tag"] = self.text
        elif self.kind == "insert_cell":
            data["source"] = self.text
            data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edit:
        kind = data["kind"]
        start = end = None
        if kind == "replace":
            start = (data["start"]["line"], data["start"]["column"])
            end = (data["end"]["line"], data["end"]["column"])
        text = {"replace": "replacement", "add_tag": "tag", "insert_cell": "source"}.get(kind)
        return cls(
            kind=kind,
            cell_index=data["cell_index"],
            cell_id=data["cell_id"],
            start=start,
            end=end,
            text=data[text] if text else "",
            tags=tuple(data.get("tags", ())),
        )


@dataclass(frozen=True, slots=True)
class Fix:
    """What a fix does (``message``), whether it is safe to apply unseen, and its edits.

    Fixes sharing an ``isolation`` key are never applied together: each was computed
    without the others (two fixes that each add ``import os`` to their cell), so the
    next one is recomputed on the result, as ruff isolates fixes.
    """

    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]
    isolation: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message": self.message,
            "applicability": self.applicability,
            "edits": [e.to_json() for e in self.edits],
        }
        if self.isolation:
            data["isolation"] = list(self.isolation)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fix:
        return cls(
            message=data["message"],
            applicability=data["applicability"],
            edits=tuple(Edit.from_json(e) for e in data["edits"]),
            isolation=tuple(data.get("isolation", ())),
        )
