"""NBP202 absolute-path (unsafe): the machine-specific folder becomes a ``DATA_DIR``
parameter.

``'/home/alice/data/x.csv'`` becomes ``f"{DATA_DIR}/x.csv"`` and the parameters cell
gets ``DATA_DIR = os.getenv("DATA_DIR", "/home/alice/data")``: the notebook still runs
here, and elsewhere once ``DATA_DIR`` is set (or papermill passes it). The new value is
a ``str`` like the literal, so every use of it (``os.path.join``, ``+``, ``.endswith``)
works as before. Later paths under the same folder reuse the parameter; a path outside
it, or a ``DATA_DIR`` assigned differently, gets no fix. Unsafe: the user picks where
the data lives.
"""

from __future__ import annotations

import ast
import json
import re
from typing import TYPE_CHECKING

import libcst as cst

from nbprod.findings import Finding
from nbprod.fixes.codemod import PositionedCodemod, Skip, codemod_edits
from nbprod.fixes.model import Fix
from nbprod.fixes.parameters import assignment, define
from nbprod.notebook.model import Notebook

if TYPE_CHECKING:
    from libcst.codemod import CodemodContext

NAME = "DATA_DIR"
_POSIX_MACHINE = re.compile(r"^(?:~[^/\s]*/|/)")


class PathFromParameter(PositionedCodemod):
    """Write the path literal at ``line``:``column`` (1-based) as ``folder`` + the rest,
    ``folder`` being the parameter ``name``."""

    def __init__(
        self, context: CodemodContext | None, line: int, column: int, folder: str, name: str = NAME
    ) -> None:
        super().__init__(context, line, column)
        self.folder = folder.rstrip("/")
        self.name = name

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        if self.done or not self.at(original_node):
            return updated_node
        value = original_node.evaluated_value
        if not isinstance(value, str) or not value.startswith(self.folder):
            raise Skip("not a path under the folder")
        rest = value[len(self.folder) :]
        if rest and not rest.startswith("/"):
            raise Skip("the folder is only a prefix of a name")
        self.done = True
        if not rest:
            return cst.Name(self.name)
        quote = original_node.quote if len(original_node.quote) == 1 else '"'
        text = rest.replace("\\", "\\\\").replace(quote, "\\" + quote)
        text = text.replace("{", "{{").replace("}", "}}")
        return cst.parse_expression(f"f{quote}{{{self.name}}}{text}{quote}")

    def leave_ConcatenatedString(
        self, original_node: cst.ConcatenatedString, updated_node: cst.ConcatenatedString
    ) -> cst.ConcatenatedString:
        if self.done:  # `'/home/a/' 'x.csv'`: a part rewritten alone would change the rest
            raise Skip("part of an implicitly concatenated string")
        return updated_node


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    path = _literal_at(cell.source, finding.line, finding.column)
    if path is None or not _POSIX_MACHINE.match(path):
        return None  # a Windows path, a shell line, or a path built elsewhere
    existing = assignment(nb, NAME)
    if existing is None:
        folder = path.rstrip("/").rpartition("/")[0] if not path.endswith("/") else path
        folder = folder.rstrip("/")
        if not folder or folder == "~":
            return None  # `/x.csv`: no folder to name
    else:
        folder_or_none = _default(existing[1])
        if folder_or_none is None:
            return None
        folder = folder_or_none
    command = PathFromParameter(None, finding.line, finding.column, folder)
    edits = codemod_edits(cell, command)
    if edits is None:
        return None
    value = f"os.getenv({json.dumps(NAME)}, {json.dumps(folder)})"
    defined = define(nb, [(NAME, value)], cell.index, needs="os")
    if defined is None:
        return None
    return Fix(
        f"read the folder {folder} from the `{NAME}` parameter (set the environment variable"
        " elsewhere)",
        "unsafe",
        (*edits, *defined),
        isolation=("import os", NAME) if defined else (),
    )


def _literal_at(source: str, line: int, column: int) -> str | None:
    """The string literal starting at a position of a cell's source, if one does."""
    text = source.split("\n")[line - 1][column - 1 :]
    match = re.match(r"""[rRuU]?('[^'\\\n]*'|"[^"\\\n]*")""", text)
    if match is None:
        return None
    value = ast.literal_eval(match.group(0).lstrip("rRuU"))
    return value if isinstance(value, str) else None


def _default(assigned: str) -> str | None:
    """The folder ``DATA_DIR`` holds: ``"..."`` or ``os.getenv("DATA_DIR", "...")``."""
    try:
        node = ast.parse(assigned, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and len(node.args) == 2:
        node = node.args[1]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.rstrip("/") or None
    return None
