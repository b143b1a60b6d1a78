"""``--verify``: run black, isort, mypy and pytest on a generated package, as a user would.

Each tool runs as a subprocess of the current interpreter inside the package
directory, reading the settings the exporter wrote into its pyproject.toml. mypy and
pytest come with the ``verify`` extra (``pip install 'nbprod[verify]'``); a tool that is
missing fails its step with that advice. A test run that fails only because the
notebook's own packages are not installed here is told apart from a real defect.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

_PYTEST_NO_TESTS = 5
_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


@dataclass(frozen=True, slots=True)
class StepResult:
    name: str
    ok: bool
    seconds: float
    output: str
    skipped: bool = False
    missing: tuple[str, ...] = ()  # modules the tests import that are not installed here

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.ok:
            return "ok"
        if self.missing:
            return (
                f"FAILED (missing package {', '.join(self.missing)}: install it where --verify "
                "runs; not a defect of the package)"
            )
        return "FAILED"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "skipped": self.skipped,
                "seconds": round(self.seconds, 2), "output": self.output,
                "missing": list(self.missing)}  # fmt: skip


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
        if find_spec(name) is None:
            return StepResult(name, False, 0.0, _not_installed(name))
        started = time.perf_counter()
        proc = subprocess.run(
            commands[name], cwd=package_dir, env=env, capture_output=True, text=True
        )
        ok = proc.returncode == 0 or (name == "pytest" and proc.returncode == _PYTEST_NO_TESTS)
        output = (proc.stdout + proc.stderr).strip()
        missing = _missing_modules(output, package_dir) if not ok and name == "pytest" else ()
        return StepResult(name, ok, time.perf_counter() - started, output, missing=missing)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, steps))


def _not_installed(tool: str) -> str:
    return (
        f"{tool} is not installed for {sys.executable}: --verify needs it; "
        "pip install 'nbprod[verify]'"
    )


def _missing_modules(output: str, package_dir: Path) -> tuple[str, ...]:
    """Third-party modules the failed tests could not import; empty when the failure is
    anything else too (a failed assertion is a defect, whatever else is missing)."""
    found = dict.fromkeys(m.split(".")[0] for m in _NO_MODULE.findall(output))
    own = {p.name for p in (package_dir / "src").glob("*") if p.is_dir()}
    missing = tuple(m for m in found if m not in own)
    if not missing or re.search(r"^FAILED ", output, re.MULTILINE):
        return ()
    return missing
