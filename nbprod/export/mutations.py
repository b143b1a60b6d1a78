"""In-place mutations in a cell's top-level code: the state Soorgeon silently loses.

``df["x"] = ...``, ``items.append(...)``, ``model.fit(...)``, ``inplace=True``: the
object changes without its name being rebound, so a lifted function that receives
it would change its caller's object, and whether a reader sees the change would
depend on call order. The planner refuses those when another exported cell reads
the object.

An alias is the object: ``for t in (a, b): t.drop(..., inplace=True)``, ``x = a``,
``frames = [a, b]; frames[0]["y"] = 0`` and ``v = a.values; v.fill(0)`` mutate ``a``
too, so each such mutation is also reported under the names it may reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    return finder.resolved()


def _base(node: cst.BaseExpression) -> str | None:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _through_item(node: cst.BaseExpression) -> bool:
    """Whether ``node`` (``frames[0].loc``) is reached through an item of its base."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        if isinstance(node, cst.Subscript):
            return True
        node = node.value
    return False


# Calls whose result iterates over (items of) their arguments.
_ITERATING_CALLS = frozenset({"enumerate", "zip", "reversed", "sorted", "list", "tuple", "iter"})
_ITEM_METHODS = frozenset({"items", "values"})
_ADDING_METHODS = frozenset({"append", "insert", "add"})


@dataclass(slots=True)
class _Aliases:
    """Which names may refer to (part of) which objects, whatever the order of statements."""

    same: dict[str, set[str]] = field(default_factory=dict)  # x = a: x is (part of) a
    item_of: dict[str, set[str]] = field(default_factory=dict)  # for t in c: t is an item of c
    holds: dict[str, set[str]] = field(default_factory=dict)  # c = [a, b]: c holds a and b

    def add(self, table: dict[str, set[str]], name: str, others: set[str]) -> None:
        if others - {name}:
            table.setdefault(name, set()).update(others - {name})

    def reached(self, name: str, through_item: bool) -> set[str]:
        """The names whose objects a mutation of ``name`` (or of an item of it) changes."""
        found: set[str] = set()
        todo = [(name, through_item)]
        seen: set[tuple[str, bool]] = set()
        while todo:
            current, item = todo.pop()
            if (current, item) in seen:
                continue
            seen.add((current, item))
            if current != name:
                found.add(current)
            todo.extend((other, item) for other in self.same.get(current, ()))
            # an item of a container changed: so did the container, as its readers see it
            todo.extend((container, True) for container in self.item_of.get(current, ()))
            if item:
                todo.extend((held, False) for held in self.holds.get(current, ()))
        return found


class _MutationFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[Mutation, bool]] = []  # with: reached through an item
        self.aliases = _Aliases()

    def resolved(self) -> list[Mutation]:
        """Each mutation, then the same one under every name its object may have."""
        out: list[Mutation] = []
        for mutation, item in self.found:
            out.append(mutation)
            for name in sorted(self.aliases.reached(mutation.name, item)):
                how = f"{mutation.how} through '{mutation.name}'"
                out.append(Mutation(name, mutation.line, how))
        return out

    def _add(self, target: cst.BaseExpression, node: cst.CSTNode, how: str) -> None:
        name = _base(target)
        if name is not None:
            line = self.get_metadata(PositionProvider, node).start.line
            self.found.append((Mutation(name, line, how), _through_item(target)))

    # -- aliases ---------------------------------------------------------------

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Record what ``target = value`` makes ``target`` an alias or a container of."""
        if isinstance(target, (cst.Tuple, cst.List)):
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
            pairs = len(values) == len(target.elements) if values is not None else False
            for index, element in enumerate(target.elements):
                self._bind(element.value, values[index].value if values and pairs else value)
            return
        if not isinstance(target, cst.Name):
            return
        root = _base(value)  # None for a call's result (`a.copy()`): a new object
        if root is not None:
            self.aliases.add(self.aliases.same, target.value, {root})
            self.aliases.add(self.aliases.item_of, target.value, {root})
        else:
            self.aliases.add(self.aliases.holds, target.value, _held(value))

    def _iterate(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """``for target in iterable``: each name of ``target`` may be any item."""
        names = _names(target)
        direct, containers = _items(iterable)
        for name in names:
            self.aliases.add(self.aliases.same, name, direct)
            self.aliases.add(self.aliases.item_of, name, containers)

    def visit_For(self, node: cst.For) -> None:
        self._iterate(node.target, node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._iterate(node.target, node.iter)

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
            self._bind(target.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._targets(node.target, node)
            self._bind(node.target, node.value)

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
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.attr.value in _ADDING_METHODS
            and node.args
        ):  # frames.append(a): frames now holds a
            self.aliases.add(self.aliases.holds, func.value.value, _held(node.args[-1].value))
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


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names(e.value)]
    return []


def _held(value: cst.BaseExpression) -> set[str]:
    """The names whose objects a value is or holds: ``a``, ``a.x``, ``[a, (b, c)]``."""
    if isinstance(value, (cst.Tuple, cst.List, cst.Set)):
        return {n for e in value.elements for n in _held(e.value)}
    if isinstance(value, cst.Dict):
        return {n for e in value.elements if isinstance(e, cst.DictElement) for n in _held(e.value)}
    root = _base(value)
    return {root} if root is not None else set()


def _items(iterable: cst.BaseExpression) -> tuple[set[str], set[str]]:
    """What iterating yields: objects named directly, and containers whose items it yields."""
    if isinstance(iterable, (cst.Tuple, cst.List, cst.Set, cst.Dict)):
        return _held(iterable), set()
    if isinstance(iterable, cst.Name):
        return set(), {iterable.value}
    if isinstance(iterable, cst.Call):
        func = iterable.func
        if isinstance(func, cst.Name) and func.value in _ITERATING_CALLS:
            direct: set[str] = set()
            containers: set[str] = set()
            for arg in iterable.args:
                more = _items(arg.value)
                direct |= more[0]
                containers |= more[1]
            return direct, containers
        if isinstance(func, cst.Attribute) and func.attr.value in _ITEM_METHODS:
            return _items(func.value)
    return set(), set()
