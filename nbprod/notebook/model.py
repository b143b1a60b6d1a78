"""The in-memory notebook: only what analysis needs, normalised across nbformat versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CellKind = Literal["code", "markdown", "raw"]


@dataclass(frozen=True, slots=True)
class Cell:
    index: int
    id: str | None
    kind: CellKind
    source: str
    tags: tuple[str, ...] = ()
    execution_count: int | None = None
    outputs: tuple[dict[str, Any], ...] = ()

    @property
    def has_code(self) -> bool:
        """Whether any line is more than blank space or a comment."""
        return any(
            line.strip() and not line.lstrip().startswith("#") for line in self.source.split("\n")
        )

    @property
    def number(self) -> int:
        """1-based position, as reported to users ("cell 3")."""
        return self.index + 1


@dataclass(frozen=True, slots=True)
class Notebook:
    filename: str
    cells: tuple[Cell, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    nbformat: int = 4
    language: str = "python"

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.kind == "code")

    @property
    def is_python(self) -> bool:
        return self.language.lower() in ("python", "python2", "python3", "ipython", "")
