"""Annotations for lifted functions, from what the notebook shows about each name.

In order of trust: the type of a value the notebook displayed (its recorded output),
the type of the literal a name was bound to, the annotation of the exported function
whose call produced it; otherwise ``Any``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst

from nbprod.export.cells import CellInfo
from nbprod.export.model import ImportSpec
from nbprod.export.scope import LightScope
from nbprod.export.types import literal_type, recorded_type, source_literal_type

_EMPTY = cst.Module([])

# Library calls whose result type is certain: (module, type) by qualified name.
_DATAFRAME = ("pandas", "DataFrame")
_NDARRAY = ("numpy", "ndarray")
_TENSOR = ("torch", "Tensor")
CONSTRUCTED: dict[str, tuple[str, str]] = {
    **{f"pandas.{f}": _DATAFRAME for f in ("DataFrame", "read_csv", "read_parquet", "read_json",
                                           "read_excel", "read_table", "read_feather")},
    "pandas.Series": ("pandas", "Series"),
    **{f"numpy.{f}": _NDARRAY for f in ("array", "asarray", "zeros", "ones", "empty", "full",
                                        "arange", "linspace", "eye", "zeros_like", "ones_like")},
    **{f"torch.{f}": _TENSOR for f in ("tensor", "zeros", "ones", "rand", "randn", "arange",
                                       "linspace", "from_numpy", "stack", "cat")},
}  # fmt: skip
# Libraries whose CamelCase callables are classes (estimators, transformers).
_ESTIMATOR_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "imblearn"})


def _cst_dotted(node: cst.BaseExpression) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.insert(0, node.attr.value)
        node = node.value
    return [node.value, *parts] if isinstance(node, cst.Name) else None


def _ast_dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    return [node.id, *parts] if isinstance(node, ast.Name) else None


class TypeInference:
    def __init__(
        self, infos: Sequence[CellInfo], aliases: dict[str, ImportSpec], taken: set[str]
    ) -> None:
        self.infos = infos
        self.aliases = aliases  # extended with the imports annotations need
        self.taken = taken  # every name the notebook binds: an added import must not shadow one
        self.annotations: dict[str, str] = {}  # exported function -> its return annotation
        self.classes: set[str] = set()
        self.returned: dict[tuple[int, str], str] = (
            {}
        )  # (position, name) -> type of a lifted return

    # -- rendering -------------------------------------------------------------

    @property
    def any(self) -> str:
        return self.ref(("typing", "Any"))

    def ref(self, kind: tuple[str, str] | str) -> str:
        """Source for a type: builtins as is, library types through the notebook's aliases."""
        if isinstance(kind, str):
            return kind if kind != "Any" else self.any
        module, attr = kind
        for alias, spec in self.aliases.items():
            if spec.module == module and spec.obj is None:
                return f"{alias}.{attr}"
            if spec.module == module and spec.obj == attr:
                return alias
        if attr not in self.taken and module == "typing":
            self.aliases.setdefault(attr, ImportSpec(module, attr))
            return attr
        if module not in self.taken:
            self.aliases.setdefault(module, ImportSpec(module))
            return f"{module}.{attr}"
        return "object"

    # -- inference -----------------------------------------------------------

    def displayed(self, name: str, start: int, stop: int) -> str | None:
        """The type of ``name`` as displayed by a cell in positions [start, stop)."""
        for info in self.infos[max(start, 0) : stop]:
            if info.displayed not in (name, "." + name):
                continue
            for output in info.cell.outputs:
                if output.get("output_type") != "execute_result":
                    continue
                data = output.get("data")
                kind = recorded_type(data) if isinstance(data, dict) else None
                if kind is None or (info.displayed.startswith(".") and isinstance(kind, str)):
                    continue
                if kind == "None":
                    continue
                return self.ref(kind)
        return None

    def bound_type(self, info: CellInfo, name: str) -> str | None:
        """The type of the single value ``info`` binds ``name`` to, when it is evident."""
        scope = info.scope
        if scope is None or len(scope.bindings.get(name, ())) != 1:
            return None
        if isinstance(scope, LightScope):
            return self._light_bound_type(scope, name)
        stmt = scope.module.body[scope.bindings[name][0].statement]
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        small = stmt.body[0]
        if not (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value == name
        ):
            return None
        value = small.value
        literal = source_literal_type(_EMPTY.code_for_node(value))
        if literal is not None:
            return None if literal == "None" or "Any" in literal else literal
        if isinstance(value, cst.Call):
            dotted = _cst_dotted(value.func)
            if dotted is not None:
                return self._made_by(dotted)
        return None

    def _made_by(self, dotted: list[str]) -> str | None:
        """The type of what calling ``dotted`` (``["pd", "read_csv"]``) returns, if known:
        an exported class or annotated function, or a library constructor."""
        if len(dotted) == 1 and dotted[0] in self.classes:
            return dotted[0]
        if len(dotted) == 1 and dotted[0] in self.annotations:
            return self.annotations[dotted[0]]
        spec = self.aliases.get(dotted[0])
        if spec is None:
            return None
        qualified = ".".join([spec.module, *([spec.obj] if spec.obj else []), *dotted[1:]])
        known = CONSTRUCTED.get(qualified)
        if known is not None:
            return self.ref(known)
        module, _, attr = qualified.rpartition(".")
        if qualified.split(".")[0] in _ESTIMATOR_LIBRARIES and attr[:1].isupper():
            return self.ref((module, attr))  # an estimator class: its instance
        return None

    def _light_bound_type(self, scope: LightScope, name: str) -> str | None:
        """:meth:`bound_type` for a cell read through the stdlib ``ast``."""
        stmt = scope.tree.body[scope.bindings[name][0].statement]
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name
        ):
            return None
        value = stmt.value
        try:
            literal: str | None = literal_type(ast.literal_eval(value))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            literal = None
        if literal is not None:
            return None if literal == "None" or "Any" in literal else literal
        if isinstance(value, ast.Call):
            dotted = _ast_dotted(value.func)
            if dotted is not None:
                return self._made_by(dotted)
        return None

    def param(self, name: str, position: int) -> str:
        producer = self._last_binder(name, position)
        if producer is None:  # bound by a magic or a cell that is not Python
            return self.displayed(name, 0, position) or self.any
        if producer is not None:
            found = (
                self.displayed(name, producer.position, position)
                or self.returned.get((producer.position, name))
                or self.bound_type(producer, name)
            )
            if found is not None:
                return found
        return self.any

    def result(self, name: str, info: CellInfo) -> str:
        stop = len(self.infos)
        for later in self.infos[info.position + 1 :]:
            if name in later.bound:  # even `arr = pd.DataFrame(arr)`: a new value, maybe typed anew
                stop = later.position
                break
        found = self.displayed(name, info.position, stop) or self.bound_type(info, name) or self.any
        self.returned[(info.position, name)] = found
        return found

    def changed(self, name: str, position: int) -> str:
        """The type of a received object a lifted cell changes in place and returns."""
        found = self.param(name, position)
        self.returned[(position, name)] = found
        return found

    def _last_binder(self, name: str, position: int) -> CellInfo | None:
        for info in reversed(self.infos[:position]):
            if name in info.bound:
                return info
        return None
