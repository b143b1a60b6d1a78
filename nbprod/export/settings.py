"""``[tool.nbprod.export]`` in the nearest pyproject.toml: defaults for the CLI options."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from nbprod.config import ConfigError, nbprod_table

_KEYS = {"package": str, "out": str, "module": str, "version": str, "requires-python": str}


@dataclass(frozen=True, slots=True)
class ExportSettings:
    package: str | None = None
    out: Path | None = None  # resolved against the pyproject.toml's directory
    module: str = "core"
    version: str = "0.1.0"
    requires_python: str = ">=3.10"


def load_export_settings(start: Path) -> ExportSettings:
    """Settings from the nearest pyproject.toml above ``start`` that has ``[tool.nbprod]``."""
    directory = (start if start.is_dir() else start.parent).resolve()
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{candidate}: cannot read configuration: {exc}") from None
        tool = nbprod_table(data, candidate)
        if tool is None:
            continue
        table = tool.get("export", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{candidate}: [tool.nbprod.export] must be a table")
        return _from_table(table, candidate)
    return ExportSettings()


def _from_table(table: dict[str, Any], path: Path) -> ExportSettings:
    unknown = set(table) - set(_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown option(s) in [tool.nbprod.export]: {', '.join(sorted(unknown))}"
        )
    for key, kind in _KEYS.items():
        if key in table and not isinstance(table[key], kind):
            raise ConfigError(f"{path}: [tool.nbprod.export] {key} must be a string")
    from nbprod.export.select import is_module_name

    for key in ("package", "module"):
        name = table.get(key)
        if name is not None and not is_module_name(name):
            raise ConfigError(
                f"{path}: [tool.nbprod.export] {key} = {name!r} is not a valid {key} name"
                " (a lowercase Python identifier, e.g. 'churn_model')"
            )
    if table.get("module") == "config":
        raise ConfigError(
            f"{path}: [tool.nbprod.export] module 'config' is reserved for the parameters cell"
        )
    out = table.get("out")
    return ExportSettings(
        package=table.get("package"),
        out=(path.parent / out) if out else None,
        module=table.get("module", "core"),
        version=table.get("version", "0.1.0"),
        requires_python=table.get("requires-python", ">=3.10"),
    )
