"""Pytest functions from ``test`` cells and from results the notebook recorded.

A test may read what exported lifted functions return: the test rebuilds those
values by calling the functions in order (the notebook's own data flow), instead
of depending on state another test left behind.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.cells import CellInfo, check_exportable, parse_info
from nbprod.export.model import ExportPlan, ExportRefused, Namespace, Refusal, TestPlan
from nbprod.export.naming import cell_name, heading_above, slugify, unique
from nbprod.export.scope import CellScope, LightScope
from nbprod.export.transforms import Annotate, AssertRecordedResult, LiftCellToFunction, ReadConfig
from nbprod.export.transforms.pass_arguments import pass_arguments
from nbprod.export.types import recorded_value
from nbprod.notebook.model import Notebook


def plan_tests(
    notebook: Notebook, infos: Sequence[CellInfo], ns: Namespace, plan: ExportPlan, taken: set[str]
) -> None:
    used: set[str] = set()
    lifted_names = {f.name for f in ns.lifted}
    functions = {n for n in ns.owners if n not in lifted_names}
    for info in infos:
        if info.has_role("test") and not info.exported and not info.has_role("parameters"):
            try:
                plan.tests.append(_test_cell(notebook, info, ns, used))
            except ExportRefused as exc:
                plan.refusals.append(Refusal(exc.reason, info.cell, exc.line))
        elif not info.roles and info.cell.outputs and functions:
            test = _regression(info, ns, used, functions, plan)
            if test is not None:
                plan.tests.append(test)
    public = [c for m in plan.modules for u in m.units if u.public for c in [u.cell]]
    if public:
        plan.tests.insert(0, TestPlan("test_the_package_imports", public[0], _smoke(ns.package)))


def _smoke(package: str) -> str:
    """A test that imports the package: its modules run, their imports resolve."""
    return (
        "def test_the_package_imports() -> None:\n"
        f'    """Every public name of {package} is there once its modules ran."""\n'
        f"    missing = [name for name in {package}.__all__ if not hasattr({package}, name)]\n"
        "    assert not missing\n"
    )


def _test_cell(notebook: Notebook, info: CellInfo, ns: Namespace, used: set[str]) -> TestPlan:
    check_exportable(info)
    assert info.parsed is not None
    heading = heading_above(notebook, info.cell)
    base = "test_" + (slugify(heading) if heading else cell_name(info.cell))
    name = unique(base, used)
    used.add(name)
    code = _as_test(info, ns, name)
    return TestPlan(name, info.cell, code)


def _regression(
    info: CellInfo, ns: Namespace, used: set[str], functions: set[str], plan: ExportPlan
) -> TestPlan | None:
    """A test asserting the recorded result of a plain cell that calls an exported function."""
    if info.parsed is None and isinstance(info.scope, LightScope):
        if not _may_call(info.scope.tree, functions):
            return None
        parse_info(info)  # only now: libcst parses just the cells that become tests
    if (
        info.parsed is None
        or info.scope is None
        or info.parsed.magics
        or not info.parsed.module.body
    ):
        return None
    last = info.parsed.module.body[-1]
    if not (
        isinstance(last, cst.SimpleStatementLine)
        and len(last.body) == 1
        and isinstance(last.body[0], cst.Expr)
    ):
        return None
    callees = [n for n in _called_names(last.body[0].value) if n in functions]
    value = _recorded(info)
    if not callees or value is None:
        return None
    where = f"cell {info.cell.number}: no regression test for {callees[0]}()"
    mode = _compare_mode(value[1])
    if mode is None:
        plan.notes.append(f"{where}: the recorded value nests floats in containers")
        return None
    name = unique(f"test_{callees[0]}_cell_{info.cell.number}", used)
    try:
        check_exportable(info)
        code = _as_test(info, ns, name, expected=(repr(value[1]), mode == "approx"))
    except ExportRefused as exc:
        plan.notes.append(f"{where}: {exc.reason}")
        return None
    used.add(name)
    return TestPlan(name, info.cell, code, regression=True)


def _as_test(
    info: CellInfo, ns: Namespace, name: str, expected: tuple[str, bool] | None = None
) -> str:
    assert info.parsed is not None and info.scope is not None
    module = info.parsed.module
    free = info.scope.free_names()
    lines = {u.name: u.line for u in reversed(info.full.uses) if u.free}
    body = [s for s in module.body if not _is_import(s)]
    if any(n in ns.implicit for n in free):
        module = pass_arguments(module.with_changes(body=body), ns.implicit, ns.positional)
        body, free = list(module.body), CellScope(module).free_names()
    needed = [n for n in free if not ns.resolved(n)]
    prelude = _prelude(needed, info.position, ns, lines)
    setup = [cst.parse_statement(line) for line in prelude]
    tree = module.with_changes(body=[*setup, *body])
    if expected is not None:
        tree = AssertRecordedResult(CodemodContext(), expected[0], expected[1]).transform_module(
            tree
        )
    exclude = CellScope(tree).free_names()
    tree = LiftCellToFunction(CodemodContext(), name, (), exclude).transform_module(tree)
    if any(n in ns.config for n in exclude):
        tree = ReadConfig(CodemodContext(), ns.config, name, local=True).transform_module(tree)
    return Annotate(CodemodContext(), name, {}, "None").transform_module(tree).code


def _prelude(
    needed: Sequence[str], position: int, ns: Namespace, lines: dict[str, int]
) -> list[str]:
    """Calls of exported lifted functions that rebuild ``needed``, dependencies first."""
    statements: list[str] = []
    have: set[str] = set()
    called: set[str] = set()

    def need(name: str, before: int, origin: str, depth: int) -> None:
        if name in have or ns.resolved(name):
            return
        if name in ns.hyper:  # the value the functions take by default
            statements.append(f"{name} = {ns.hyper[name]}")
            have.add(name)
            return
        producer = next(
            (f for f in reversed(ns.lifted) if f.position < before and name in f.returns), None
        )
        if producer is None or depth > 50:
            raise ExportRefused(
                f"reads '{name}', which no exported cell above it returns; export the cell that "
                "computes it, or make the test self-contained",
                lines.get(origin),
            )
        for param in producer.params:
            need(param, producer.position, origin, depth + 1)
        if producer.name not in called:
            called.add(producer.name)
            statements.append(
                f"{', '.join(producer.returns)} = {producer.name}({', '.join(producer.params)})"
            )
            have.update(producer.returns)

    for name in needed:
        need(name, position, name, 0)
    return statements


def _recorded(info: CellInfo) -> tuple[bool, object] | None:
    for output in info.cell.outputs:
        data = output.get("data")
        if output.get("output_type") == "execute_result" and isinstance(data, dict):
            ok, value = recorded_value(data)
            return (True, value) if ok else None
    return None


def _compare_mode(value: object) -> str | None:
    """ "exact" without floats, "approx" for numbers and flat containers of them, else None."""
    if not _has_float(value):
        return "exact"
    if _number(value):
        return "approx"
    if isinstance(value, (list, tuple)) and all(_number(v) for v in value):
        return "approx"
    if (
        isinstance(value, dict)
        and all(_number(v) for v in value.values())
        and not _has_float(list(value))
    ):
        return "approx"
    return None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _has_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_float(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float(k) or _has_float(v) for k, v in value.items())
    return False


def _may_call(tree: ast.Module, functions: set[str]) -> bool:
    """Whether the last statement of a stdlib tree is an expression calling one of ``functions``."""
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return False
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
        for node in ast.walk(tree.body[-1])
    )


def _called_names(node: cst.BaseExpression) -> list[str]:
    finder = _Calls()
    node.visit(finder)
    return finder.names


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.names.append(node.func.value)


def _is_import(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )
