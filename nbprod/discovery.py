"""Command-line paths -> notebook files, skipping checkpoints, VCS, virtualenvs and git-ignored files.

Only regular files are ever opened. What cannot be checked is reported, never raised:
a missing or unreadable path named on the command line, or an unreadable folder inside
a walked one, is an error (exit code 2); a FIFO, socket, device, broken symlink or
symlink loop named ``*.ipynb`` inside a walked folder is skipped with the reason.
Directory symlinks are not followed, so a symlink loop cannot make the walk endless.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_SKIP_DIRS = frozenset(
    {".ipynb_checkpoints", ".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox",
     ".venv", "venv", ".mypy_cache", ".pytest_cache", "site-packages", "build", "dist"}
)  # fmt: skip


class DiscoveryError(Exception):
    """Kept for callers of the old interface; discovery itself no longer raises."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A path that was not checked: ``error`` counts toward exit code 2, else it was skipped."""

    path: str  # as the operating system names it (undecodable bytes surrogate-escaped)
    reason: str
    error: bool

    @property
    def display(self) -> str:
        return display_name(self.path)


@dataclass(slots=True)
class Discovery:
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _kind(mode: int) -> str:
    from nbprod.notebook.load import file_kind  # only for what is not a regular file

    return file_kind(mode)


def display_name(path: Path | str) -> str:
    """``path`` as text that always prints: undecodable bytes appear as ``\\xff``."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def find_notebooks(paths: list[Path]) -> list[Path]:
    """The notebooks under ``paths`` (problems dropped); see :func:`discover`."""
    return discover(paths).files


def discover(paths: list[Path], respect_gitignore: bool = True) -> Discovery:
    """Notebooks named explicitly are always kept; those found in directories are filtered."""
    found = Discovery()
    seen: set[str] = set()
    for path in paths:
        for candidate, real in _candidates(path, found, respect_gitignore):
            if real not in seen:
                seen.add(real)
                found.files.append(candidate)
    found.problems = _unique(found.problems)
    return found


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per file: a FIFO both walked and named is reported once, as an error."""
    best: dict[str, Problem] = {}
    for problem in problems:
        key = os.path.realpath(problem.path)
        if key not in best or (problem.error and not best[key].error):
            best[key] = problem
    return list(best.values())


def _candidates(path: Path, found: Discovery, respect_gitignore: bool) -> list[tuple[Path, str]]:
    """The notebooks ``path`` names or holds, each with its real path."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        found.problems.append(Problem(os.fspath(path), _reason(exc, path), True))
        return []
    except ValueError as exc:  # an embedded NUL byte
        found.problems.append(Problem(os.fspath(path), f"invalid path: {exc}", True))
        return []
    if stat.S_ISREG(mode):
        return [(path, os.path.realpath(path))]
    if not stat.S_ISDIR(mode):
        found.problems.append(
            Problem(os.fspath(path), f"not a regular file: {_kind(mode)}; not read", True)
        )
        return []
    walked = sorted(_walk(path, os.path.realpath(path), found))
    if not respect_gitignore or not walked or _is_ignored(path):
        return walked
    kept = _git_filter(path, walked)
    if not kept:
        found.notes.append(
            f"{len(walked)} notebook{'s' if len(walked) != 1 else ''} under"
            f" {display_name(path)} {'are' if len(walked) != 1 else 'is'} git-ignored"
            " (--no-respect-gitignore to include them)"
        )
    return kept


def _reason(exc: OSError, path: Path | str) -> str:
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return "broken symbolic link (its target does not exist)"
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links (a symlink loop)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return exc.strerror or str(exc)


def _walk(root: Path, real_root: str, found: Discovery) -> list[tuple[Path, str]]:
    """The notebooks under ``root`` with their real paths: under ``real_root`` as walked
    (folder links are not followed), resolved only for a file that is a link itself."""
    notebooks: list[tuple[Path, str]] = []
    prefix = len(os.fspath(root))
    stack = [os.fspath(root)]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError as exc:
            found.problems.append(
                Problem(
                    display_name(directory),
                    f"cannot read directory: {_reason(exc, directory)}",
                    True,
                )
            )
            continue
        for entry in listed:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name not in _SKIP_DIRS and not os.path.exists(
                    os.path.join(entry.path, "pyvenv.cfg")
                ):
                    stack.append(entry.path)
                continue
            if not entry.name.endswith(".ipynb"):
                continue
            try:
                mode = os.stat(entry.path).st_mode  # follows a symlink to its target
            except OSError as exc:
                found.problems.append(Problem(entry.path, _reason(exc, entry.path), False))
                continue
            if stat.S_ISREG(mode):
                real = (
                    os.path.realpath(entry.path)
                    if entry.is_symlink()
                    else real_root + entry.path[prefix:]
                )
                notebooks.append((Path(entry.path), real))
            elif not stat.S_ISDIR(mode):  # a symlink to a directory is not followed
                found.problems.append(
                    Problem(
                        entry.path,
                        f"not a regular file: {_kind(mode)}; not read",
                        False,
                    )
                )
    return notebooks


def _git(root: Path, args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", os.fspath(root), *args],
            input=stdin,
            capture_output=True,
            timeout=30,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _is_ignored(directory: Path) -> bool:
    """Whether git ignores ``directory`` itself: then the user named it on purpose."""
    result = _git(
        directory, ["check-ignore", "-q", "-z", "--stdin"], os.fsencode(os.path.realpath(directory))
    )
    return result is not None and result.returncode == 0


def _git_filter(root: Path, candidates: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Drop files git ignores (tracked files are kept, as git does)."""
    if not candidates:
        return candidates
    result = _git(
        root, ["check-ignore", "-z", "--stdin"], b"\0".join(os.fsencode(r) for _, r in candidates)
    )
    if result is None or result.returncode not in (0, 1):  # 128: not a git repository
        return candidates
    ignored = {os.fsdecode(p) for p in result.stdout.split(b"\0") if p}
    return [(c, r) for c, r in candidates if r not in ignored]
