"""Declare the type of a number a function body then turns into something else.

``loss, acc = 0, 0`` then ``loss += loss_fn(pred, y)`` and ``acc /= len(loader)``:
Python lets ``loss`` become a tensor and ``acc`` a float, mypy fixes both as ``int``
at the first assignment and reports every later one. Such code is the norm in training
loops; in an annotated function (every lifted one, and the notebook's own annotated
defs) mypy would fail the package on it. A declaration before the first binding says
what the code does: ``acc: float`` for a true division of a literal number, ``loss: Any``
when it grows by, or is bound again to, values of another type.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.transforms.base import CellTransform

# Results of these calls keep an int an int.
_INT_CALLS = frozenset({"len", "int", "round", "sum", "min", "max", "abs"})
_NUMBER = (cst.Integer, cst.Float)


class WidenAccumulators(CellTransform):
    DESCRIPTION = "Declare the type of numeric accumulators that change type."

    def __init__(self, context: CodemodContext, any_name: str = "Any") -> None:
        """``any_name``: how the module spells ``typing.Any``."""
        super().__init__(context)
        self.any_name = any_name
        self._scopes: list[dict[int, list[tuple[str, str]]]] = []  # per enclosing def

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        first: dict[int, list[tuple[str, str]]] = {}  # statement id -> (name, type) to declare
        if node.returns is not None or _annotated(node.params):  # mypy checks the body
            finder = _Accumulators()
            node.body.visit(finder)
            kinds = finder.kinds()
            for name, stmt in finder.first.items():  # in source order
                if name in kinds:
                    first.setdefault(id(stmt), []).append((name, kinds[name]))
        self._scopes.append(first)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._scopes.pop()
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if not self._scopes or not self._scopes[-1]:
            return updated_node
        first = self._scopes[-1]
        out: list[cst.BaseStatement] = []
        for original, stmt in zip(original_node.body, updated_node.body):
            for name, kind in first.get(id(original), ()):
                spelled = self.any_name if kind == "Any" else "float"
                annotation = cst.AnnAssign(cst.Name(name), cst.Annotation(cst.Name(spelled)), None)
                out.append(cst.SimpleStatementLine([annotation]))
            out.append(stmt)
        return updated_node.with_changes(body=out)


def _annotated(params: cst.Parameters) -> bool:
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    return any(p.annotation is not None for p in every)


def _bound_numbers(stmt: cst.BaseStatement) -> list[str]:
    """Names a simple statement binds to literal numbers (``a, b = 0, 0``)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return []
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return []
    return [n for n, v in _pairs(small.targets[0].target, small.value) if isinstance(v, _NUMBER)]


def _pairs(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> list[tuple[str, cst.BaseExpression]]:
    if isinstance(target, cst.Name):
        return [(target.value, value)]
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        if len(target.elements) == len(value.elements):
            return [
                pair
                for t, v in zip(target.elements, value.elements)
                for pair in _pairs(t.value, v.value)
            ]
    return []


class _Accumulators(cst.CSTVisitor):
    """Names a body (not its nested defs) binds to a literal number and augments later."""

    def __init__(self) -> None:
        self.first: dict[str, cst.SimpleStatementLine] = {}  # name -> its first binding
        self.divided: set[str] = set()
        self.grown: set[str] = set()

    def kinds(self) -> dict[str, str]:
        found = {n: "float" for n in self.divided if n in self.first}
        found.update({n: "Any" for n in self.grown if n in self.first})
        return found

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a nested function has its own locals

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for name in _bound_numbers(node):
            self.first.setdefault(name, node)  # in source order: the first binding

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name) and not _keeps_number(node.value):
                self.grown.add(target.target.value)  # rebound to another kind of value

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not isinstance(node.target, cst.Name):
            return
        name = node.target.value
        if isinstance(node.operator, (cst.DivideAssign, cst.PowerAssign)):
            self.divided.add(name)
        if not _keeps_number(node.value):
            self.grown.add(name)


def _keeps_number(value: cst.BaseExpression) -> bool:
    if isinstance(value, _NUMBER):
        return True
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
        return value.func.value in _INT_CALLS
    if isinstance(value, cst.UnaryOperation):
        return _keeps_number(value.expression)
    return False
