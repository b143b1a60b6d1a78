"""Which cells are exported, and where: cell tags and nbdev's ``#|`` directives.

Tags: ``export``, ``export:<module>``, ``export:<module>:<name>``, ``test`` and
``parameters`` (papermill's). nbdev: ``#| export [module]`` (also ``exporti``,
``exports``) and ``#| default_exp <module>``. Directive lines are blanked, not
removed, so line numbers in messages stay the user's.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Literal

from nbprod.export.model import ExportRefused
from nbprod.notebook.model import Cell, Notebook

RoleKind = Literal["export", "test", "parameters"]

_DIRECTIVE = re.compile(r"^\s*#\|\s*(?P<name>[\w-]+)(?P<args>.*)$")
# nbdev 1 spelling, exact only: "# export the data" is a comment, not a directive.
_NBDEV1 = re.compile(
    r"^\s*#\s*(?:(?P<name>export[is]?)(?P<args>)|(?P<dname>default_exp)\s+(?P<dargs>\w+))\s*$"
)
_EXPORT_DIRECTIVES = frozenset({"export", "exporti", "exports"})


@dataclass(frozen=True, slots=True)
class Role:
    kind: RoleKind
    module: str | None = None  # None: the notebook's default module
    name: str | None = None  # function name for a lifted cell
    public: bool = True  # False for nbdev's ``exporti``: not in ``__all__``


def is_module_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name.islower()


def _check_module(name: str, where: str) -> str:
    if not is_module_name(name):
        raise ExportRefused(f"{where}: '{name}' is not a valid module name (lowercase identifier)")
    if name == "config":
        raise ExportRefused(f"{where}: module name 'config' is reserved for the parameters cell")
    return name


def _role_from_tag(tag: str) -> Role | None:
    if tag == "parameters":
        return Role("parameters")
    if tag in ("test", "tests"):
        return Role("test")
    if tag == "export":
        return Role("export")
    if tag.startswith("export:"):
        parts = tag.split(":")
        if len(parts) > 3 or not parts[1]:
            raise ExportRefused(f"tag '{tag}': expected export:<module> or export:<module>:<name>")
        module = _check_module(parts[1], f"tag '{tag}'")
        name = parts[2] if len(parts) == 3 else None
        if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
            raise ExportRefused(f"tag '{tag}': '{name}' is not a valid function name")
        return Role("export", module, name)
    return None


def _directives(cell: Cell) -> list[tuple[str, str, int]]:
    """(name, argument, line) of each ``#|`` directive at the top of a code cell."""
    found: list[tuple[str, str, int]] = []
    for number, line in enumerate(cell.source.split("\n"), start=1):
        match = _DIRECTIVE.match(line)
        if match is not None:
            found.append((match["name"], match["args"].strip(), number))
            continue
        old = _NBDEV1.match(line)
        if old is not None:
            found.append(
                (old["name"] or old["dname"], (old["args"] or old["dargs"] or "").strip(), number)
            )
        elif line.strip() and not line.lstrip().startswith("#"):
            break  # directives only count before the first line of code
    return found


def roles(cell: Cell) -> list[Role]:
    """The roles a code cell plays in the export (empty: not exported)."""
    if cell.kind != "code":
        return []
    found: list[Role] = []
    for tag in cell.tags:
        role = _role_from_tag(tag)
        if role is not None:
            found.append(role)
    for name, args, line in _directives(cell):
        if name in _EXPORT_DIRECTIVES:
            module = args.split()[0] if args else None
            if module is not None:
                try:
                    _check_module(module, f"#| {name}")
                except ExportRefused as exc:
                    raise ExportRefused(exc.reason, line) from None
            found.append(Role("export", module, None, public=name != "exporti"))
    return found


def default_module(notebook: Notebook, fallback: str) -> str:
    """The module ``export`` cells go to: nbdev's ``#| default_exp``, else ``fallback``."""
    for cell in notebook.code_cells:
        for name, args, line in _directives(cell):
            if name == "default_exp" and args:
                module = args.split()[0]
                if not is_module_name(module):
                    raise ExportRefused(
                        f"#| default_exp: '{module}' is not a valid module name", line
                    )
                return module
    return fallback


def strip_directives(source: str) -> str:
    """Blank the ``#|`` directive lines (and nbdev 1's ``# export``) of a cell."""
    lines = source.split("\n")
    directive_lines = {line for _, _, line in _directives(Cell(0, None, "code", source))}
    return "\n".join("" if i + 1 in directive_lines else text for i, text in enumerate(lines))
