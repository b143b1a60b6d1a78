"""File reads and writes in a notebook, with their paths resolved where static.

Paths are resolved through string constants assigned once at the top level of any cell,
``os.path.join``, ``pathlib`` (``Path(a) / "b"``, ``.joinpath``), ``+`` and f-strings
whose parts all resolve. An unresolvable path is ``None``: rules then stay silent
rather than guess. :func:`normalize` and :func:`in_directory` compare resolved paths.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from weakref import WeakKeyDictionary

from nbprod.analysis.cell import CallRef, CellFacts, dotted_name

if TYPE_CHECKING:
    from nbprod.analysis.notebook import AnalyzedNotebook

Mode = Literal["read", "write"]

# Qualified function -> (mode, index of the path argument, keyword names of it)
_FUNCTIONS: dict[str, tuple[Mode, int, tuple[str, ...]]] = {
    "numpy.load": ("read", 0, ("file",)),
    "numpy.loadtxt": ("read", 0, ("fname",)),
    "numpy.genfromtxt": ("read", 0, ("fname",)),
    "numpy.fromfile": ("read", 0, ("file",)),
    "numpy.save": ("write", 0, ("file",)),
    "numpy.savez": ("write", 0, ("file",)),
    "numpy.savez_compressed": ("write", 0, ("file",)),
    "numpy.savetxt": ("write", 0, ("fname",)),
    "joblib.load": ("read", 0, ("filename",)),
    "joblib.dump": ("write", 1, ("filename",)),
    "torch.load": ("read", 0, ("f",)),
    "torch.save": ("write", 1, ("f",)),
    "shutil.copy": ("write", 1, ("dst",)),
    "shutil.copy2": ("write", 1, ("dst",)),
    "shutil.copyfile": ("write", 1, ("dst",)),
    "shutil.copytree": ("write", 1, ("dst",)),
    "shutil.move": ("write", 1, ("dst",)),
    "os.rename": ("write", 1, ("dst",)),
    "os.replace": ("write", 1, ("dst",)),
    "os.remove": ("write", 0, ("path",)),
    "scipy.io.loadmat": ("read", 0, ("file_name",)),
    "h5py.File": ("read", 0, ("name",)),
    "PIL.Image.open": ("read", 0, ("fp",)),
    "cv2.imread": ("read", 0, ("filename",)),
    "cv2.imwrite": ("write", 0, ("filename",)),
    "pyarrow.parquet.read_table": ("read", 0, ("source",)),
    "pyarrow.parquet.write_table": ("write", 1, ("where",)),
    "xarray.open_dataset": ("read", 0, ("filename_or_obj",)),
    "urllib.request.urlretrieve": ("read", 0, ("url",)),
    "requests.get": ("read", 0, ("url",)),
    "wget.download": ("read", 0, ("url",)),
}
_READ_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_")
_PATH_KEYWORDS = ("filepath_or_buffer", "path_or_buf", "path", "io", "source", "file", "fname")
# Methods that write the object they are called on: `df.to_csv(path)`.
_WRITE_METHODS = frozenset(
    {"to_csv", "to_parquet", "to_pickle", "to_excel", "to_json", "to_feather", "to_hdf",
     "to_stata", "to_orc", "to_netcdf", "to_zarr", "write_csv", "write_parquet", "write_ipc",
     "write_json"}
)  # fmt: skip
_PATH_METHODS: dict[str, Mode] = {
    "read_text": "read", "read_bytes": "read", "write_text": "write", "write_bytes": "write",
}  # fmt: skip
_PATH_TYPES = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath", "Path"}
)


@dataclass(frozen=True)
class FileAccess:
    facts: CellFacts
    call: ast.Call
    node: ast.expr  # the path expression, for positions
    path: str | None  # resolved path, or None when it is not static
    mode: Mode
    api: str  # "pandas.read_csv", ".to_csv", "open", ...

    @property
    def order(self) -> tuple[int, int, int]:
        """Document order: (cell index, line, column) of the path expression."""
        return (self.facts.cell.index, self.node.lineno, self.node.col_offset)


def file_accesses(nb: AnalyzedNotebook) -> list[FileAccess]:
    resolver = path_resolver(nb)
    found: list[FileAccess] = []
    for facts in nb.cells:
        for call in facts.calls:
            found.extend(_accesses(nb, facts, call, resolver))
        for magic in facts.magics:
            if magic.kind == "cell" and magic.name in ("writefile", "file") and magic.args:
                target = magic.args.split()[-1]
                end = len(
                    facts.cell.source.split("\n", magic.line)[magic.line - 1].encode()
                )  # ast columns are bytes
                dummy = ast.Constant(
                    target,
                    lineno=magic.line,
                    col_offset=0,
                    end_lineno=magic.line,
                    end_col_offset=end,
                )
                # `$name` and `{expr}` are expanded by IPython: the path is not static
                path = None if "$" in target or "{" in target else target
                found.append(
                    FileAccess(facts, ast.Call(dummy, [], []), dummy, path, "write", "%%writefile")
                )
    return found


_RESOLVERS: WeakKeyDictionary[AnalyzedNotebook, PathResolver] = WeakKeyDictionary()


def path_resolver(nb: AnalyzedNotebook) -> PathResolver:
    """The notebook's resolver, shared by every rule (its constants table is built once)."""
    resolver = _RESOLVERS.get(nb)
    if resolver is None:
        resolver = _RESOLVERS[nb] = PathResolver(nb)
    return resolver


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^dbfs:", re.A)
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def is_url(path: str) -> bool:
    """A URL or cloud URI (``https://``, ``s3://``, ``gs://``, ``dbfs:/``), not a local path."""
    return (
        _URL.match(path) is not None
        and _WINDOWS_DRIVE.match(path) is None
        and not path.startswith("file:")
    )


def normalize(path: str) -> str:
    """A comparable form: forward slashes, no ``.`` or redundant separators, no trailing slash."""
    text = path.replace("\\", "/")
    if text.startswith("file://"):
        text = text[len("file://") :]
    normal = posixpath.normpath(text)
    return "" if normal == "." else normal


def _parts(path: str) -> list[str]:
    return [p for p in normalize(path).split("/") if p and p != ".."]


def in_directory(path: str, directories: Iterable[str]) -> str | None:
    """The first of ``directories`` that contains ``path`` (or is it), else ``None``.

    A relative directory matches as consecutive path components anywhere in the path, so
    ``data/raw`` matches ``data/raw/a.csv``, ``../data/raw/a.csv`` and
    ``/home/me/project/data/raw/a.csv``; an absolute one must be a prefix.
    """
    if is_url(path):
        return None
    normal = normalize(path)
    parts = _parts(path)
    for directory in directories:
        root = normalize(directory)
        if root.startswith("/"):
            if normal == root or normal.startswith(root.rstrip("/") + "/"):
                return directory
            continue
        want = _parts(directory)
        if want and any(
            parts[i : i + len(want)] == want for i in range(len(parts) - len(want) + 1)
        ):
            return directory
    return None


def _accesses(
    nb: AnalyzedNotebook, facts: CellFacts, call: CallRef, resolver: PathResolver
) -> Iterator[FileAccess]:
    node = call.node
    qualified = nb.qualify(call.dotted) if call.dotted else None
    if qualified in ("open", "io.open", "codecs.open"):
        mode_node = call_argument(node, 1, ("mode",))
        mode = resolver.string(mode_node, facts) if mode_node is not None else "r"
        path_node = call_argument(node, 0, ("file", "filename"))
        if path_node is not None and mode is not None:
            kind: Mode = "write" if set(mode) & set("wax+") else "read"
            yield FileAccess(
                facts, node, path_node, resolver.string(path_node, facts), kind, "open"
            )
        return
    if qualified is not None:
        spec = _FUNCTIONS.get(qualified)
        if spec is None and qualified.startswith(_READ_PREFIXES):
            spec = ("read", 0, _PATH_KEYWORDS)
        if spec is not None:
            mode_, index, keywords = spec
            path_node = call_argument(node, index, keywords)
            if path_node is not None:
                yield FileAccess(
                    facts, node, path_node, resolver.string(path_node, facts), mode_, qualified
                )
            return
    if call.attr in _WRITE_METHODS and isinstance(node.func, ast.Attribute):
        path_node = call_argument(node, 0, _PATH_KEYWORDS)
        if path_node is not None:
            yield FileAccess(
                facts, node, path_node, resolver.string(path_node, facts), "write", "." + call.attr
            )
    elif call.attr in _PATH_METHODS and isinstance(node.func, ast.Attribute):
        target = node.func.value
        path = resolver.string(target, facts) if resolver.is_path_expr(target, facts) else None
        if path is not None:
            yield FileAccess(facts, node, target, path, _PATH_METHODS[call.attr], "." + call.attr)
    elif call.attr == "open" and isinstance(node.func, ast.Attribute):  # Path(...).open("w")
        target = node.func.value
        path = resolver.string(target, facts) if resolver.is_path_expr(target, facts) else None
        mode_node = call_argument(node, 0, ("mode",))
        mode = resolver.string(mode_node, facts) if mode_node is not None else "r"
        if path is not None and mode is not None:
            kind = "write" if set(mode) & set("wax+") else "read"
            yield FileAccess(facts, node, target, path, kind, ".open")


def call_argument(call: ast.Call, index: int, keywords: tuple[str, ...]) -> ast.expr | None:
    """The argument at ``index`` or passed by one of ``keywords``; None when not given."""
    for kw in call.keywords:
        if kw.arg in keywords:
            return kw.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return positional[index] if 0 <= index < len(positional) else None


class PathResolver:
    """Static string values of expressions, through notebook-level constants."""

    def __init__(self, nb: AnalyzedNotebook) -> None:
        self.nb = nb
        self._constants: dict[str, ast.expr | None] | None = None

    @property
    def constants(self) -> dict[str, ast.expr | None]:
        """Names assigned exactly once, at top level, in the whole notebook."""
        if self._constants is None:
            found: dict[str, ast.expr | None] = {}
            for facts in self.nb.cells:
                if facts.tree is None:
                    continue
                for stmt in facts.tree.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)
                    ):
                        name = stmt.targets[0].id
                        found[name] = None if name in found else stmt.value
                    elif (
                        isinstance(stmt, ast.AnnAssign)
                        and isinstance(stmt.target, ast.Name)
                        and stmt.value
                    ):
                        name = stmt.target.id
                        found[name] = None if name in found else stmt.value
            for name, entries in self.nb.definitions.items():
                if len(entries) > 1 and name in found:
                    found[name] = None  # also bound elsewhere (loop, import, augmented assignment)
            self._constants = found
        return self._constants

    def is_path_expr(self, node: ast.expr, facts: CellFacts, depth: int = 0) -> bool:
        if depth > 10:
            return False
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            dotted = dotted_name(node.func)
            return dotted is not None and self.nb.qualify(dotted) in _PATH_TYPES
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.is_path_expr(node.left, facts, depth + 1)
        if isinstance(node, ast.Name):
            value = self.constants.get(node.id)
            return value is not None and self.is_path_expr(value, facts, depth + 1)
        return False

    def string(self, node: ast.expr | None, facts: CellFacts, depth: int = 0) -> str | None:
        if node is None or depth > 10:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            value = self.constants.get(node.id)
            return self.string(value, facts, depth + 1) if value is not None else None
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.format_spec is not None or value.conversion != -1:
                        return None
                    part = self.string(value.value, facts, depth + 1)
                else:
                    part = self.string(value, facts, depth + 1)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        if isinstance(node, ast.BinOp):
            left = self.string(node.left, facts, depth + 1)
            right = self.string(node.right, facts, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Div) and self.is_path_expr(node.left, facts, depth + 1):
                return posixpath.join(left, right)
            return None
        if isinstance(node, ast.Call):
            return self._call_string(node, facts, depth)
        return None

    def _call_string(self, node: ast.Call, facts: CellFacts, depth: int) -> str | None:
        dotted = (
            dotted_name(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) else None
        )
        qualified = self.nb.qualify(dotted) if dotted else None
        args = [self.string(a, facts, depth + 1) for a in node.args]
        if node.keywords or any(a is None for a in args):
            return None
        strings = [a for a in args if a is not None]
        if qualified in ("os.path.join", "posixpath.join") and strings:
            return posixpath.join(*strings)
        if qualified in _PATH_TYPES:
            return posixpath.join(*strings) if strings else "."
        if qualified == "os.path.expanduser" and len(strings) == 1:
            return strings[0]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
            base = self.string(node.func.value, facts, depth + 1)
            return posixpath.join(base, *strings) if base is not None else None
        return None
