"""The export plan: what goes where, decided before any file is rendered.

The planner fills these from a notebook; rendering and writing only read them, so
every refusal is known before a single byte is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nbprod.notebook.model import Cell

UnitKind = Literal["copy", "lift"]


@dataclass(frozen=True, slots=True)
class ImportSpec:
    """One import binding, in the shape libcst's ``AddImportsVisitor`` takes."""

    module: str
    obj: str | None = None
    asname: str | None = None

    @property
    def bound(self) -> str:
        """The name the import binds in the importing module."""
        if self.asname:
            return self.asname
        if self.obj:
            return self.obj
        return self.module.split(".")[0]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why (part of) a notebook cannot be exported; names the cell and line."""

    reason: str
    cell: Cell | None = None
    line: int | None = None

    def location(self) -> str:
        if self.cell is None:
            return "notebook"
        where = f"cell {self.cell.number}"
        if self.cell.id:
            where += f" (id {self.cell.id})"
        if self.line is not None:
            where += f", line {self.line}"
        return where

    def message(self, filename: str) -> str:
        return f"{filename}: {self.location()}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "cell_index": self.cell.index if self.cell else None,
            "cell_number": self.cell.number if self.cell else None,
            "cell_id": self.cell.id if self.cell else None,
            "line": self.line,
            "reason": self.reason,
            "location": self.location(),
        }


class ExportRefused(Exception):
    """Raised inside the planner to abandon one cell; collected as a :class:`Refusal`."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(slots=True)
class Unit:
    """Module-level code from one cell: copied definitions or one lifted function."""

    cell: Cell
    kind: UnitKind
    code: str
    defines: tuple[str, ...]  # package-level names it binds
    public: tuple[str, ...]  # the subset that goes into ``__all__``
    reads: frozenset[str] = frozenset()  # global names it reads (the cell's free variables)


@dataclass(slots=True)
class ModulePlan:
    name: str
    units: list[Unit] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        seen: dict[int, Cell] = {}
        for unit in self.units:
            seen.setdefault(unit.cell.index, unit.cell)
        return list(seen.values())

    @property
    def defines(self) -> list[str]:
        return [name for unit in self.units for name in unit.defines]

    @property
    def public(self) -> list[str]:
        return [name for unit in self.units for name in unit.public]


@dataclass(slots=True)
class TestPlan:
    """One pytest function, from a ``test`` cell or a cell with a recorded result."""

    name: str
    cell: Cell
    code: str  # the function definition
    regression: bool = False


@dataclass(slots=True)
class ConfigPlan:
    cell: Cell
    code: str  # the dataclass definition
    names: tuple[str, ...]


@dataclass(slots=True)
class ExportPlan:
    package: str
    filename: str  # the notebook, as named to the user
    modules: list[ModulePlan] = field(default_factory=list)
    tests: list[TestPlan] = field(default_factory=list)
    config: ConfigPlan | None = None
    imports: dict[str, ImportSpec] = field(default_factory=dict)  # notebook-wide aliases
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    readme: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Lifted:
    """A lifted cell as its callers see it: tests chain these to rebuild their inputs."""

    name: str
    module: str
    position: int  # among the notebook's code cells
    params: tuple[str, ...]
    returns: tuple[str, ...]


@dataclass(slots=True)
class Namespace:
    """What exported code can refer to without it being a parameter."""

    package: str
    aliases: dict[str, ImportSpec] = field(default_factory=dict)  # notebook imports (+ added)
    owners: dict[str, str] = field(default_factory=dict)  # package-level name -> module
    config: frozenset[str] = frozenset()
    lifted: list[Lifted] = field(default_factory=list)
    # functions that read notebook values at run time -> {parameter: what calls pass}
    implicit: dict[str, dict[str, str]] = field(default_factory=dict)
    positional: dict[str, tuple[str, ...]] = field(default_factory=dict)  # their positional params
    # numeric constants only lifted code reads -> their literal: keyword arguments, not globals
    hyper: dict[str, str] = field(default_factory=dict)

    def resolved(self, name: str) -> bool:
        return name in self.aliases or name in self.owners or name in self.config
