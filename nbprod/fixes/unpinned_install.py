"""NBP403 unpinned-install: pin each package to the version installed here.

The version is read with ``importlib.metadata`` in the environment nbprod runs in (the
kernel's, when nbprod is installed beside the notebook). A package that is not
installed here, a conda install, or a requirement this fix cannot pin (a version
range, a URL) means no fix: a half-pinned line would still be reported.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import metadata

from nbprod.findings import Finding
from nbprod.fixes.model import Edit, Fix
from nbprod.notebook.model import Notebook
from nbprod.rules.code_health.unpinned_install import PIP_VALUED, SEPARATORS, TOOLING

_WORD = re.compile(r"\S+")
_TOOL = re.compile(r"[%!]*(?:.*/)?(pip[\d.]*)")
_BARE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")
_PINNED = re.compile(r"==|~=|<")


@lru_cache(maxsize=512)
def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except (metadata.PackageNotFoundError, ValueError):
        return None


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    lines = cell.source.split("\n")
    numbers = [finding.line - 1]
    while lines[numbers[-1]].rstrip().endswith("\\") and numbers[-1] + 1 < len(lines):
        numbers.append(numbers[-1] + 1)
    words = [(n, m.start(), m.group()) for n in numbers for m in _WORD.finditer(lines[n])]
    edits: list[Edit] = []
    pins: list[str] = []
    tool: str | None = None
    installing = skip_value = False
    for number, column, word in words:
        bare = word.strip("'\"")
        if word in SEPARATORS or word.endswith(";"):
            tool, installing = None, False
            continue
        if skip_value or word == "\\" or word.startswith((">", "<", "1>", "2>", "&>")):
            skip_value = False
            continue
        if bare.startswith("-"):
            skip_value = installing and bare in PIP_VALUED
            continue
        if not installing:
            match = _TOOL.fullmatch(bare)
            if match is not None:
                tool = match.group(1)
            elif bare == "install" and tool is not None:
                installing = True
            elif bare in ("conda", "mamba", "micromamba"):
                return None
            continue
        requirement = _BARE.fullmatch(bare)
        if requirement is None:
            if _PINNED.search(bare) or "/" in bare or bare.endswith(".whl"):
                continue  # pinned, or a path or URL the rule judges for itself
            return None  # a range such as `>=4.30`: no version to choose here
        name = requirement.group(1)
        if name.lower() in TOOLING:
            continue
        version = installed_version(name)
        if version is None:
            return None
        at = column + word.index(bare) + len(bare)
        edits.append(
            Edit(
                "replace",
                cell.index,
                cell.id,
                (number + 1, at + 1),
                (number + 1, at + 1),
                f"=={version}",
            )
        )
        pins.append(f"{name}=={version}")
    if not edits:
        return None
    return Fix(f"pin {', '.join(pins)} (the versions installed here)", "safe", tuple(edits))
