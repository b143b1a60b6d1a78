"""``export_notebook``: the one entry point for the CLI and the server's ``POST /nbprod/export``."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.config import ConfigError
from nbprod.export.model import Refusal
from nbprod.export.naming import package_name
from nbprod.export.plan import plan_export
from nbprod.export.render import PackageMeta, render
from nbprod.export.select import is_module_name
from nbprod.export.settings import load_export_settings
from nbprod.export.writer import FileStatus, sync, with_header
from nbprod.notebook.load import NotebookError, load_notebook

EXIT_OK, EXIT_OUTDATED, EXIT_REFUSED = 0, 1, 2


@dataclass(slots=True)
class ExportResult:
    notebook: str
    out_dir: str
    package: str
    check: bool = False
    files: list[FileStatus] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # an unreadable notebook or bad settings: nothing was planned
    seconds: float = 0.0

    @property
    def refused(self) -> bool:
        return bool(self.error or self.refusals or any(f.status == "refused" for f in self.files))

    @property
    def outdated(self) -> bool:
        return any(f.status in ("outdated", "written", "removed") for f in self.files)

    @property
    def exit_code(self) -> int:
        if self.refused:
            return EXIT_REFUSED
        if self.check and self.outdated:
            return EXIT_OUTDATED
        return EXIT_OK

    def paths(self, status: str) -> list[str]:
        return [f.path for f in self.files if f.status == status]

    def to_json(self) -> dict[str, Any]:
        """The summary the server returns: plain JSON types only."""
        return {
            "notebook": self.notebook,
            "out_dir": self.out_dir,
            "package": self.package,
            "check": self.check,
            "exit_code": self.exit_code,
            "error": self.error,
            "written": self.paths("written"),
            "unchanged": self.paths("unchanged"),
            "outdated": self.paths("outdated"),
            "removed": self.paths("removed"),
            "skipped": self.paths("skipped"),
            "refused": [f.to_json() for f in self.files if f.status == "refused"],
            "refusals": [r.to_json() for r in self.refusals],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


def export_notebook(
    notebook_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None,
    package: str | None = None,
    check: bool = False,
    force: bool = False,
) -> ExportResult:
    """Export one notebook into a package at ``out_dir``; the notebook is only read.

    ``out_dir`` ``None`` means ``[tool.nbprod.export] out``, else ``./<package>``.
    """
    started = time.perf_counter()
    path = Path(notebook_path)
    result = ExportResult(str(path), str(out_dir or ""), package or "", check=check)
    try:
        settings = load_export_settings(path)
        name = package or settings.package or package_name(path.stem)
        result.package = name
        if not is_module_name(name):
            raise ConfigError(f"package name '{name}' is not a valid lowercase identifier")
        target = (
            Path(out_dir) if out_dir is not None else (settings.out or Path(name.replace("_", "-")))
        )
        result.out_dir = str(target)
        notebook = load_notebook(path)
    except (ConfigError, NotebookError) as exc:
        result.error = str(exc)
        result.seconds = time.perf_counter() - started
        return result
    plan = plan_export(notebook, name, settings.module)
    result.refusals = plan.refusals
    result.notes = plan.notes
    if not plan.refusals:
        rendered = render(plan, PackageMeta(settings.version, settings.requires_python))
        source = _relative(path, target)
        files = {
            p: with_header(p, body, source, rendered.cells.get(p, []))
            for p, body in rendered.files.items()
        }
        result.files = sync(
            target, files, source, [f"src/{name}", "tests"], check=check, force=force
        )
    result.seconds = time.perf_counter() - started
    return result


def _relative(notebook: Path, out_dir: Path) -> str:
    """The notebook as seen from the package, so headers do not depend on the cwd."""
    try:
        return Path(os.path.relpath(notebook.resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return notebook.resolve().as_posix()
