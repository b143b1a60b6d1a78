from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"


def write_notebook(path: Path, cells: list[dict[str, Any]], **metadata: Any) -> Path:
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}, **metadata},
        "cells": cells,
    }
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def code(source: str, count: int | None = None, tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {"tags": tags} if tags else {},
        "outputs": [],
        "source": source,
    }


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbprod", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=120,
    )


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "notebooks").is_dir():
        pytest.skip("../shared/corpus is absent (it is only beside the developers' checkout)")
    return CORPUS
