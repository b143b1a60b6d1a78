"""Top-level statements of a cell: which are definitions, what they bind.

A statement is *hoisted* (kept at module level) when importing the module can run it
without side effects: ``def``, ``class``, and assignments of literal-like values that
nothing else in the notebook rebinds or mutates. Everything else is lifted.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

import libcst as cst

from nbprod.export.model import ExportRefused
from nbprod.export.scope import CellScope
from nbprod.export.types import source_literal_type

_CONSTANT_NAMES = frozenset({"True", "False", "None", "Ellipsis"})


def classify(
    stmt: cst.BaseStatement,
    index: int,
    scope: CellScope,
    known: set[str],
    variables: Container[str],
) -> str:
    """ "hoist" (module-level definition), "drop" (import, pass, bare string) or "lift".

    An assignment is a constant only when nothing in the cell rebinds it and it is not
    in ``variables`` (mutated, or rebound by another cell).
    """
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return "hoist"
    if not isinstance(stmt, cst.SimpleStatementLine):
        return "lift"
    smalls = stmt.body
    if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in smalls):
        return "drop"
    if all(isinstance(s, cst.Pass) or _is_string_expr(s) for s in smalls):
        return "drop"
    if len(smalls) != 1:
        return "lift"
    small = smalls[0]
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
        value: cst.BaseExpression | None = small.value
    elif isinstance(small, cst.AnnAssign):
        targets, value = [small.target], small.value
    else:
        return "lift"
    target = targets[0]
    if len(targets) == 1 and value is not None and _unpacked(target, value):
        assert isinstance(target, (cst.Tuple, cst.List)) and isinstance(
            value, (cst.Tuple, cst.List)
        )
        names = [cst.ensure_type(e.value, cst.Name).value for e in target.elements]
        values = [e.value for e in value.elements]
    elif all(isinstance(t, cst.Name) for t in targets):
        names = [t.value for t in targets if isinstance(t, cst.Name)]
        values = [value] if value is not None else []
    else:
        return "lift"
    if any(any(b.statement != index for b in scope.bindings.get(n, ())) for n in names):
        return "lift"  # rebound elsewhere in the cell: a variable, not a constant
    if any(n in variables for n in names):
        return "lift"
    if not all(_constant_like(v, known) for v in values):
        return "lift"
    return "hoist"


def _is_sequence(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Tuple, cst.List))


def _unpacked(target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
    """``A, B = 1, 2``: plain names unpacked from a literal sequence of the same length."""
    if not (_is_sequence(target) and _is_sequence(value)):
        return False
    assert isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List))
    return (
        len(target.elements) == len(value.elements)
        and all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements
        )
        and all(isinstance(e, cst.Element) for e in value.elements)
    )


def _constant_like(node: cst.BaseExpression, known: set[str]) -> bool:
    """A value computable at import time without side effects: literals, imports, lambdas."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Lambda)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _constant_like(node.left, known) and _constant_like(node.right, known)
    if isinstance(node, cst.FormattedString):
        return all(
            isinstance(p, cst.FormattedStringText)
            or (
                isinstance(p, cst.FormattedStringExpression) and _constant_like(p.expression, known)
            )
            for p in node.parts
        )
    if isinstance(node, cst.Name):
        return node.value in _CONSTANT_NAMES or node.value in known
    if isinstance(node, cst.Attribute):
        return _constant_like(node.value, known)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(_constant_like(e.value, known) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            _constant_like(e.value, known)
            and (not isinstance(e, cst.DictElement) or _constant_like(e.key, known))
            for e in node.elements
        )
    if isinstance(node, cst.UnaryOperation):
        return _constant_like(node.expression, known)
    if isinstance(node, cst.BinaryOperation):
        return _constant_like(node.left, known) and _constant_like(node.right, known)
    if isinstance(node, cst.Subscript):
        return _constant_like(node.value, known) and all(
            isinstance(s.slice, cst.Index) and _constant_like(s.slice.value, known)
            for s in node.slice
        )
    return False


def _is_string_expr(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.Expr) and isinstance(
        small.value, (cst.SimpleString, cst.ConcatenatedString)
    )


def number_assignment(stmt: cst.BaseStatement) -> tuple[str, str] | None:
    """``(name, literal)`` for ``name = 4``, ``name = -0.5`` or ``name = True``."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target, value = small.targets[0].target, small.value
    number = value.expression if isinstance(value, cst.UnaryOperation) else value
    if not isinstance(target, cst.Name):
        return None
    if isinstance(number, (cst.Integer, cst.Float)) or (
        isinstance(value, cst.Name) and value.value in ("True", "False")
    ):
        return target.value, cst.Module([]).code_for_node(value)
    return None


def assigned_names(stmt: cst.BaseStatement) -> list[str]:
    """Plain names a top-level assignment statement binds (``a, (b, c) = ...``)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return []
    small = stmt.body[0]
    targets: list[cst.BaseExpression]
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        targets = [small.target]
    else:
        return []
    names: list[str] = []
    while targets:
        target = targets.pop(0)
        if isinstance(target, cst.Name):
            names.append(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            targets[:0] = [e.value for e in target.elements]
    return names


def statement_name(stmt: cst.BaseStatement) -> str:
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return stmt.name.value
    if isinstance(stmt, cst.SimpleStatementLine):
        small = stmt.body[0]
        if isinstance(small, cst.Assign) and isinstance(small.targets[0].target, cst.Name):
            return small.targets[0].target.value
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            return small.target.value
    return "<statement>"


def hoisted_names(scope: CellScope, hoisted: Sequence[int]) -> list[tuple[str, int]]:
    wanted = set(hoisted)
    found = [
        (b.name, b.line)
        for bindings in scope.bindings.values()
        for b in bindings
        if b.statement in wanted and b.kind != "import"
    ]
    return sorted(found, key=lambda item: item[1])


def bound_in(scope: CellScope, statements: Sequence[int]) -> dict[str, int]:
    """Names bound by ``statements`` (not imports), with their first line, in order."""
    wanted = set(statements)
    found: dict[str, int] = {}
    for name, bindings in scope.bindings.items():
        for b in bindings:
            if b.statement in wanted and b.kind != "import":
                found[name] = min(found.get(name, b.line), b.line)
    return dict(sorted(found.items(), key=lambda item: item[1]))


def parameter_names(module: cst.Module, scope: CellScope) -> list[str]:
    """The names of a papermill parameters cell; anything but literal assignments is refused."""
    names: list[str] = []
    for stmt in module.body:
        line = scope.line_of(stmt)
        small = (
            stmt.body[0]
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            else None
        )
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target, value = small.target, small.value
        else:
            raise ExportRefused("a parameters cell may only assign literals (NAME = value)", line)
        if not isinstance(target, cst.Name):
            raise ExportRefused("a parameters cell may only assign plain names", line)
        if source_literal_type(cst.Module([]).code_for_node(value)) is None:
            raise ExportRefused(f"parameter '{target.value}' is not a literal value", line)
        names.append(target.value)
    return names
