"""Per-cell facts the planner needs: parsed code, roles, scopes, displays and checks.

Every code cell is analysed, exported or not: whether a lifted cell must return a
name depends on what *later* cells read, and recorded outputs anywhere give types.
Only cells with a role (export, test, parameters) are parsed by libcst; the others
get the same name facts from the stdlib ``ast`` (:class:`LightScope`), and one is
parsed by libcst later only if it becomes a regression test.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.analysis.cell import analyze_cell
from nbprod.analysis.names import is_kernel_name
from nbprod.export.magics import MagicPlan, plan_magics
from nbprod.export.model import ExportRefused
from nbprod.export.scope import CellScope, LightScope
from nbprod.export.select import Role, roles
from nbprod.export.source import ParsedCell, parse_cell
from nbprod.export.transforms.strip_magics import StripMagics
from nbprod.notebook.model import Cell

# Accessors that display their object's type: ``df.head()`` shows a DataFrame.
_SAME_TYPE_METHODS = frozenset({"head", "tail", "sample", "copy", "sort_index", "sort_values"})


@dataclass(slots=True)
class CellInfo:
    cell: Cell
    position: int  # among code cells
    roles: list[Role] = field(default_factory=list)
    parsed: ParsedCell | None = None  # None for a cell without a role (see LightScope)
    scope: CellScope | LightScope | None = None
    error: ExportRefused | None = None  # why the cell cannot be parsed or exported
    role_error: ExportRefused | None = None  # an export tag or directive that is malformed
    magic_plan: MagicPlan | None = None
    displayed: str | None = None  # the name whose value the recorded output shows

    @property
    def full(self) -> CellScope:
        """The libcst scope of a parsed cell (one with a role, or one a test is made of)."""
        assert isinstance(self.scope, CellScope), "cell not parsed by libcst"
        return self.scope

    @property
    def exported(self) -> Role | None:
        return next((r for r in self.roles if r.kind == "export"), None)

    def has_role(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.roles)

    @property
    def free(self) -> set[str]:
        return set(self.scope.free_names()) if self.scope is not None else set()

    @property
    def bound(self) -> set[str]:
        return self.scope.bound_names() if self.scope is not None else set()


def analyse_cell(cell: Cell, position: int) -> CellInfo:
    info = CellInfo(cell, position)
    try:
        info.roles = roles(cell)
    except ExportRefused as exc:
        info.role_error = exc
    if not info.roles:
        facts = analyze_cell(cell)
        if facts.tree is None or facts.syntax_error is not None:
            info.error = ExportRefused("not parsed: not Python, or a syntax error")
        else:
            info.scope = LightScope(facts)
            info.displayed = _displayed_ast(facts.tree)
        return info
    return parse_info(info)


def parse_info(info: CellInfo) -> CellInfo:
    """Parse ``info``'s cell with libcst (after the stdlib checks); fills parsed and scope."""
    info.error = None
    cell = info.cell
    try:
        info.parsed = parse_cell(cell)
        info.magic_plan = plan_magics(info.parsed.magics)
    except ExportRefused as exc:
        info.error = exc
        return info
    module = info.parsed.module
    if info.magic_plan.actions:
        module = StripMagics(CodemodContext(), info.magic_plan.actions).transform_module(module)
    info.parsed.module = module
    info.scope = CellScope(module)
    info.displayed = _displayed_name(module)
    return info


def check_exportable(info: CellInfo) -> None:
    """Raise for what no rewrite can carry into a package: star imports, ``global``, ..."""
    if info.error is not None:
        raise info.error
    assert info.scope is not None and info.parsed is not None
    scope = info.full
    if scope.star_imports:
        raise ExportRefused(
            "star import: the names it brings in cannot be known statically; import them by name",
            scope.star_imports[0],
        )
    if scope.relative_imports:
        raise ExportRefused("relative import in a notebook cell", scope.relative_imports[0])
    finder = _Finder()
    info.parsed.module.visit(finder)
    if finder.global_node is not None:
        raise ExportRefused(
            "'global' statement: exported functions cannot rebind notebook globals; "
            "return the value instead",
            scope.line_of(finder.global_node),
        )
    if finder.await_node is not None:
        raise ExportRefused(
            "top-level await cannot be lifted into a function", scope.line_of(finder.await_node)
        )
    for use in scope.uses:
        if use.free and is_kernel_name(use.name):
            raise ExportRefused(
                f"uses IPython's '{use.name}', which does not exist outside a kernel", use.line
            )


class _Finder(cst.CSTVisitor):
    """The first ``global`` statement and the first ``await`` outside an async function."""

    def __init__(self) -> None:
        self.global_node: cst.Global | None = None
        self.await_node: cst.Await | None = None
        self.async_depth = 0

    def visit_Global(self, node: cst.Global) -> None:
        if self.global_node is None:
            self.global_node = node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None:
            self.async_depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if original_node.asynchronous is not None:
            self.async_depth -= 1

    def visit_Await(self, node: cst.Await) -> None:
        if self.async_depth == 0 and self.await_node is None:
            self.await_node = node


def _displayed_ast(tree: ast.Module) -> str | None:
    """:func:`_displayed_name` from the stdlib tree of a cell without a role."""
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    value = tree.body[-1].value
    if isinstance(value, ast.Name):
        return value.id
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.attr in _SAME_TYPE_METHODS
    ):
        return "." + value.func.value.id
    return None


def _displayed_name(module: cst.Module) -> str | None:
    """``df`` for a cell ending in ``df`` or ``df.head()``: the recorded output shows it."""
    if not module.body:
        return None
    last = module.body[-1]
    if not isinstance(last, cst.SimpleStatementLine) or not isinstance(last.body[-1], cst.Expr):
        return None
    value = last.body[-1].value
    if isinstance(value, cst.Name):
        return value.value
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and isinstance(value.func.value, cst.Name)
        and value.func.attr.value in _SAME_TYPE_METHODS
    ):
        return "." + value.func.value.value  # only a table-like type carries over
    return None
