"""Names for generated functions, tests and packages: from tags, headings or cell ids."""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Collection

from nbprod.analysis.names import PYTHON_BUILTINS
from nbprod.notebook.model import Cell, Notebook

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$", re.MULTILINE)
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_MAX_WORDS = 6
RESERVED = PYTHON_BUILTINS | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


def slugify(text: str, max_words: int = _MAX_WORDS) -> str:
    """``"Step 3. Load the data!"`` -> ``"step_3_load_the_data"`` (a valid identifier or "")."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", text)  # markdown emphasis, links
    words = [w for w in _NON_WORD.split(text.lower()) if w][:max_words]
    slug = "_".join(words)
    if slug and slug[0].isdigit():
        slug = "step_" + slug
    return slug


def package_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name the exported package, or None if it can."""
    if not (name.isidentifier() and not keyword.iskeyword(name) and name.islower()):
        return f"package name '{name}' is not a valid lowercase identifier"
    if name in sys.stdlib_module_names:
        return f"package name '{name}' would shadow the standard library module of that name"
    return None


def package_name(stem: str) -> str:
    """A package name from a notebook's file name, never one that shadows the stdlib."""
    slug = "_".join(w for w in _NON_WORD.split(stem.lower()) if w)
    if not slug:
        return "notebook"
    shadows = slug[0].isdigit() or keyword.iskeyword(slug) or slug in sys.stdlib_module_names
    return "nb_" + slug if shadows else slug


def heading_above(notebook: Notebook, cell: Cell) -> str | None:
    """The text of the nearest markdown heading above ``cell``."""
    for other in reversed(notebook.cells[: cell.index]):
        if other.kind != "markdown":
            continue
        found = _HEADING.findall(other.source)
        if found:
            return str(found[-1]).strip()
    return None


def first_heading(notebook: Notebook) -> str | None:
    for cell in notebook.cells:
        if cell.kind == "markdown":
            found = _HEADING.findall(cell.source)
            if found:
                return str(found[0]).strip()
    return None


def cell_name(cell: Cell) -> str:
    if cell.id and re.fullmatch(r"[0-9A-Za-z_-]{1,16}", cell.id):
        return "cell_" + re.sub(r"[^0-9A-Za-z_]", "_", cell.id).lower()
    return f"cell_{cell.number}"


def unique(base: str, taken: Collection[str], suffix: str = "") -> str:
    """``base`` (or ``base`` + suffix, then numbered) not in ``taken`` nor reserved."""
    if base not in taken and base not in RESERVED:
        return base
    candidate = base + suffix if suffix else base
    number = 2
    while candidate in taken or candidate in RESERVED:
        candidate = f"{base}{suffix}_{number}"
        number += 1
    return candidate
