"""Gather a module's imports at its top, add the ones it needs, drop the ones it doesn't."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import PositionProvider, ScopeProvider

from nbprod.export.model import ImportSpec
from nbprod.export.scope import CellScope


class HoistImports(VisitorBasedCodemodCommand):
    """Move module-level imports to the top; import what the module reads but never binds.

    Notebook imports sit in whichever cell ran them; a lifted cell's imports end up
    between functions. Every module-level import is handed to ``AddImportsVisitor``
    (which merges and places them) and to ``RemoveImportsVisitor`` (which drops those
    the module never uses). A free name found in ``available`` — a notebook import
    alias, another module's definition, ``Config`` — gets its import added, so a
    module imports exactly what it uses.
    """

    DESCRIPTION = "Hoist, add and prune imports."
    METADATA_DEPENDENCIES = (ScopeProvider, PositionProvider)

    def __init__(self, context: CodemodContext, available: Mapping[str, ImportSpec]) -> None:
        super().__init__(context)
        self.available = dict(available)

    def visit_Module(self, node: cst.Module) -> bool:
        wrapper = self.context.wrapper
        assert wrapper is not None and wrapper.module is node
        free = CellScope(node, wrapper).free_names()
        for name in free:
            spec = self.available.get(name)
            if spec is None:
                continue
            submodules = (
                _stdlib_submodules(node, spec) if spec.obj is None and not spec.asname else []
            )
            for module in submodules:
                self._add(ImportSpec(module))
            if not submodules:
                self._add(spec)
        return False

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        header = [line for line in updated_node.header if line.comment is not None]
        if header and updated_node.body:
            # Comments above the first definition describe it: keep them with it, under the imports.
            first = updated_node.body[0]
            updated_node = updated_node.with_changes(
                header=[],
                body=[
                    first.with_changes(leading_lines=[*header, *first.leading_lines]),
                    *updated_node.body[1:],
                ],
            )
        body: list[cst.BaseStatement] = []
        for stmt in updated_node.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                body.append(stmt)
                continue
            rest = [small for small in stmt.body if not self._hoisted(small)]
            if len(rest) == len(stmt.body):
                body.append(stmt)
            elif rest:
                body.append(stmt.with_changes(body=_strip_last_semicolon(rest)))
        return updated_node.with_changes(body=body)

    def _hoisted(self, small: cst.BaseSmallStatement) -> bool:
        """Record an absolute, non-star import for re-adding; True when it was."""
        if isinstance(small, cst.Import):
            for alias in small.names:
                self._add_unused(ImportSpec(_dotted(alias.name), None, _asname(alias)))
            return True
        if isinstance(small, cst.ImportFrom):
            if small.relative or small.module is None or isinstance(small.names, cst.ImportStar):
                return False
            module = _dotted(small.module)
            for alias in small.names:
                self._add_unused(ImportSpec(module, _dotted(alias.name), _asname(alias)))
            return True
        return False

    def _add(self, spec: ImportSpec) -> None:
        AddImportsVisitor.add_needed_import(self.context, spec.module, spec.obj, spec.asname)

    def _add_unused(self, spec: ImportSpec) -> None:
        self._add(spec)
        RemoveImportsVisitor.remove_unused_import(self.context, spec.module, spec.obj, spec.asname)


class _Attributes(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.found: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.value.value == self.name:
            self.found.add(node.attr.value)


def _stdlib_submodules(tree: cst.Module, spec: ImportSpec) -> list[str]:
    """``urllib.request`` for code reading ``urllib.request.x`` after ``import urllib``.

    The notebook worked because something else had imported the submodule; a package
    must import it itself. Only the standard library is probed (finding a submodule
    imports its parent, which must be cheap and free of side effects).
    """
    if spec.module not in sys.stdlib_module_names or "." in spec.module:
        return []
    finder = _Attributes(spec.bound)
    tree.visit(finder)
    found: list[str] = []
    for attr in sorted(finder.found):
        qualified = f"{spec.module}.{attr}"
        try:
            if importlib.util.find_spec(qualified) is not None:
                found.append(qualified)
        except (ImportError, ValueError):
            continue
    return found


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(f"not a dotted name: {node!r}")


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


def _strip_last_semicolon(body: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    last = body[-1]
    if isinstance(last, (cst.Expr, cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Pass)):
        body[-1] = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return body
