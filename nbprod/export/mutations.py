"""In-place mutations in a cell's top-level code: the state Soorgeon silently loses.

``df["x"] = ...``, ``items.append(...)``, ``model.fit(...)``, ``inplace=True``: the
object changes without its name being rebound, so a lifted function that receives
it would change its caller's object, and whether a reader sees the change would
depend on call order. The planner refuses those when another exported cell reads
the object.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "update",
        "setdefault", "popitem", "add", "discard", "difference_update",
        "intersection_update", "symmetric_difference_update",
        "fit", "partial_fit", "fit_transform", "fit_resample", "set_params", "compile",
        "resize", "fill", "put", "itemset", "setflags", "train", "load_state_dict",
    }
)  # fmt: skip
# Functions that shuffle or fill their first argument in place.
_MUTATING_FUNCTIONS = frozenset(
    {"random.shuffle", "numpy.random.shuffle", "numpy.copyto", "numpy.put"}
)


@dataclass(frozen=True, slots=True)
class Mutation:
    name: str
    line: int
    how: str


def find_mutations(module: cst.Module, wrapper: MetadataWrapper | None = None) -> list[Mutation]:
    """In-place mutations in ``module``; ``wrapper`` (of ``module``) reuses its metadata."""
    if wrapper is None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    assert wrapper.module is module
    finder = _MutationFinder()
    wrapper.visit(finder)
    return finder.found


def _base(node: cst.BaseExpression) -> str | None:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


class _MutationFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Mutation] = []

    def _add(self, target: cst.BaseExpression, node: cst.CSTNode, how: str) -> None:
        name = _base(target)
        if name is not None:
            line = self.get_metadata(PositionProvider, node).start.line
            self.found.append(Mutation(name, line, how))

    # Function and class bodies run later (or never): not this cell's mutations.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._targets(target.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._targets(node.target, node)

    def visit_Del(self, node: cst.Del) -> None:
        self._targets(node.target, node)

    def _targets(self, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value, node)
        elif isinstance(target, cst.Subscript):
            self._add(target, node, "item assignment")
        elif isinstance(target, cst.Attribute):
            self._add(target, node, "attribute assignment")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
            self._add(func.value, node, f".{func.attr.value}()")
        elif isinstance(func, cst.Attribute) and any(
            a.keyword is not None and a.keyword.value == "inplace" and _is_true(a.value)
            for a in node.args
        ):
            self._add(func.value, node, f".{func.attr.value}(inplace=True)")
        names = {q.name for q in self.get_metadata(QualifiedNameProvider, func, set())}
        if names & _MUTATING_FUNCTIONS and node.args:
            self._add(node.args[0].value, node, f"{sorted(names)[0]}()")


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"
