"""``export_notebook``: the one entry point for the CLI and the server's ``POST /nbprod/export``."""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.config import ConfigError
from nbprod.export.model import ExportRefused, Refusal
from nbprod.export.naming import package_name, package_name_problem
from nbprod.export.plan import plan_export
from nbprod.export.render import PackageMeta, render
from nbprod.export.select import roles
from nbprod.export.settings import load_export_settings
from nbprod.export.writer import FileStatus, sync, with_header
from nbprod.notebook.load import NotebookError, file_kind, load_notebook
from nbprod.notebook.model import Cell, Notebook
from nbprod.results import internal_error

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
    Never raises for what a notebook or the file system holds: an unreadable notebook,
    bad settings, an output path that is not a directory, or a bug in nbprod becomes
    ``result.error``; what cannot be exported becomes ``result.refusals``.
    """
    return write_prepared(prepare_export(notebook_path, out_dir, package, check, force))


@dataclass(slots=True)
class Prepared:
    """A planned and rendered export, nothing written yet (see :func:`write_prepared`)."""

    result: ExportResult
    files: dict[str, str] | None = None  # None: nothing to write (refused, error or skipped)
    target: str = ""
    source: str = ""
    force: bool = False
    untagged: bool = False  # ``only_tagged`` and no cell is tagged for export


def prepare_export(
    notebook_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None,
    package: str | None = None,
    check: bool = False,
    force: bool = False,
    only_tagged: bool = False,
) -> Prepared:
    """Read, plan and render: the expensive part, which writes nothing (a worker runs it)."""
    started = time.perf_counter()
    path = Path(notebook_path)
    result = ExportResult(str(path), str(out_dir or ""), package or "", check=check)
    prepared = Prepared(result, force=force)
    try:
        _prepare(prepared, path, out_dir, package, only_tagged)
    except (ConfigError, NotebookError) as exc:
        result.error = str(exc)
    except MemoryError:
        raise  # the caller's memory guard reports it
    except Exception as exc:  # a bug in nbprod: this notebook's error, not a traceback
        result.error = internal_error("export", exc)
    if result.error is not None or result.refusals:
        prepared.files = None
    result.seconds = time.perf_counter() - started
    return prepared


def _prepare(
    prepared: Prepared,
    path: Path,
    out_dir: str | os.PathLike[str] | None,
    package: str | None,
    only_tagged: bool,
) -> None:
    result = prepared.result
    settings = load_export_settings(path)
    notebook = _valid_text(load_notebook(path))
    if only_tagged and not any(_safe_roles(cell) for cell in notebook.cells if cell.kind == "code"):
        prepared.untagged = True
        return
    name = package or settings.package or package_name(path.stem)
    result.package = name
    bad_name = package_name_problem(name)
    if bad_name is not None:
        raise ConfigError(bad_name)
    target = (
        Path(out_dir) if out_dir is not None else (settings.out or Path(name.replace("_", "-")))
    )
    result.out_dir = str(target)
    _check_target(target)
    plan = plan_export(notebook, name, settings.module)
    result.refusals = plan.refusals
    result.notes = plan.notes
    if plan.refusals:
        return
    rendered = render(plan, PackageMeta(settings.version, settings.requires_python))
    source = _relative(path, target)
    files = {
        p: with_header(p, body, source, rendered.cells.get(p, []))
        for p, body in rendered.files.items()
    }
    for relative, content in files.items():
        problem = _unencodable(content)
        if problem is not None:
            result.refusals.append(
                Refusal(
                    f"{relative}, line {problem[0]}: the notebook holds text that is not valid"
                    f" Unicode ({problem[1]!r}, a lone surrogate); no file can hold it"
                )
            )
    if result.refusals:
        return
    prepared.files = files
    prepared.target = str(target)
    prepared.source = source


def write_prepared(prepared: Prepared) -> ExportResult:
    """Write (or, with ``check``, compare) what :func:`prepare_export` rendered."""
    result = prepared.result
    if prepared.files is None:
        return result
    started = time.perf_counter()
    target = Path(prepared.target)
    try:
        _check_target(target)
        result.files = sync(
            target,
            prepared.files,
            prepared.source,
            [f"src/{result.package}", "tests"],
            check=result.check,
            force=prepared.force,
        )
    except (ConfigError, OSError, UnicodeError) as exc:
        result.error = _write_error(target, exc)
    result.seconds += time.perf_counter() - started
    return result


def _valid_text(notebook: Notebook) -> Notebook:
    """Lone surrogates in markdown (headings become docstrings and the README) as U+FFFD;
    code keeps them, and a tagged cell holding one is refused with its line."""
    cells = []
    for cell in notebook.cells:
        if cell.kind != "code" and _unencodable(cell.source) is not None:
            fixed = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in cell.source)
            cell = dataclasses.replace(cell, source=fixed)
        cells.append(cell)
    return dataclasses.replace(notebook, cells=tuple(cells))


def _safe_roles(cell: Cell) -> bool:
    """Whether a cell is tagged for export; a malformed export tag counts (to report it)."""
    try:
        return any(role.kind == "export" for role in roles(cell))
    except ExportRefused:
        return True


def _check_target(target: Path) -> None:
    """The output directory must be a directory, or not exist yet."""
    for folder in (target, *target.parents):
        try:
            mode = os.stat(folder).st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise ConfigError(f"output directory {target}: {exc.strerror or exc}") from None
        if not stat.S_ISDIR(mode):
            kind = "a file" if stat.S_ISREG(mode) else file_kind(mode)
            where = "" if folder == target else f" ({folder} is {kind})"
            what = "is not a directory" if folder == target else "cannot be created"
            raise ConfigError(f"output directory {target} {what}{where}")
        return


def _write_error(target: Path, exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot write the package to {target}: {exc.strerror or exc}{where}"
    return str(exc)


def _unencodable(content: str) -> tuple[int, str] | None:
    try:
        content.encode("utf-8")
        return None
    except UnicodeEncodeError as exc:
        return content.count("\n", 0, exc.start) + 1, exc.object[exc.start]


def _relative(notebook: Path, out_dir: Path) -> str:
    """The notebook as seen from the package, so headers do not depend on the cwd."""
    try:
        return Path(os.path.relpath(notebook.resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return notebook.resolve().as_posix()
