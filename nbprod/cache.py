"""The result cache: a notebook unchanged since the last run is not checked again.

As in ruff, an entry is trusted only for the same file (absolute path, size, mtime and
inode), the same settings, and the same nbprod — its version and the size and mtime of
every one of its source files, so an edited checkout never reads old results. Entries
are one small JSON file each, written atomically (a temporary file renamed over), so
concurrent runs never read a torn entry; anything unreadable is a miss. Files that
could not be read are never cached: the next run tries them again.

The cache lives in ``.nbprod_cache/`` of the working directory (``NBPROD_CACHE_DIR``
overrides it; ``--no-cache`` turns it off) and ignores itself for git.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import nbprod
from nbprod.config import Settings
from nbprod.findings import Finding
from nbprod.results import FileResult

CACHE_DIR_ENV = "NBPROD_CACHE_DIR"
DEFAULT_DIR = ".nbprod_cache"


@cache
def code_fingerprint() -> str:
    """nbprod's version plus the size and mtime of each of its modules."""
    package = os.path.dirname(nbprod.__file__)
    digest = hashlib.sha256(nbprod.__version__.encode())
    for folder, subfolders, names in os.walk(package):
        subfolders.sort()
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                where = os.path.relpath(os.path.join(folder, name), package)
                digest.update(f"{where}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return f"{nbprod.__version__}-{digest.hexdigest()[:16]}"


def _stamp(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = directory / code_fingerprint()
        self._settings_text: dict[int, tuple[Settings, str]] = {}

    @classmethod
    def default(cls) -> ResultCache:
        return cls(Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_DIR))

    def _entry(self, path: Path, settings: Settings) -> Path:
        # a run shares one Settings object per folder: its text is made once
        known = self._settings_text.get(id(settings))
        if known is None or known[0] is not settings:
            known = self._settings_text[id(settings)] = (settings, repr(settings))
        key = hashlib.sha256(
            f"{os.path.abspath(path)}\0{known[1]}".encode("utf-8", "surrogatepass")
        )
        name = key.hexdigest()
        return self.root / name[:2] / f"{name}.json"

    def get(self, path: Path, display: str, settings: Settings) -> FileResult | None:
        """The cached result of ``path`` if it is unchanged; else None."""
        try:
            stamp = _stamp(path.stat())
            entry: dict[str, Any] = json.loads(self._entry(path, settings).read_bytes())
            if entry["stamp"] != stamp:
                return None
            findings = [Finding.from_json({**f, "filename": display}) for f in entry["findings"]]
            return FileResult(display, findings=findings, skipped=entry["skipped"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no entry, a stale format or a torn file: check it

    def put(self, path: Path, settings: Settings, result: FileResult, stat: os.stat_result) -> None:
        """Remember ``result``, computed from the file as ``stat`` (taken before) found it."""
        if result.error is not None:
            return
        try:
            if _stamp(path.stat()) != _stamp(stat):
                return  # changed while it was checked
            entry = {
                "stamp": _stamp(stat),
                "skipped": result.skipped,
                "findings": [f.to_json() for f in result.findings],
            }
            target = self._entry(path, settings)
            self._prepare(target.parent)
            import tempfile  # writing: not on a warm run

            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as handle:
                    json.dump(entry, handle)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only or full disk costs speed, never the run

    def _prepare(self, folder: Path) -> None:
        if folder.is_dir():
            return
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / ".gitignore").write_text("# Created by nbprod\n*\n")
            (self.directory / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# nbprod's result cache\n"
            )
        if not self.root.is_dir():
            for old in self.directory.iterdir():  # entries of other nbprod versions
                if old.is_dir() and old.name != self.root.name:
                    import shutil

                    shutil.rmtree(old, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
