"""The one finding schema shared by the CLI reporters, the REST API and the sidebar."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

Scope = Literal["cell", "notebook"]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ChecklistArea(str, enum.Enum):
    """The production-checklist area a rule belongs to (its code's hundreds digit)."""

    EXECUTION = "execution"
    DATA = "data"
    EXPERIMENTS = "experiments"
    CODE_HEALTH = "code-health"
    DOCUMENTATION = "documentation"

    @property
    def label(self) -> str:
        return {
            "execution": "Execution and hidden state",
            "data": "Data",
            "experiments": "Experiments and models",
            "code-health": "Code health",
            "documentation": "Documentation and hygiene",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One checklist violation, located in a cell.

    ``cell_index`` is 0-based (an index into the notebook's cells); ``line`` and
    ``column`` are 1-based and relative to the cell's source, as editors show them.
    ``scope`` is ``"notebook"`` for findings about the notebook as a whole (too long, no
    objective): they still point at a cell, the place to start fixing them.
    """

    code: str
    name: str
    message: str
    severity: Severity
    area: ChecklistArea
    filename: str
    cell_index: int
    cell_id: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    fix: dict[str, Any] | None = None
    scope: Scope = "cell"

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.filename, self.cell_index, self.line, self.column, self.code)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity.value,
            "area": self.area.value,
            "filename": self.filename,
            "cell_index": self.cell_index,
            "cell_id": self.cell_id,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "fix": self.fix,
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """The inverse of :meth:`to_json` (the result cache stores findings as JSON)."""
        return cls(
            **{
                **data,
                "severity": Severity(data["severity"]),
                "area": ChecklistArea(data["area"]),
            }
        )
