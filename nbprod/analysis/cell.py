"""Facts about one code cell, gathered in a single ``ast`` pass.

Scoping follows Python: a read inside a function body is resolved when the function
is called, so it is recorded as a *deferred* read of the top-level function or class
that contains it, not as a read of the cell that defines it.
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from nbprod.notebook.ipython import Magic, MaskedSource, mask
from nbprod.notebook.model import Cell

BindingKind = Literal["assign", "import", "def", "class", "global", "magic", "del"]
ScopeKind = Literal["module", "function", "class", "comprehension"]


@dataclass(frozen=True, slots=True)
class NameRef:
    """A name read in a cell; ``line``/``column`` are 1-based in the user's text."""

    name: str
    line: int
    column: int
    end_column: int
    owner: str | None = None  # top-level def/class whose body reads it (deferred read)
    method: str | None = None  # the method of a top-level class whose body reads it


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    line: int
    column: int
    kind: BindingKind


@dataclass(frozen=True, slots=True)
class CallRef:
    """A call whose callee is a dotted name (``pd.read_csv``) or a method (``.fit``)."""

    dotted: str | None  # "pd.read_csv" when the callee is a plain dotted name
    attr: str | None  # last attribute for method calls ("fit"), also on computed objects
    node: ast.Call


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    line: int
    column: int


@dataclass(slots=True)
class CellFacts:
    cell: Cell
    tree: ast.Module | None = None
    syntax_error: SyntaxProblem | None = None
    python: bool = True  # False for %%bash, %%writefile, ... cells
    bindings: list[Binding] = field(default_factory=list)
    reads: list[NameRef] = field(default_factory=list)  # reads of state from other cells
    # first immediate module-level read of every name, satisfied in-cell or not
    immediate: dict[str, NameRef] = field(default_factory=dict)
    deferred: dict[str, list[NameRef]] = field(default_factory=dict)
    anonymous_deferred: list[NameRef] = field(default_factory=list)  # module-level lambdas
    imports: dict[str, str] = field(default_factory=dict)  # alias -> qualified name
    star_imports: list[str] = field(default_factory=list)
    calls: list[CallRef] = field(default_factory=list)
    strings: list[tuple[str, ast.Constant]] = field(default_factory=list)
    magics: list[Magic] = field(default_factory=list)
    masked: MaskedSource | None = None
    # For a cell with a syntax error, ``tree`` holds the top-level statements that parse on
    # their own, and these the names the others seem to bind (`x = (1,`).
    unparsed_bindings: list[Binding] = field(default_factory=list)
    _lines: list[str] | None = field(default=None, repr=False)
    _ascii: bool = field(default=True, repr=False)

    @property
    def defined(self) -> set[str]:
        return {b.name for b in self.bindings if b.kind != "del"}

    def position(
        self, node: ast.expr | ast.stmt | ast.arg | ast.alias
    ) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column), 1-based, in the user's text."""
        line = node.lineno
        end_line = node.end_lineno if node.end_lineno is not None else line
        end_offset = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return (
            line,
            self.column(line, node.col_offset) + 1,
            end_line,
            self.column(end_line, end_offset) + 1,
        )

    def column(self, line: int, byte_col: int) -> int:
        """0-based character column in the user's text of an ast (UTF-8 byte) column."""
        if self._lines is None:
            text = self.masked.text if self.masked is not None else self.cell.source
            self._lines = text.split("\n")
            self._ascii = text.isascii()
        if not self._ascii and 0 < line <= len(self._lines):
            byte_col = len(
                self._lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace")
            )
        return self.masked.column(line, byte_col) if self.masked is not None else byte_col


# Far beyond any code cell a person writes (the corpora peak at 245 lines, 9 KB):
# Python's parser needs about 200 bytes of memory per byte of source, so a generated
# cell past these limits is reported (NBP000) instead of analysed, keeping memory bounded.
MAX_LINES = 20_000
MAX_CHARS = 512 * 1024


def over_limits(source: str) -> str | None:
    """``(N lines, M characters; the limits are ...)`` when ``source`` is past
    :data:`MAX_LINES` or :data:`MAX_CHARS`, else None (the check and the export stop there)."""
    lines = source.count("\n") + 1
    if lines <= MAX_LINES and len(source) <= MAX_CHARS:
        return None
    return (
        f"({lines:,} lines, {len(source):,} characters; the limits are {MAX_LINES:,} lines"
        f" and {MAX_CHARS:,} characters)"
    )


def analyze_cell(cell: Cell) -> CellFacts:
    facts = CellFacts(cell=cell)
    size = over_limits(cell.source)
    if size is not None:
        masked = mask(cell.source)
        facts.magics = masked.magics
        facts.python = masked.python  # a %%bash or %%writefile body is not parsed anyway
        if masked.python:
            facts.syntax_error = SyntaxProblem(
                f"too large to analyse {size}: split it, or move generated code to a module",
                1,
                1,
            )
        return facts
    tree = _parse_source(cell.source, facts)
    if tree is None and facts.syntax_error is not None and facts.python:
        tree = _recover(facts)
        if tree is not None and _deeper_than_limit(tree):  # rules walk trees recursively
            body = [s for s in tree.body if not _deeper_than_limit(ast.Module([s], []))]
            tree = ast.Module(body, []) if body else None
    if tree is None:
        return facts
    facts.tree = tree
    try:
        _Collector(facts).run(tree)
    except _TooDeep:
        return _too_deep(facts)
    if facts.syntax_error is not None:
        facts.bindings.extend(facts.unparsed_bindings)
    for magic in facts.magics:
        if magic.target is not None and magic.target.isidentifier():
            facts.bindings.append(Binding(magic.target, magic.line, magic.column, "magic"))
    return facts


# Deeper than any code a person writes (the corpus peaks at 15 levels). Rules walk
# trees recursively, so a deeper tree is reported as NBP000 instead of analysed. The
# collector counts the depth as it walks (no second walk); it steps over a few wrapper
# nodes (keywords, comprehension clauses), so a tree that passes is at most ~1.5x deeper.
MAX_DEPTH = 200


class _TooDeep(Exception):
    """The collector went deeper than MAX_DEPTH."""


def _too_deep(facts: CellFacts) -> CellFacts:
    """The facts of a cell too deep to analyse: the problem (and its magics), no tree."""
    problem = SyntaxProblem(f"nested more than {MAX_DEPTH} levels deep: too deep to analyse", 1, 1)
    return CellFacts(
        cell=facts.cell, syntax_error=problem, magics=facts.magics, masked=facts.masked
    )


def _deeper_than_limit(tree: ast.Module) -> bool:
    """Whether ``tree`` is more than MAX_DEPTH levels deep.

    Every level of nesting costs at least one character of source (a bracket, an
    operator, a dot, an indent), and no node adds more than a few levels without one, so
    a short one-line statement cannot be deep: only the others are walked.
    """
    short = MAX_DEPTH - 20
    for stmt in tree.body:
        end_col = stmt.end_col_offset if stmt.end_col_offset is not None else 0
        if stmt.end_lineno == stmt.lineno and end_col - stmt.col_offset < short:
            continue
        if tree_depth(stmt, MAX_DEPTH - 1) > MAX_DEPTH - 1:  # the module adds a level
            return True
    return False


def tree_depth(tree: ast.AST, limit: int) -> int:
    """The nesting depth of ``tree``, counting stops once it passes ``limit``."""
    level: list[ast.AST] = [tree]
    depth = 0
    children = ast.iter_child_nodes
    while level:
        depth += 1
        if depth > limit:
            return depth
        below: list[ast.AST] = []
        for node in level:
            below.extend(children(node))
        level = below
    return depth


_TOP_LEVEL = re.compile(r"[^\s#)\]}]")
_BINDS = re.compile(
    r"(?:(?:def|class)\s+(?P<def>[A-Za-z_]\w*)"
    r"|(?:from\s+[\w.]+\s+)?import\s+(?P<import>[\w.]+(?:\s+as\s+\w+)?"
    r"(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"
    r"|for\s+(?P<for>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s+in\b"
    r"|(?P<assign>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:[-+*/%&|^@]|//|\*\*|>>|<<)?=(?!=))"
)


def _recover(facts: CellFacts) -> ast.Module | None:
    """The top-level statements of an unparsable cell that parse on their own.

    A cell with one broken statement (a Python 2 `print x`, a typo) still defines and
    reads names with its other statements; analysing those keeps one bad cell from
    hiding everything it does from the cross-cell rules. Names the broken statements
    seem to bind are kept in ``unparsed_bindings``.
    """
    if facts.syntax_error is None or "too deep" in facts.syntax_error.message:
        return None
    text = facts.masked.text if facts.masked is not None else facts.cell.source
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _TOP_LEVEL.match(line)] + [len(lines)]
    body: list[ast.stmt] = []
    for start, end in zip(starts, starts[1:]):
        chunk = "\n".join(lines[start:end])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = ast.parse(chunk)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            for offset, line in enumerate(lines[start:end]):
                m = _BINDS.match(line.strip())
                if m is None:
                    continue
                names = m["def"] or m["for"] or m["assign"] or ""
                if m["import"]:  # `import a.b as c, d` binds c and d
                    names = ",".join(
                        alias.split(" as ")[-1].strip().split(".")[0]
                        for alias in m["import"].split(",")
                    )
                column = len(line) - len(line.lstrip()) + 1
                for name in re.split(r"\s*,\s*", names):
                    if name and not keyword.iskeyword(name):
                        binding = Binding(name, start + offset + 1, column, "assign")
                        facts.unparsed_bindings.append(binding)
            continue
        ast.increment_lineno(parsed, start)
        body.extend(parsed.body)
    return ast.Module(body=body, type_ignores=[]) if body else None


def _parser_gave_up(error: BaseException) -> SyntaxProblem:
    what = (
        "too long or nested too deeply" if isinstance(error, MemoryError) else "nested too deeply"
    )
    return SyntaxProblem(f"{what} for Python's parser ({type(error).__name__})", 1, 1)


def _parse_source(source: str, facts: CellFacts) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes is not ours to report
        try:
            return ast.parse(source)
        except (RecursionError, MemoryError) as error:
            facts.syntax_error = _parser_gave_up(error)
            return None
        except (SyntaxError, ValueError) as raw_error:
            masked = mask(source)
            facts.magics = masked.magics
            if not masked.python:
                facts.python = False
                return None
            if masked.text == source:
                facts.syntax_error = _problem(raw_error, None)
                return None
            facts.masked = masked
            try:
                return ast.parse(masked.text)
            except (RecursionError, MemoryError) as error:
                facts.syntax_error = _parser_gave_up(error)
                return None
            except (SyntaxError, ValueError) as masked_error:
                facts.syntax_error = _problem(masked_error, masked)
                return None


def _problem(error: SyntaxError | ValueError, masked: MaskedSource | None) -> SyntaxProblem:
    if not isinstance(error, SyntaxError):  # e.g. source with a NUL byte
        return SyntaxProblem(str(error), 1, 1)
    line = error.lineno or 1
    col = max((error.offset or 1) - 1, 0)
    if masked is not None:
        col = masked.column(line, col)
    return SyntaxProblem(error.msg, line, col + 1)


class _Scope:
    __slots__ = ("kind", "parent", "bound", "globals", "nonlocals", "pending")

    def __init__(self, kind: ScopeKind, parent: _Scope | None) -> None:
        self.kind = kind
        self.parent = parent
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.pending: list[NameRef] = []  # function reads, resolved when the scope closes


class _Collector(ast.NodeVisitor):
    """Walks a cell once, evaluating children in Python's evaluation order."""

    def __init__(self, facts: CellFacts) -> None:
        self.facts = facts
        self.module = _Scope("module", None)
        self.scope = self.module
        self.owner: str | None = None  # top-level def/class being visited
        self.method: str | None = None  # method of the top-level class being visited
        self.plain = facts.masked is None and facts.cell.source.isascii()
        self.depth = 0

    def run(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.visit(stmt)

    # ast.NodeVisitor looks the method up by name for every node; a per-type table
    # built once is the analyser's hot path (see benchmarks/).
    _table: ClassVar[dict[type[ast.AST], Callable[[_Collector, Any], None]]] = {}

    def visit(self, node: ast.AST) -> None:
        method = self._table.get(type(node))
        if method is None:
            found: Callable[[_Collector, Any], None] = getattr(
                _Collector, "visit_" + type(node).__name__, _Collector.generic_visit
            )
            method = self._table[type(node)] = found
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        method(self, node)
        self.depth -= 1

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            if name in _LEAF_FIELDS:
                continue
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # -- names ---------------------------------------------------------------

    def _ref(self, node: ast.Name, name: str) -> NameRef:
        if self.plain:  # ASCII, unmasked: ast columns are the user's columns
            col = node.col_offset
            end = node.end_col_offset if node.end_col_offset is not None else col
            return NameRef(name, node.lineno, col + 1, end + 1, self.owner, self.method)
        line, col, _, end_col = self.facts.position(node)
        return NameRef(name, line, col, end_col, self.owner, self.method)

    def _bind(self, name: str, node: ast.AST, kind: BindingKind) -> None:
        scope = self.scope
        if scope.kind == "comprehension" and kind == "assign" and isinstance(node, ast.NamedExpr):
            while scope.kind == "comprehension" and scope.parent is not None:
                scope = scope.parent
        if name in scope.globals:
            self._module_binding(name, node, "global")
            return
        if name in scope.nonlocals:
            return
        scope.bound.add(name)
        if scope.kind == "module":
            self._module_binding(name, node, kind)

    def _module_binding(self, name: str, node: ast.AST, kind: BindingKind) -> None:
        line = getattr(node, "lineno", 1)
        col = self.facts.column(line, getattr(node, "col_offset", 0)) + 1
        self.facts.bindings.append(Binding(name, line, col, kind))
        self.module.bound.add(name)

    def _read(self, ref: NameRef, scope: _Scope, deferred: bool) -> None:
        while True:
            if scope.kind == "module":
                if deferred:
                    if ref.owner is None:
                        self.facts.anonymous_deferred.append(ref)
                    else:
                        self.facts.deferred.setdefault(ref.owner, []).append(ref)
                else:
                    self.facts.immediate.setdefault(ref.name, ref)
                    if ref.name not in self.module.bound:
                        self.facts.reads.append(ref)
                return
            if scope.kind == "function":
                scope.pending.append(ref)
                return
            if scope.kind == "comprehension" or (scope.kind == "class" and not deferred):
                if ref.name in scope.bound:
                    return
            assert scope.parent is not None
            scope = scope.parent

    def _close_function(self, scope: _Scope) -> None:
        assert scope.parent is not None
        for ref in scope.pending:
            if ref.name in scope.globals:
                self._read(ref, self.module, deferred=True)
            elif ref.name in scope.nonlocals or ref.name not in scope.bound:
                self._read(ref, scope.parent, deferred=True)

    # -- expressions -----------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            name = node.id
            if (
                self.scope is self.module
                and name in self.module.bound
                and name in self.facts.immediate
            ):
                return  # the common case: a name this cell already bound and read
            self._read(self._ref(node, name), self.scope, deferred=False)
        elif isinstance(node.ctx, ast.Del):
            self._bind(node.id, node, "del")
        else:
            self._bind(node.id, node, "assign")

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target.id, node, "assign")

    def visit_Call(self, node: ast.Call) -> None:
        dotted = dotted_name(node.func)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
        self.facts.calls.append(CallRef(dotted, attr, node))
        visit = self.visit
        visit(node.func)
        for arg in node.args:
            visit(arg)
        for keyword in node.keywords:
            visit(keyword.value)

    # The most frequent node types get direct visitors instead of generic_visit's
    # field loop.

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self.visit(node.slice)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.visit(node.left)
        self.visit(node.right)

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> None:
        for elt in node.elts:
            self.visit(elt)

    visit_List = visit_Tuple

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.facts.strings.append((node.value, node))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments_defaults(node.args)
        scope = self._push("function")
        self._bind_arguments(node.args)
        self.visit(node.body)
        self._pop(scope)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        first, *rest = node.generators
        self.visit(first.iter)  # the first iterable is evaluated in the enclosing scope
        scope = self._push("comprehension")
        self.visit(first.target)
        for cond in first.ifs:
            self.visit(cond)
        for gen in rest:
            self.visit(gen.iter)
            self.visit(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self._pop(scope)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    # -- statements ------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._read(self._ref(node.target, node.target.id), self.scope, deferred=False)
        self.visit(node.value)
        self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        if self.scope.kind != "function":  # annotations of locals are never evaluated
            self.visit(node.annotation)
        if node.value is not None or self.scope.kind != "module":
            self.visit(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name is not None:
            self._bind(node.name, node, "assign")
        for stmt in node.body:
            self.visit(stmt)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            qualified = alias.name if alias.asname else local
            self.facts.imports[local] = qualified
            self._bind(local, alias, "import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.facts.star_imports.append(module)
                continue
            local = alias.asname or alias.name
            self.facts.imports[local] = f"{module}.{alias.name}" if module else alias.name
            self._bind(local, alias, "import")

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            self.visit(deco)
        self._visit_arguments_defaults(node.args)
        for annotation in _annotations(node):
            self.visit(annotation)
        outer_owner, outer_method = self.owner, self.method
        if self.scope is self.module:
            self.owner = node.name
        elif self.scope.kind == "class" and self.scope.parent is self.module:
            self.method = node.name
        scope = self._push("function")
        self._bind_arguments(node.args)
        for stmt in node.body:
            self.visit(stmt)
        self._pop(scope)
        self.owner, self.method = outer_owner, outer_method
        self._bind(node.name, node, "def")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        outer_owner = self.owner
        if self.scope is self.module:
            self.owner = node.name
        scope = self._push("class")
        for stmt in node.body:
            self.visit(stmt)
        self._pop(scope)
        self.owner = outer_owner
        self._bind(node.name, node, "class")

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name is not None:
            self._bind(node.name, node, "assign")

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name is not None:
            self._bind(node.name, node, "assign")

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest is not None:
            self._bind(node.rest, node, "assign")

    # -- helpers -------------------------------------------------------------

    def _push(self, kind: ScopeKind) -> _Scope:
        self.scope = _Scope(kind, self.scope)
        return self.scope

    def _pop(self, scope: _Scope) -> None:
        assert scope.parent is not None
        self.scope = scope.parent
        if scope.kind == "function":
            self._close_function(scope)

    def _visit_arguments_defaults(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)

    def _bind_arguments(self, args: ast.arguments) -> None:
        for arg in [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg]:
            if arg is not None:
                self.scope.bound.add(arg.arg)


# Fields whose values hold no names (operators, contexts, identifiers).
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion"})


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = node.args
    every = [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg]
    found = [a.annotation for a in every if a is not None and a.annotation is not None]
    if node.returns is not None:
        found.append(node.returns)
    return found


def is_constant(node: ast.expr | None, value: object) -> bool:
    """Whether ``node`` is the literal ``value`` (of its type too: `1` is not `True`)."""
    return (
        isinstance(node, ast.Constant) and type(node.value) is type(value) and node.value == value
    )


def dotted_name(node: ast.expr) -> str | None:
    """``pd.read_csv`` for an Attribute chain ending in a Name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def def_name_column(
    lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, start: int
) -> int:
    """1-based column of the name after `def`/`class` (``start``: the keyword's column)."""
    # a lone "\r" ends a line for ast, not for split("\n"): the line may not be there
    text = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    keyword = "class" if isinstance(node, ast.ClassDef) else "def"
    after = text.find(keyword, start)
    found = text.find(node.name, after + len(keyword)) if after >= 0 else -1
    return found + 1 if found >= 0 else start + 1
