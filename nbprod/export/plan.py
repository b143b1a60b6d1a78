"""Notebook -> ExportPlan: which code goes to which module, lifted how, or refused why.

A cell of definitions (defs, classes, imports, literal constants) is copied. Any
other top-level code is lifted into a function; the definitions of a mixed cell
stay at module level beside it. Everything that would make the package silently
differ from the notebook is refused with the cell and line, and planning goes on
so the user sees every refusal at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst
from libcst.codemod import CodemodContext

from nbprod.export.cells import CellInfo, analyse_cell, check_exportable
from nbprod.export.inference import TypeInference
from nbprod.export.model import (
    ConfigPlan,
    ExportPlan,
    ExportRefused,
    ImportSpec,
    Lifted,
    ModulePlan,
    Namespace,
    Refusal,
    Unit,
)
from nbprod.export.mutations import Mutation, find_mutations
from nbprod.export.naming import RESERVED, cell_name, function_names, heading_above, unique
from nbprod.export.plan_tests import plan_tests
from nbprod.export.readme import readme_from
from nbprod.export.scope import CellScope, Use
from nbprod.export.select import Role, default_module
from nbprod.export.statements import (
    assigned_names,
    bound_in,
    classify,
    hoisted_names,
    number_assignment,
    parameter_names,
    statement_name,
)
from nbprod.export.transforms import Annotate, ConfigFromParameters, LiftCellToFunction, ReadConfig
from nbprod.export.transforms.drop_displays import PLOTTING, displays_only
from nbprod.export.transforms.pass_arguments import pass_arguments
from nbprod.export.transforms.widen_accumulators import WidenAccumulators
from nbprod.export.types import source_literal_type
from nbprod.notebook.model import Notebook


@dataclass(slots=True)
class _Parts:
    """Top-level statement indexes of a cell, by what becomes of them."""

    hoisted: list[int] = field(default_factory=list)
    lifted: list[int] = field(default_factory=list)
    mutations: list[Mutation] = field(default_factory=list)
    displays: int = 0  # lifted statements dropped because they only displayed a value


def plan_export(notebook: Notebook, package: str, module: str = "core") -> ExportPlan:
    return _Planner(notebook, package, module).run()


class _Planner:
    def __init__(self, notebook: Notebook, package: str, module: str) -> None:
        self.nb = notebook
        self.plan = ExportPlan(package=package, filename=notebook.filename)
        self.infos = [analyse_cell(c, i) for i, c in enumerate(notebook.code_cells)]
        self.ns = Namespace(package)
        self.default = module
        self.modules: dict[str, ModulePlan] = {}
        self.taken: set[str] = set()
        self.refused: set[int] = set()
        self.types = TypeInference(self.infos, self.ns.aliases, self.taken)
        self.valueless: set[str] = set()  # copied functions that return no value

    def refuse(self, info: CellInfo | None, exc: ExportRefused) -> None:
        self.plan.refusals.append(Refusal(exc.reason, info.cell if info else None, exc.line))
        if info is not None:
            self.refused.add(info.position)

    # -- the pipeline ----------------------------------------------------------

    def run(self) -> ExportPlan:
        if not self.nb.is_python:
            self.refuse(
                None, ExportRefused(f"the notebook's language is {self.nb.language}, not Python")
            )
            return self.plan
        try:
            self.default = default_module(self.nb, self.default)
        except ExportRefused as exc:
            self.refuse(None, exc)
        for info in self.infos:
            if info.role_error is not None:
                self.refuse(info, info.role_error)
        self._collect_names()
        self._parameters()
        exported = [i for i in self.infos if i.exported and not i.has_role("parameters")]
        if not exported and not self.plan.refusals:
            self.refuse(
                None,
                ExportRefused(
                    "no cell is tagged 'export' (or marked '#| export'): nothing to export"
                ),
            )
            return self.plan
        parts: dict[int, _Parts] = {}
        for info in exported:
            try:
                check_exportable(info)
                parts[info.position] = self._split(info)
            except ExportRefused as exc:
                self.refuse(info, exc)
        live = [i for i in exported if i.position in parts]
        self._register(live, parts)
        for info in live:
            if info.position not in self.refused:
                self._guard(info, self._check_copied, parts[info.position])
        self._propagate_arguments(live, parts)
        self._hyper_parameters(live, parts)
        for info in live:
            if info.position not in self.refused:
                self._guard(info, self._add_units, parts[info.position])
        self.plan.modules = [m for m in self.modules.values() if m.units]
        self._check_cycles()
        plan_tests(self.nb, self.infos, self.ns, self.plan, self.taken)
        self.plan.title, self.plan.readme = readme_from(
            self.nb, self.plan.package, self.plan.modules, self.ns.lifted
        )
        self.plan.imports = self.ns.aliases
        return self.plan

    def _guard(self, info: CellInfo, step: Callable[..., None], *args: object) -> None:
        """Run one planning step for a cell; a refusal stops that cell, not the plan."""
        try:
            step(info, *args)
        except ExportRefused as exc:
            self.refuse(info, exc)

    def _collect_names(self) -> None:
        """Import aliases of the notebook (an exported cell's win) and every bound name."""
        ordered = sorted(self.infos, key=lambda i: (i.exported is not None, i.position))
        for info in ordered:
            if info.scope is not None:
                self.ns.aliases.update(info.scope.imports)
                self.taken |= info.bound
        if any(i.magic_plan is not None and i.magic_plan.needs_subprocess for i in self.infos):
            # rewritten !commands call subprocess.run
            self.ns.aliases.setdefault("subprocess", ImportSpec("subprocess"))
        self.taken |= set(self.ns.aliases)

    # -- parameters ------------------------------------------------------------

    def _parameters(self) -> None:
        cells = [i for i in self.infos if i.has_role("parameters")]
        for extra in cells[1:]:
            self.refuse(
                extra,
                ExportRefused(
                    f"a second parameters cell (the first is cell {cells[0].cell.number})"
                ),
            )
        if not cells:
            return
        info = cells[0]
        try:
            if info.error is not None:
                raise info.error
            assert info.parsed is not None and info.scope is not None
            names = parameter_names(info.parsed.module, info.full)
        except ExportRefused as exc:
            self.refuse(info, exc)
            return
        code = ConfigFromParameters(CodemodContext()).transform_module(info.parsed.module).code
        self.plan.config = ConfigPlan(info.cell, code, tuple(names))
        self.ns.config = frozenset(names)

    # -- copied definitions ------------------------------------------------------

    def _split(self, info: CellInfo) -> _Parts:
        assert info.parsed is not None and info.scope is not None
        parts = _Parts()
        known = set(self.ns.aliases)
        wrapper = info.scope.wrapper if isinstance(info.scope, CellScope) else None
        parts.mutations = find_mutations(info.parsed.module, wrapper)
        # A literal another cell rebinds is a variable: readers take it as a parameter.
        own = 0 if info.has_role("parameters") else 1
        rebound = {n for n in info.bound if self._binders[n] > own}
        variables = {m.name for m in parts.mutations} | rebound
        for index, stmt in enumerate(info.parsed.module.body):
            kind = classify(stmt, index, info.full, known, variables)
            if kind == "hoist":
                parts.hoisted.append(index)
                known |= info.scope.bound_names([index])
            elif kind == "lift":
                parts.lifted.append(index)
        return parts

    @cached_property
    def _binders(self) -> Counter[str]:
        """How many cells bind each name, parameters cells aside (counted once, not once
        per exported cell)."""
        return Counter(n for i in self.infos if not i.has_role("parameters") for n in i.bound)

    def _register(self, live: Sequence[CellInfo], parts: dict[int, _Parts]) -> None:
        """Make the copied definitions package-level names; a second definition is refused."""
        owners: dict[str, CellInfo] = {}
        for info in live:
            assert info.scope is not None and info.parsed is not None and info.exported is not None
            names = hoisted_names(info.full, parts[info.position].hoisted)
            try:
                for name, line in names:
                    if name in self.ns.config:
                        raise ExportRefused(f"redefines the parameter '{name}'", line)
                    if name in owners:
                        raise ExportRefused(
                            f"'{name}' is already exported by cell {owners[name].cell.number}; "
                            "export only one definition",
                            line,
                        )
            except ExportRefused as exc:
                self.refuse(info, exc)
                continue
            module = info.exported.module or self.default
            for name, _ in names:
                owners[name] = info
                self.ns.owners[name] = module
            for index in parts[info.position].hoisted:
                stmt = info.parsed.module.body[index]
                if isinstance(stmt, cst.FunctionDef) and not _returns_a_value(stmt):
                    self.valueless.add(stmt.name.value)
                if isinstance(stmt, cst.ClassDef):
                    self.types.classes.add(stmt.name.value)
                elif isinstance(stmt, cst.FunctionDef) and stmt.returns is not None:
                    code = cst.Module([]).code_for_node(stmt.returns.annotation)
                    self.types.annotations[stmt.name.value] = code

    def _check_copied(self, info: CellInfo, parts: _Parts) -> None:
        """A copied definition may only read package-level names, imports and builtins."""
        assert info.scope is not None and info.parsed is not None
        hoisted, lifted = set(parts.hoisted), set(parts.lifted)
        for use in info.full.uses:
            if use.statement not in hoisted:
                continue
            owner = statement_name(info.parsed.module.body[use.statement])
            if any(b in lifted for b in use.bound_by):
                if self._as_argument(info.parsed.module.body[use.statement], use):
                    continue
                raise ExportRefused(
                    f"'{owner}' reads '{use.name}', which this cell computes at run time; "
                    "pass it as a parameter",
                    use.line,
                )
            if use.bound_by or use.name in self.ns.owners or use.name in self.ns.aliases:
                continue
            if use.name in self.ns.config:
                if use.deferred and self._as_argument(info.parsed.module.body[use.statement], use):
                    continue  # callers pass config.NAME
                raise ExportRefused(
                    f"'{owner}' reads the parameter '{use.name}' as a global; pass it as an argument",
                    use.line,
                )
            binder = next((i for i in self.infos if use.name in i.bound), None)
            if binder is not None and binder.exported is None and _defines(binder, use.name):
                number = binder.cell.number
                raise ExportRefused(
                    f"'{owner}' reads '{use.name}', which cell {number} defines but is not "
                    f"exported; tag cell {number} 'export'",
                    use.line,
                )
            if binder is not None and self._as_argument(
                info.parsed.module.body[use.statement], use
            ):
                continue
            stmt = info.parsed.module.body[use.statement]
            if isinstance(stmt, cst.FunctionDef) and _defaulted(stmt, use.node) is not None:
                cells = [str(i.cell.number) for i in self.infos if use.name in i.bound]
                raise ExportRefused(
                    f"'{owner}' reads '{use.name}' for a default value, and cells "
                    f"{', '.join(cells)} bind it: the default keeps the value of the definition "
                    "time, which a package cannot rebuild; give the parameter no default and pass "
                    f"'{use.name}' at each call",
                    use.line,
                )
            if _in_header(stmt, use.node):
                where = (
                    f"cell {binder.cell.number} computes at run time"
                    if binder is not None
                    else "no cell defines"
                )
                raise ExportRefused(
                    f"'{owner}' reads '{use.name}' when it is defined, which {where}: a class "
                    "base or decorator cannot be a parameter; import it or define it with def or "
                    "class in an exported cell",
                    use.line,
                )
            where = (
                f"cell {binder.cell.number} computes at run time (not a package-level definition)"
                if binder is not None
                else "no cell defines"
            )
            raise ExportRefused(
                f"'{owner}' reads '{use.name}', which {where}; pass it as a parameter", use.line
            )

    def _as_argument(self, stmt: cst.BaseStatement, use: Use) -> bool:
        """Whether a top-level def's read of a run-time value can become an argument its
        callers pass (:class:`PassArguments`). A read in the body always can: a call site
        sees the value the body would have read. A default only when the name is bound
        once in the notebook: the value kept at definition is then the value at any call."""
        if not isinstance(stmt, cst.FunctionDef):
            return False
        if _in_header(stmt, use.node):
            param = _defaulted(stmt, use.node)
            bindings = sum(
                len(i.scope.bindings.get(use.name, ())) for i in self.infos if i.scope is not None
            )
            if param is None or bindings != 1:
                return False
        elif use.deferred:
            param = use.name
        else:
            return False
        function = stmt.name.value
        self.ns.implicit.setdefault(function, {})[param] = use.name
        params = stmt.params
        self.ns.positional[function] = tuple(
            p.name.value for p in [*params.posonly_params, *params.params]
        )
        return True

    def _propagate_arguments(self, live: Sequence[CellInfo], parts: dict[int, _Parts]) -> None:
        """A copied def that calls one taking run-time values reads them too, at call time:
        it takes them as arguments as well (until no more change)."""
        calls: dict[str, set[str]] = {}
        for info in live:
            if info.position in self.refused:
                continue
            assert info.parsed is not None
            for index in parts[info.position].hoisted:
                stmt = info.parsed.module.body[index]
                if isinstance(stmt, cst.FunctionDef):
                    finder = _CalledNames()
                    stmt.body.visit(finder)
                    calls[stmt.name.value] = finder.names
                    params = stmt.params
                    self.ns.positional.setdefault(
                        stmt.name.value,
                        tuple(p.name.value for p in [*params.posonly_params, *params.params]),
                    )
        changed = True
        while changed:
            changed = False
            for caller, callees in calls.items():
                wanted = self.ns.implicit.get(caller, {})
                for callee in callees & set(self.ns.implicit) - {caller}:
                    for expr in self.ns.implicit[callee].values():
                        if expr not in wanted:
                            wanted[expr] = expr
                            changed = True
                if wanted:
                    self.ns.implicit[caller] = wanted

    def _hyper_parameters(self, live: Sequence[CellInfo], parts: dict[int, _Parts]) -> None:
        """A numeric constant that only lifted code reads (``k = 4``, ``eta = 0.5``) is a
        hyper-parameter: each reader takes it as a keyword argument with that default,
        instead of reading a module global. One a copied definition reads stays global."""
        found: dict[str, tuple[CellInfo, int, str]] = {}
        for info in live:
            if info.position in self.refused:
                continue
            assert info.parsed is not None
            for index in parts[info.position].hoisted:
                number = number_assignment(info.parsed.module.body[index])
                if number is not None:
                    found[number[0]] = (info, index, number[1])
        read: set[str] = set()
        for info in live:
            if info.position in self.refused:
                continue
            hoisted, lifted = set(parts[info.position].hoisted), set(parts[info.position].lifted)
            for use in info.full.uses:
                if use.statement in hoisted:
                    found.pop(use.name, None)  # read by a definition: a package-level constant
                elif use.statement in lifted:
                    read.add(use.name)
        for name, (owner, index, literal) in found.items():
            if name in read:
                parts[owner.position].hoisted.remove(index)
                self.ns.owners.pop(name, None)
                self.ns.hyper[name] = literal

    # -- units -------------------------------------------------------------------

    def _add_units(self, info: CellInfo, parts: _Parts) -> None:
        role = info.exported
        assert role is not None and info.parsed is not None and info.scope is not None
        module_name = role.module or self.default
        module = info.parsed.module
        units: list[Unit] = []
        if parts.hoisted:
            header = module.header if parts.hoisted[0] == 0 else ()
            copied = module.with_changes(
                body=[module.body[i] for i in parts.hoisted], header=header
            )
            copied = _annotate_defaults(
                pass_arguments(copied, self.ns.implicit, self.ns.positional)
            )
            code = self._widen(copied).code
            names = [n for n, _ in hoisted_names(info.full, parts.hoisted)]
            defs = {
                stmt.name.value
                for stmt in (module.body[i] for i in parts.hoisted)
                if isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
            }
            public = (
                tuple(n for n in names if n in defs and not n.startswith("_"))
                if role.public
                else ()
            )
            assert isinstance(info.scope, CellScope)
            reads = frozenset(info.scope.free_names(statements=set(parts.hoisted)))
            units.append(Unit(info.cell, "copy", code, tuple(names), public, reads))
        shown = self._drop_displays(info, parts)
        if parts.lifted:
            units.append(self._lift(info, parts, role, module_name, shown))
        elif parts.displays:
            self.plan.notes.append(f"cell {info.cell.number}: only displays values: no function")
        elif role.name is not None:
            self.plan.notes.append(
                f"cell {info.cell.number}: name '{role.name}' unused: nothing to lift"
            )
        self.modules.setdefault(module_name, ModulePlan(module_name)).units.extend(units)

    def _drop_displays(self, info: CellInfo, parts: _Parts) -> str | None:
        """Remove the lifted statements that only display a value (``df.head()``); returns
        the name a trailing bare ``name`` showed, which may be the cell's result."""
        assert info.parsed is not None
        body = info.parsed.module.body
        if not parts.lifted:
            return None
        code = cst.Module([body[i] for i in parts.lifted]).code
        plot = PLOTTING.search(code) is not None
        last = body[parts.lifted[-1]]
        shown = None
        if (
            isinstance(last, cst.SimpleStatementLine)
            and isinstance(last.body[0], cst.Expr)
            and isinstance(last.body[0].value, cst.Name)
        ):
            shown = last.body[0].value.value
        kept = [i for i in parts.lifted if not displays_only(body[i], plot)]
        parts.displays, parts.lifted = len(parts.lifted) - len(kept), kept
        return shown

    def _results(self, info: CellInfo, parts: _Parts, shown: str | None) -> list[str]:
        """What a cell whose values no later cell reads computed: the name it showed last,
        else the names it assigned and never read (``rmse = np.sqrt(mse)``), up to three."""
        assert info.parsed is not None
        lifted = set(parts.lifted)
        if shown is not None and shown in info.full.bound_names(lifted):
            return [shown]
        read = {u.name for u in info.full.uses if u.statement in lifted and u.bound_by}
        unread = [
            name
            for i in parts.lifted
            for name in assigned_names(info.parsed.module.body[i])
            if name not in read and not name.startswith("_")
        ]
        unread = list(dict.fromkeys(unread))
        return unread if len(unread) <= 3 else []

    def _lift(
        self, info: CellInfo, parts: _Parts, role: Role, module_name: str, shown: str | None
    ) -> Unit:
        assert info.parsed is not None and info.scope is not None
        module = info.parsed.module
        header = module.header if parts.lifted[0] == 0 else ()
        lifted = module.with_changes(body=[module.body[i] for i in parts.lifted], header=header)
        assert isinstance(info.scope, CellScope)  # exported cells are parsed with libcst
        free = info.scope.free_names(statements=set(parts.lifted))
        added: list[str] = []
        if any(n in self.ns.implicit for n in free):
            lifted = pass_arguments(lifted, self.ns.implicit, self.ns.positional)
            before, free = free, CellScope(lifted).free_names()
            added = [n for n in free if n not in before]
        bound = bound_in(info.full, parts.lifted)
        for name, line in bound.items():
            if name in self.ns.config:
                raise ExportRefused(
                    f"assigns the parameter '{name}'; parameters are read-only", line
                )
            if name in self.ns.owners:
                raise ExportRefused(
                    f"rebinds '{name}', which is exported at package level; use a new name", line
                )
        params = [n for n in free if not self.ns.resolved(n)]
        hyper = {n: self.ns.hyper[n] for n in params if n in self.ns.hyper}
        params = [n for n in params if n not in hyper]  # the defaulted ones come last
        changed = self._returned_objects(info, parts, params)
        lines = {
            **{n: m.line for n, m in changed.items()},
            **{n: line for n, line in bound.items() if self._read_later(n, info.position)},
        }
        returns = sorted(lines, key=lines.__getitem__) or self._results(info, parts, shown)
        name = self._function_name(info, role, lifted.code, returns)
        for changed_name, mutation in changed.items():
            self.plan.notes.append(
                f"cell {info.cell.number}: {name}() changes '{changed_name}' in place "
                f"({mutation.how}) and later cells read it: it returns '{changed_name}' "
                f"({changed_name} = {name}(...))"
            )
        for param, literal in hyper.items():
            self.plan.notes.append(
                f"cell {info.cell.number}: '{param}' becomes an argument of {name}() with its "
                f"value {literal} (a hyper-parameter, not a module global)"
            )
        for param in params:
            if param in added:
                self.plan.notes.append(
                    f"cell {info.cell.number}: '{param}' becomes a parameter: a function the "
                    "cell calls read it from the notebook, and now takes it as an argument"
                )
                continue
            note = self._parameter_note(info, param, set(parts.lifted))
            if note is not None:
                self.plan.notes.append(note)
        heading = heading_above(self.nb, info.cell)
        docstring = f"{heading}." if heading and not heading.endswith((".", "?", "!")) else heading
        tree = LiftCellToFunction(
            CodemodContext(),
            name,
            returns,
            docstring=docstring or f"Code of cell {info.cell.number}.",
            params=[*params, *hyper],
            result=not _calls_last(lifted, self.valueless),
            defaults=hyper,
        ).transform_module(lifted)
        if any(n in self.ns.config for n in free):
            var = "config" if "config" not in self.taken else "nb_config"
            tree = ReadConfig(CodemodContext(), self.ns.config, name, var=var).transform_module(
                tree
            )
        types = {p: self.types.param(p, info.position) for p in params}
        types.update({p: source_literal_type(code) or self.types.any for p, code in hyper.items()})
        results = [
            self.types.result(n, info) if n in bound else self.types.changed(n, info.position)
            for n in returns
        ]
        if not results:
            returned = "None" if _returns_nothing(tree) else self.types.any
        elif len(results) == 1:
            returned = results[0]
        else:
            returned = f"tuple[{', '.join(results)}]"
        tree = self._widen(Annotate(CodemodContext(), name, types, returned).transform_module(tree))
        self.ns.owners[name] = module_name
        self.ns.lifted.append(
            Lifted(name, module_name, info.position, tuple(params), tuple(returns))
        )
        self.taken.add(name)
        public = (name,) if role.public else ()
        return Unit(info.cell, "lift", tree.code, (name,), public, frozenset(free))

    def _widen(self, tree: cst.Module) -> cst.Module:
        """Declare numbers an annotated function body grows into other types (for mypy)."""
        return WidenAccumulators(CodemodContext(), self.types.any).transform_module(tree)

    @cached_property
    def _opaque(self) -> bool:
        """Whether some cell may bind names unseen: not Python, unparsable, ``%run``, ..."""
        return any(
            info.scope is None
            or any(
                line.lstrip().startswith(_OPAQUE_MAGICS) for line in info.cell.source.split("\n")
            )
            for info in self.infos
        )

    def _parameter_note(self, info: CellInfo, param: str, lifted: set[int]) -> str | None:
        """Why a parameter is worth a look: no cell defines it (in the notebook it would be
        a NameError), the cell's own definition comes too late, or the defining cell is not
        exported."""
        where = f"cell {info.cell.number}"
        read = next(u.line for u in info.full.uses if u.name == param and u.statement in lifted)
        if not any(param in i.bound for i in self.infos) and not self._opaque:
            return (
                f"{where}, line {read}: '{param}' is not defined: no cell imports or assigns it "
                "(a missing import?); it becomes a parameter"
            )
        own = [b for b in info.full.bindings.get(param, ()) if b.kind == "def"]
        if own:
            return (
                f"{where}: '{param}' becomes a parameter because the cell reads it (line {read}) "
                f"before its own definition (line {own[0].line})"
            )
        definer = next((i for i in reversed(self.infos[: info.position]) if param in i.bound), None)
        if definer is not None and _defines(definer, param):
            return (
                f"{where}: '{param}' becomes a parameter because cell {definer.cell.number}, "
                "which defines it, is not exported"
            )
        return None

    def _returned_objects(
        self, info: CellInfo, parts: _Parts, params: list[str]
    ) -> dict[str, Mutation]:
        """Received objects the cell changes in place and later cells read: the function
        returns them (``df = step(df)``), so callers see the change through the data flow
        instead of through a shared object. Module state is refused."""
        assert info.scope is not None
        lifted = set(parts.lifted)
        found: dict[str, Mutation] = {}
        for mutation in parts.mutations:
            name = mutation.name
            if info.full.statement_at(mutation.line) not in lifted:
                continue
            if name not in params and name not in self.ns.owners:
                continue  # a local object, or an imported module's attribute
            if any(b.line < mutation.line for b in info.scope.bindings.get(name, ())):
                continue  # rebound in this cell first: a new object
            if name in self.ns.owners:
                raise ExportRefused(
                    f"mutates the package-level '{name}' in place ({mutation.how}): every call "
                    "would change module state; copy it into a new name first",
                    mutation.line,
                )
            if name not in found and self._read_later(name, info.position):
                found[name] = mutation
        return found

    def _binder(self, name: str, position: int) -> CellInfo | None:
        """The cell whose binding of ``name`` a cell at ``position`` reads: the last above it.

        A reader below a re-binding (``m = LinearRegression()`` again) sees another object.
        """
        for info in reversed(self.infos[:position]):
            if name in info.bound:
                return info
        return None

    def _read_later(self, name: str, position: int) -> bool:
        for later in self.infos[position + 1 :]:
            if name in later.free:
                return True
            if name in later.bound:
                return False
        return False

    def _function_name(self, info: CellInfo, role: Role, code: str, returns: list[str]) -> str:
        taken = self.taken | set(self.ns.owners)
        if role.name is not None:
            if role.name in taken:
                raise ExportRefused(
                    f"function name '{role.name}' from the tag is already used in the notebook"
                )
            return role.name
        names = function_names(heading_above(self.nb, info.cell), code, returns)
        free = [n for n in names if n not in taken and n not in RESERVED]
        return free[0] if free else unique(names[0] if names else cell_name(info.cell), taken)

    def _check_cycles(self) -> None:
        """Modules that import from each other would fail at import time."""
        deps: dict[str, set[str]] = {}
        for module in self.plan.modules:
            reads: set[str] = set()
            for unit in module.units:
                reads |= unit.reads
            deps[module.name] = {
                self.ns.owners[n]
                for n in reads
                if n in self.ns.owners and self.ns.owners[n] != module.name
            }
        for start in deps:
            stack, seen = [(start, [start])], set()
            while stack:
                current, path = stack.pop()
                for nxt in sorted(deps.get(current, ())):
                    if nxt == start:
                        cycle = " -> ".join([*path, start])
                        self.refuse(
                            None,
                            ExportRefused(
                                f"modules import each other ({cycle}); export them to one module"
                            ),
                        )
                        return
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append((nxt, [*path, nxt]))


# Magics that bind names no parser sees.
_OPAQUE_MAGICS = ("%run", "%store", "%load ", "%%capture", "%sql")


_EMPTY = cst.Module([])
_CLEAR_TYPES = frozenset({"int", "float", "str", "bool"})


def _defines(info: CellInfo, name: str) -> bool:
    """Whether ``info`` binds ``name`` with ``def`` or ``class``."""
    return info.scope is not None and any(
        b.kind == "def" for b in info.scope.bindings.get(name, ())
    )


def _annotate_defaults(module: cst.Module) -> cst.Module:
    """Annotate the parameters of copied defs whose literal default says their type
    (``factor=0.9`` -> ``factor: float = 0.9``), so mypy checks those functions too; not
    a body that starts an empty container, whose element type mypy would ask for."""
    for stmt in module.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        finder = _EmptyContainers()
        stmt.body.visit(finder)
        if finder.found:
            continue
        params = stmt.params
        types = {
            p.name.value: kind
            for p in [*params.posonly_params, *params.params, *params.kwonly_params]
            if p.default is not None
            and (kind := source_literal_type(_EMPTY.code_for_node(p.default))) in _CLEAR_TYPES
        }
        if types:
            module = Annotate(CodemodContext(), stmt.name.value, types).transform_module(module)
    return module


def _returns_a_value(function: cst.FunctionDef) -> bool:
    """Whether a def has a ``return <value>`` or ``yield`` of its own (not a nested def's)."""
    finder = _ValueFinder()
    function.body.visit(finder)
    return finder.found


class _ValueFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        self.found = self.found or node.value is not None

    def visit_Yield(self, node: cst.Yield) -> None:
        self.found = True


def _calls_last(module: cst.Module, functions: set[str]) -> bool:
    """Whether the module's last statement is a bare call of one of ``functions``."""
    last = module.body[-1] if module.body else None
    if not isinstance(last, cst.SimpleStatementLine) or not isinstance(last.body[0], cst.Expr):
        return False
    value = last.body[0].value
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value in functions
    )


def _returns_nothing(tree: cst.Module) -> bool:
    """Whether a lifted function (the module's one statement) ends without a value."""
    function = tree.body[0]
    assert isinstance(function, cst.FunctionDef) and isinstance(function.body, cst.IndentedBlock)
    last = function.body.body[-1]
    return not (
        isinstance(last, cst.SimpleStatementLine)
        and isinstance(last.body[0], cst.Return)
        and last.body[0].value is not None
    )


def _defaulted(stmt: cst.FunctionDef, node: cst.CSTNode) -> str | None:
    """The parameter whose default is exactly ``node`` (``device=device``)."""
    params = stmt.params
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        if param.default is node:
            return param.name.value
    return None


def _in_header(stmt: cst.BaseStatement, node: cst.CSTNode) -> bool:
    """Whether ``node`` is read when ``stmt`` (a def or class) runs: a base, decorator or default."""
    parts: list[cst.CSTNode] = []
    if isinstance(stmt, cst.ClassDef):
        parts = [*stmt.bases, *stmt.keywords, *stmt.decorators]
    elif isinstance(stmt, cst.FunctionDef):
        params = stmt.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        parts = [*stmt.decorators, *(p.default for p in every if p.default is not None)]
    finder = _NodeFinder(node)
    for part in parts:
        part.visit(finder)
    return finder.found


class _NodeFinder(cst.CSTVisitor):
    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.found = self.found or node is self.node
        return not self.found


class _CalledNames(cst.CSTVisitor):
    """Plain names called in a function body (``f(...)``)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.names.add(node.func.value)


class _EmptyContainers(cst.CSTVisitor):
    """Whether a body binds a name to ``[]``, ``{}``, ``set()``, ``list()`` or ``dict()``."""

    def __init__(self) -> None:
        self.found = False

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        self.found = (
            self.found
            or (isinstance(value, (cst.List, cst.Dict)) and not value.elements)
            or (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Name)
                and value.func.value in ("set", "list", "dict")
                and not value.args
            )
        )
