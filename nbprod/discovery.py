"""Command-line paths -> notebook files, skipping checkpoints, VCS, virtualenvs and git-ignored files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_SKIP_DIRS = frozenset(
    {".ipynb_checkpoints", ".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox",
     ".venv", "venv", ".mypy_cache", ".pytest_cache", "site-packages", "build", "dist"}
)  # fmt: skip


class DiscoveryError(Exception):
    """A path given on the command line that does not exist (usage error)."""


def find_notebooks(paths: list[Path]) -> list[Path]:
    """Notebooks named explicitly are always kept; those found in directories are filtered."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = _git_filter(path, sorted(_walk(path)))
        else:
            raise DiscoveryError(f"{path}: no such file or directory")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _walk(root: Path) -> list[Path]:
    notebooks: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d for d in dirnames
            if d not in _SKIP_DIRS and not (Path(directory, d) / "pyvenv.cfg").exists()
        ]  # fmt: skip
        notebooks.extend(Path(directory, f) for f in filenames if f.endswith(".ipynb"))
    return notebooks


def _git_filter(root: Path, candidates: list[Path]) -> list[Path]:
    """Drop files git ignores (tracked files are kept, as git does)."""
    if not candidates:
        return candidates
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-z", "--stdin"],
            input="\0".join(str(c.resolve()) for c in candidates).encode(),
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return candidates
    if result.returncode not in (0, 1):  # 128: not a git repository
        return candidates
    ignored = {Path(p) for p in result.stdout.decode(errors="replace").split("\0") if p}
    return [c for c in candidates if c.resolve() not in ignored]
