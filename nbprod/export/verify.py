"""``--verify``: run black, isort, mypy and pytest on a generated package, as a user would.

Each tool runs as a subprocess of the current interpreter inside the package
directory, reading the settings the exporter wrote into its pyproject.toml.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PYTEST_NO_TESTS = 5


@dataclass(frozen=True, slots=True)
class StepResult:
    name: str
    ok: bool
    seconds: float
    output: str
    skipped: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "skipped": self.skipped,
                "seconds": round(self.seconds, 2), "output": self.output}  # fmt: skip


def _commands(package_dir: Path, mypy_cache: Path | None) -> dict[str, list[str]]:
    py = sys.executable
    has_tests = (package_dir / "tests").is_dir()
    targets = ["src", "tests"] if has_tests else ["src"]
    cache = ["--cache-dir", str(mypy_cache)] if mypy_cache is not None else []
    return {
        "black": [py, "-m", "black", "--check", "--quiet", *targets],
        "isort": [py, "-m", "isort", "--check-only", "--quiet", *targets],
        "mypy": [
            py,
            "-m",
            "mypy",
            "--ignore-missing-imports",
            "--no-error-summary",
            *cache,
            *targets,
        ],
        "pytest": [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
    }


def verify(
    package_dir: Path,
    steps: Sequence[str] = ("black", "isort", "mypy", "pytest"),
    mypy_cache: Path | None = None,
) -> list[StepResult]:
    """Run the requested checks, two at a time; ``mypy_cache`` lets several packages share one."""
    commands = _commands(package_dir, mypy_cache)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)

    def run(name: str) -> StepResult:
        if name == "pytest" and not (package_dir / "tests").is_dir():
            return StepResult(name, True, 0.0, "no tests", skipped=True)
        started = time.perf_counter()
        proc = subprocess.run(
            commands[name], cwd=package_dir, env=env, capture_output=True, text=True
        )
        ok = proc.returncode == 0 or (name == "pytest" and proc.returncode == _PYTEST_NO_TESTS)
        output = (proc.stdout + proc.stderr).strip()
        return StepResult(name, ok, time.perf_counter() - started, output)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, steps))
