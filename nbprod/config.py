"""``[tool.nbprod]`` in the nearest pyproject.toml -> Settings."""

from __future__ import annotations

import fnmatch
import stat
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_RAW_DATA_DIRS = ("data/raw",)
DEFAULT_TRACKING_MODULES = (
    "mlflow", "wandb", "neptune", "comet_ml", "dvclive", "aim", "sacred", "clearml",
    "tensorboard", "torch.utils.tensorboard", "tensorboardX",
)  # fmt: skip


# Generous: the slowest real notebook takes about a second to check, and a few to export.
DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 4096


class ConfigError(Exception):
    """Invalid configuration: a usage error (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: every rule enabled by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    raw_data_dirs: tuple[str, ...] = DEFAULT_RAW_DATA_DIRS
    tracking_modules: tuple[str, ...] = DEFAULT_TRACKING_MODULES
    options: dict[str, Any] = field(default_factory=dict)  # rule options by kebab name
    root: Path | None = None  # directory of the pyproject.toml these came from
    source: str | None = None  # that file, for messages
    timeout_per_file: float = DEFAULT_TIMEOUT  # seconds; 0: no limit
    memory_per_file: int = DEFAULT_MEMORY_MB  # megabytes of added address space; 0: no limit
    fixable: tuple[str, ...] = ("ALL",)  # rules whose fixes `check --fix` may apply
    unfixable: tuple[str, ...] = ()
    # which fixes a check computes: the safe ones (shown `[*]`), or every one (the JSON and
    # SARIF reports carry them, `--unsafe-fixes` shows them); set from the command line
    unsafe_fixes: bool = False

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)

    def ignores_for(self, filename: str) -> tuple[str, ...]:
        """Selectors that per-file-ignores disable for ``filename``."""
        path = Path(filename)
        if self.root is not None:
            try:
                path = path.resolve().relative_to(self.root.resolve())
            except ValueError:
                pass
        posix = PurePath(path).as_posix()
        found: list[str] = []
        for pattern, selectors in self.per_file_ignores:
            if fnmatch.fnmatch(posix, pattern) or fnmatch.fnmatch(path.name, pattern):
                found.extend(selectors)
        return tuple(found)

    def with_cli(
        self,
        select: list[str] | None,
        extend_select: list[str] | None,
        ignore: list[str] | None,
        timeout_per_file: float | None = None,
        memory_per_file: int | None = None,
    ) -> Settings:
        """Command-line options: ``--select`` and the limits replace, the others extend."""
        return replace(
            self,
            select=tuple(select) if select is not None else self.select,
            extend_select=self.extend_select + tuple(extend_select or ()),
            ignore=self.ignore + tuple(ignore or ()),
            timeout_per_file=(
                timeout_per_file if timeout_per_file is not None else self.timeout_per_file
            ),
            memory_per_file=(
                memory_per_file if memory_per_file is not None else self.memory_per_file
            ),
        )


_KEYS = {
    "select", "extend-select", "ignore", "per-file-ignores", "raw-data-dirs",
    "tracking-modules", "export", "timeout-per-file", "memory-per-file", "fixable", "unfixable",
}  # fmt: skip


def load_settings(start: Path) -> Settings:
    """Settings from the nearest pyproject.toml with a ``[tool.nbprod]`` table above ``start``."""
    directory = start if start.is_dir() else start.parent
    return _settings_for_dir(directory.resolve())


def _settings_for_dir(directory: Path) -> Settings:
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        try:
            info = candidate.stat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read forever
            from nbprod.notebook.load import file_kind

            raise ConfigError(f"{candidate}: not a regular file ({file_kind(info.st_mode)})")
        settings = _settings_from_file(candidate, info.st_mtime_ns)
        if settings is not None:
            return settings
    return Settings()


# Keyed on the file's modification time: a long-running Jupyter server sees edits.
@lru_cache(maxsize=256)
def _settings_from_file(path: Path, mtime_ns: int) -> Settings | None:
    table = _tool_table(path)
    return settings_from_table(table, path) if table is not None else None


def _tool_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    return nbprod_table(data, path)


def nbprod_table(data: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """``[tool.nbprod]`` of a parsed pyproject.toml; None when there is none."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table, got {_toml_type(tool)}")
    table = tool.get("nbprod")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.nbprod] must be a table, got {_toml_type(table)}")
    return table


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def settings_from_table(table: dict[str, Any], path: Path) -> Settings:
    known_options: dict[str, Any] = {}
    if set(table) - _KEYS:  # rules declare their own options: only then import them
        from nbprod.rules.registry import option_defaults

        known_options = option_defaults()
    unknown = set(table) - _KEYS - set(known_options)
    if unknown:
        raise ConfigError(
            f"{path}: unknown option(s) in [tool.nbprod]: {', '.join(sorted(unknown))}"
        )
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{path}: per-file-ignores must be a table of glob = [selectors]")
    options = {k: table[k] for k in known_options if k in table}
    for key, value in options.items():
        default = known_options[key]
        if type(value) is not type(default) and not (
            isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)
        ):
            raise ConfigError(
                f"{path}: option '{key}' must be {type(default).__name__}, got {value!r}"
            )
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _check_number(key, value, path, minimum=0)
    timeout = table.get("timeout-per-file", DEFAULT_TIMEOUT)
    memory = table.get("memory-per-file", DEFAULT_MEMORY_MB)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ConfigError(
            f"{path}: 'timeout-per-file' must be a number of seconds, got {timeout!r}"
        )
    if isinstance(memory, bool) or not isinstance(memory, int):
        raise ConfigError(
            f"{path}: 'memory-per-file' must be a number of megabytes, got {memory!r}"
        )
    _check_number("timeout-per-file", timeout, path, minimum=0)
    _check_number("memory-per-file", memory, path, minimum=0)
    for pattern, value in per_file.items():
        _validate_selectors(
            _strings(per_file, pattern, path), f"{path}: per-file-ignores {pattern!r}"
        )
    for key in ("select", "extend-select", "ignore", "fixable", "unfixable"):
        _validate_selectors(_strings(table, key, path), f"{path}: '{key}'")
    return Settings(
        select=_strings(table, "select", path) if "select" in table else None,
        extend_select=_strings(table, "extend-select", path),
        ignore=_strings(table, "ignore", path),
        per_file_ignores=tuple(
            (pattern, _strings(per_file, pattern, path)) for pattern in sorted(per_file)
        ),
        raw_data_dirs=_strings(table, "raw-data-dirs", path) or DEFAULT_RAW_DATA_DIRS,
        tracking_modules=_strings(table, "tracking-modules", path) or DEFAULT_TRACKING_MODULES,
        options=options,
        root=path.parent,
        source=str(path),
        timeout_per_file=float(timeout),
        memory_per_file=memory,
        fixable=_strings(table, "fixable", path) if "fixable" in table else ("ALL",),
        unfixable=_strings(table, "unfixable", path),
    )


def _check_number(key: str, value: float, path: Path, minimum: int) -> None:
    if value != value or value in (float("inf"), float("-inf")) or value < minimum:
        bound = "0 or more" if minimum == 0 else f"at least {minimum}"
        raise ConfigError(f"{path}: option '{key}' must be {bound}, got {value!r}")


def _validate_selectors(selectors: tuple[str, ...], where: str) -> None:
    from nbprod.selection import validate  # selection imports this module

    validate(selectors, where)


def _strings(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)
