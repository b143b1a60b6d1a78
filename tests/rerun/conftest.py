"""Helpers for the replay tests: small notebooks written per test, the CLI as a process.

Every test that runs a notebook uses a real ipykernel (kernel name ``python3``, resolved to
this interpreter by jupyter_client). Kernels are slow to start, so notebooks that need the
same options are replayed together by one module-scoped run, and the assertions share it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytest.importorskip(
    "nbclient", reason="the rerun extra is not installed: pip install -e '.[rerun]'"
)
pytest.importorskip(
    "ipykernel", reason="the rerun extra is not installed: pip install -e '.[rerun]'"
)

KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}


@pytest.fixture(scope="package", autouse=True)
def python3_is_this_interpreter(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Kernel ``python3`` runs this interpreter (ipykernel from the test venv), even where a
    user-level kernelspec named python3 points elsewhere: JUPYTER_PATH is searched first.
    Restored after the last test of tests/rerun, so other tests never see it."""
    root = tmp_path_factory.mktemp("jupyter-path")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3 (nbprod tests)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(root), *([before] if before else [])])
    yield
    if before is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = before


def stdout(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def result(text: str, count: int) -> dict[str, Any]:
    return {
        "output_type": "execute_result",
        "execution_count": count,
        "data": {"text/plain": text},
        "metadata": {},
    }


def cell(
    source: str,
    count: int | None = None,
    outputs: list[dict[str, Any]] | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": f"c{abs(hash((source, count))) % 10**8}",
        "execution_count": count,
        "metadata": {"tags": tags} if tags else {},
        "outputs": outputs or [],
        "source": source,
    }


def notebook_json(*cells: dict[str, Any]) -> dict[str, Any]:
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i}"
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": KERNELSPEC},
        "cells": list(cells),
    }


def write(path: Path, *cells: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook_json(*cells), indent=1), encoding="utf-8")
    return path


def rerun(
    *args: str | Path, cwd: Path | None = None, timeout: float = 150
) -> subprocess.CompletedProcess[str]:
    """``python -m nbprod.rerun ARGS`` (``nbprod rerun`` behaves the same)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", NBPROD_NO_PROGRESS="1")
    return subprocess.run(
        [sys.executable, "-m", "nbprod.rerun", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,  # a hung replay fails the test instead of hanging the suite
    )


def by_file(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        found.setdefault(Path(finding["filename"]).name, []).append(finding)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        import psutil  # type: ignore[import-untyped]

        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except Exception:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
