"""The rule contract: metadata, documentation and the examples that test it."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from nbprod.analysis import AnalyzedNotebook, CellFacts, NameRef
from nbprod.config import Settings
from nbprod.findings import ChecklistArea, Finding, Scope, Severity
from nbprod.notebook.model import Cell

AUTO = -1  # example cells: take the next execution count, as "Run All" would


@dataclass(frozen=True)
class ExampleCell:
    source: str
    kind: str = "code"
    count: int | None = AUTO
    outputs: tuple[dict[str, Any], ...] = ()
    tags: tuple[str, ...] = ()


def code_cell(
    source: str,
    count: int | None = AUTO,
    outputs: Sequence[dict[str, Any]] = (),
    tags: Sequence[str] = (),
) -> ExampleCell:
    return ExampleCell(source, "code", count, tuple(outputs), tuple(tags))


def markdown_cell(source: str) -> ExampleCell:
    return ExampleCell(source, "markdown", None)


@dataclass(frozen=True)
class Example:
    """An example notebook; ``at`` lists expected findings as (cell_index, line[, column])."""

    cells: Sequence[str | ExampleCell]
    at: Sequence[tuple[int, ...]] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def notebook_json(self) -> dict[str, Any]:
        cells: list[dict[str, Any]] = []
        counter = 0
        for i, item in enumerate(self.cells):
            cell = item if isinstance(item, ExampleCell) else ExampleCell(item)
            entry: dict[str, Any] = {
                "cell_type": cell.kind,
                "id": f"cell-{i}",
                "metadata": {"tags": list(cell.tags)} if cell.tags else {},
                "source": cell.source,
            }
            if cell.kind == "code":
                if cell.count == AUTO:
                    counter += 1
                    count: int | None = counter
                else:
                    count = cell.count
                    counter = max(counter, count or 0)
                entry["execution_count"] = count
                entry["outputs"] = list(cell.outputs)
            cells.append(entry)
        metadata = {"kernelspec": {"name": "python3", "language": "python"}, **self.metadata}
        return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


def Invalid(
    cells: Sequence[str | ExampleCell], at: Sequence[tuple[int, ...]], **kw: Any
) -> Example:
    return Example(cells, at, **kw)


_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")


class Rule:
    """Base class: subclasses set the metadata below and implement :meth:`check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    area: ClassVar[ChecklistArea]
    severity: ClassVar[Severity]
    checklist_item: ClassVar[str]
    default_enabled: ClassVar[bool] = True
    scope: ClassVar[Scope] = "cell"  # "notebook": about the whole notebook, not one cell
    options: ClassVar[dict[str, Any]] = {}  # kebab-case option -> default
    valid: ClassVar[Sequence[Example | Sequence[str | ExampleCell]]] = ()
    invalid: ClassVar[Sequence[Example]] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        raise NotImplementedError

    def option(self, name: str) -> Any:
        return self.settings.option(name, self.options[name])

    # -- documentation -----------------------------------------------------

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def missing_sections(cls) -> list[str]:
        text = cls.docs()
        return [s for s in _SECTIONS if s not in text]

    @classmethod
    def summary(cls) -> str:
        """The first sentence of "What it does", for listings."""
        match = re.search(r"## What it does\s*\n(.+?)(?:\n\s*\n|$)", cls.docs(), re.S)
        text = " ".join(match.group(1).split()) if match else ""
        return re.split(r"(?<=[a-z)`])\.\s+(?=[A-Z])", text)[0].rstrip(".")

    # -- building findings ---------------------------------------------------

    def finding(
        self,
        nb: AnalyzedNotebook,
        cell: Cell,
        message: str,
        line: int = 1,
        column: int = 1,
        end_line: int | None = None,
        end_column: int | None = None,
    ) -> Finding:
        if end_line is None:
            end_line = line
        if end_column is None:
            lines = cell.source.split("\n")
            text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
            end_column = max(len(text) + 1, column)
        return Finding(
            code=self.code,
            name=self.name,
            message=message,
            severity=self.severity,
            area=self.area,
            filename=nb.filename,
            cell_index=cell.index,
            cell_id=cell.id,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            scope=self.scope,
        )

    def at_ref(self, nb: AnalyzedNotebook, facts: CellFacts, ref: NameRef, message: str) -> Finding:
        return self.finding(nb, facts.cell, message, ref.line, ref.column, ref.line, ref.end_column)

    def at_node(
        self, nb: AnalyzedNotebook, facts: CellFacts, node: ast.expr | ast.stmt, message: str
    ) -> Finding:
        line, col, end_line, end_col = facts.position(node)
        return self.finding(nb, facts.cell, message, line, col, end_line, end_col)
