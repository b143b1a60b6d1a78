from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nbprod.notebook import Notebook, notebook_from_data

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "export"
ROOT = Path(__file__).resolve().parents[2]


def md(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def cell(
    source: str,
    tags: list[str] | None = None,
    result: str | None = None,
    html: str | None = None,
    count: int | None = None,
) -> dict[str, Any]:
    """A code cell; ``result`` / ``html`` become a recorded execute_result."""
    outputs: list[dict[str, Any]] = []
    if result is not None or html is not None:
        data: dict[str, Any] = {}
        if result is not None:
            data["text/plain"] = result
        if html is not None:
            data["text/html"] = html
        outputs.append(
            {
                "output_type": "execute_result",
                "execution_count": count,
                "data": data,
                "metadata": {},
            }
        )
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {"tags": tags} if tags else {},
        "outputs": outputs,
        "source": source,
    }


def notebook(*cells: dict[str, Any], name: str = "demo.ipynb") -> Notebook:
    data = {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": list(cells),
    }
    return notebook_from_data(data, name)


def write(path: Path, *cells: dict[str, Any]) -> Path:
    data = {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": list(cells),
    }
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path
