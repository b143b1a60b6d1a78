"""What a cell reads from and binds in the notebook's global namespace (libcst scopes).

libcst's ``ScopeProvider`` orders accesses and assignments within a scope the way
Python evaluates them (``x = x + 1`` reads the outer ``x``), and resolves a read
inside a function body against the whole cell, as a call would. So a read with no
referent is exactly a *free variable* of the cell: something an earlier cell, an
import or the caller must provide.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    Assignment,
    BuiltinAssignment,
    CodeRange,
    FunctionScope,
    GlobalScope,
    MetadataWrapper,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from nbprod.analysis.cell import CellFacts
from nbprod.analysis.names import PYTHON_BUILTINS
from nbprod.export import libcst_speedup
from nbprod.export.model import ImportSpec

libcst_speedup.install()

BindingKind = Literal["import", "def", "assign"]


@dataclass(frozen=True, slots=True)
class Use:
    """A read of a global name; ``bound_by`` are the cell's statements that may bind it."""

    name: str
    line: int
    column: int  # 1-based
    deferred: bool  # inside a function body: read when it is called
    statement: int  # index of the top-level statement that contains the read
    bound_by: tuple[int, ...]
    node: cst.Name

    @property
    def free(self) -> bool:
        return not self.bound_by


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    line: int
    statement: int
    kind: BindingKind


class CellScope:
    """Global-namespace facts of one cell, from a single metadata pass."""

    def __init__(self, module: cst.Module, wrapper: MetadataWrapper | None = None) -> None:
        """Analyse ``module``; a codemod passes its own ``wrapper`` to reuse its metadata."""
        if wrapper is None:
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        module = wrapper.module
        self.module = module
        self.wrapper = wrapper  # its resolved scopes serve other passes over this module
        self.positions = wrapper.resolve(PositionProvider)
        scopes = {s for s in wrapper.resolve(ScopeProvider).values() if s is not None}
        self._starts = [self._start(stmt) for stmt in module.body]
        self.uses: list[Use] = []
        self.bindings: dict[str, list[Binding]] = {}
        self.imports: dict[str, ImportSpec] = {}
        self.star_imports: list[int] = []
        self.relative_imports: list[int] = []
        for scope in scopes:
            for access in scope.accesses:
                self._record_use(scope, access.node, access.referents)
            if isinstance(scope, GlobalScope):
                for assignment in scope.assignments:
                    if isinstance(assignment, Assignment):
                        self._record_binding(assignment)
        self.uses.sort(key=lambda u: (u.line, u.column))
        for name in self.bindings:
            self.bindings[name].sort(key=lambda b: b.line)
        for index, stmt in enumerate(module.body):
            self._record_imports(index, stmt)

    # -- queries -------------------------------------------------------------

    def free_names(
        self, exclude: Collection[str] = (), statements: Collection[int] | None = None
    ) -> list[str]:
        """Free variables in order of first read, minus ``exclude``.

        With ``statements`` (top-level statement indexes), those of the module made of
        just these statements: a read is free there unless one of them binds it. This
        spares parsing and resolving that module again.
        """
        seen: dict[str, None] = {}
        for use in self.uses:
            if use.name in exclude:
                continue
            if statements is None:
                if use.free:
                    seen.setdefault(use.name)
            elif use.statement in statements and not any(s in statements for s in use.bound_by):
                seen.setdefault(use.name)
        return list(seen)

    def bound_names(self, statements: Iterable[int] | None = None) -> set[str]:
        return _bound_names(self.bindings, statements)

    def line_of(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def statement_at(self, line: int, column: int = 0) -> int:
        index = bisect.bisect_right(self._starts, (line, column)) - 1
        return max(index, 0)

    # -- collection ----------------------------------------------------------

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        rng: CodeRange = self.positions[node]
        return (rng.start.line, rng.start.column)

    def _record_use(self, scope: Scope, node: cst.CSTNode, referents: Collection[object]) -> None:
        while isinstance(node, cst.Attribute):
            node = node.value  # a dotted import's access (`azureml.core.X`): its first name
        if not isinstance(node, cst.Name):
            return  # string annotations and the like: not names the cell reads at run time
        bound_by: list[int] = []
        builtin = False
        for ref in referents:
            if isinstance(ref, BuiltinAssignment):
                # libcst reads the builtins module, where an IPython shell in this process
                # adds `display`: only Python's own count
                builtin = builtin or ref.name in PYTHON_BUILTINS
                continue
            if not isinstance(ref, Assignment) or not isinstance(ref.scope, GlobalScope):
                return  # a local, a parameter or a closure variable
            bound_by.append(self.statement_at(*self._start(ref.node)))
        if builtin and not bound_by:
            return  # a builtin
        deferred = False
        walk: Scope = scope
        while not isinstance(walk, GlobalScope):
            if isinstance(walk, FunctionScope):
                deferred = True
            walk = walk.parent
        line, column = self._start(node)
        self.uses.append(
            Use(node.value, line, column + 1, deferred, self.statement_at(line, column),
                tuple(sorted(set(bound_by))), node)
        )  # fmt: skip

    def _record_binding(self, assignment: Assignment) -> None:
        node = assignment.node
        kind: BindingKind = "assign"
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            kind = "import"
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            kind = "def"
        line, column = self._start(node)
        binding = Binding(assignment.name, line, self.statement_at(line, column), kind)
        self.bindings.setdefault(assignment.name, []).append(binding)

    def _record_imports(self, index: int, stmt: cst.BaseStatement) -> None:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return
        for small in stmt.body:
            line = self.line_of(small)
            if isinstance(small, cst.Import):
                for alias in small.names:
                    module = get_full_name_for_node(alias.name) or ""
                    spec = ImportSpec(module, None, _asname(alias))
                    self.imports[spec.bound] = spec
            elif isinstance(small, cst.ImportFrom):
                if small.relative:
                    self.relative_imports.append(line)
                    continue
                module = (get_full_name_for_node(small.module) if small.module else None) or ""
                if isinstance(small.names, cst.ImportStar):
                    self.star_imports.append(line)
                    continue
                for alias in small.names:
                    spec = ImportSpec(
                        module, get_full_name_for_node(alias.name) or "", _asname(alias)
                    )
                    self.imports[spec.bound] = spec


def _bound_names(bindings: dict[str, list[Binding]], statements: Iterable[int] | None) -> set[str]:
    """Names bound by the given top-level statements (all of them by default)."""
    wanted = None if statements is None else set(statements)
    return {
        b.name for bs in bindings.values() for b in bs if wanted is None or b.statement in wanted
    }


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


class LightScope:
    """The global-namespace facts of :class:`CellScope`, for a cell that is only read.

    Built from the stdlib ``ast`` facts nbprod's checks already gather, so cells no tag
    exports are never parsed by libcst: on a notebook of thousands of cells with a few
    tagged, export time stays proportional to what is exported, and code nested too
    deeply for libcst cannot crash the export unless it is tagged (and then it is refused).
    """

    def __init__(self, facts: CellFacts) -> None:
        assert facts.tree is not None
        self.tree = facts.tree
        starts = [stmt.lineno for stmt in self.tree.body]
        self.bindings: dict[str, list[Binding]] = {}
        for found in facts.bindings:
            if found.kind == "del":
                continue
            kind: BindingKind = (
                "import"
                if found.kind == "import"
                else "def" if found.kind in ("def", "class") else "assign"
            )
            statement = max(bisect.bisect_right(starts, found.line) - 1, 0)
            self.bindings.setdefault(found.name, []).append(
                Binding(found.name, found.line, statement, kind)
            )
        self.imports: dict[str, ImportSpec] = {}
        self.star_imports: list[int] = []
        self.relative_imports: list[int] = []
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    spec = ImportSpec(alias.name, None, alias.asname)
                    self.imports[spec.bound] = spec
            elif isinstance(stmt, ast.ImportFrom):
                if stmt.level:
                    self.relative_imports.append(stmt.lineno)
                elif any(alias.name == "*" for alias in stmt.names):
                    self.star_imports.append(stmt.lineno)
                else:
                    for alias in stmt.names:
                        spec = ImportSpec(stmt.module or "", alias.name, alias.asname)
                        self.imports[spec.bound] = spec
        defined = facts.defined
        refs = list(facts.reads) + [
            ref
            for ref in (
                *facts.anonymous_deferred,
                *(r for rs in facts.deferred.values() for r in rs),
            )
            if ref.name not in defined
        ]
        refs.sort(key=lambda r: (r.line, r.column))
        self._free = dict.fromkeys(r.name for r in refs if r.name not in _BUILTINS)

    def free_names(self, exclude: Collection[str] = ()) -> list[str]:
        return [name for name in self._free if name not in exclude]

    def bound_names(self, statements: Iterable[int] | None = None) -> set[str]:
        return _bound_names(self.bindings, statements)


_BUILTINS = PYTHON_BUILTINS
