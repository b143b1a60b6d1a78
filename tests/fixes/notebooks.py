"""Notebook JSON for fix tests, and fixing it as ``check --fix`` does."""

from __future__ import annotations

from typing import Any

from nbprod.config import Settings
from nbprod.fixes.apply import Applied, fix_data
from nbprod.results import FileResult


def cell(
    source: str,
    count: int | None = 1,
    tags: list[str] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    kind: str = "code",
) -> dict[str, Any]:
    data: dict[str, Any] = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}}
    if kind == "code":
        data["execution_count"] = count
        data["outputs"] = outputs or []
    data["source"] = source
    return data


def notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": [{**c, "id": f"c{i}"} for i, c in enumerate(cells)],
    }


def fix(
    data: dict[str, Any], *, select: tuple[str, ...] = ("ALL",), unsafe: bool = False
) -> tuple[FileResult, list[Applied]]:
    """Fix ``data`` in place with the rules ``select`` enables."""
    settings = Settings(select=select)
    return fix_data(data, "nb.ipynb", settings, lambda f: True, unsafe)


def sources(data: dict[str, Any]) -> list[str]:
    return [
        c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in data["cells"]
    ]


ERROR = {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["x"]}
