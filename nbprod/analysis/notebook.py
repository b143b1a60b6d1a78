"""Cross-cell def-use over a notebook's code cells, in document and execution order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from nbprod.analysis import facts_cache
from nbprod.analysis.cell import Binding, CellFacts, NameRef
from nbprod.analysis.names import is_kernel_name
from nbprod.notebook.model import Cell, Notebook

if TYPE_CHECKING:
    from nbprod.analysis.io import FileAccess
    from nbprod.analysis.ml import MLFacts

# Magics after which the set of defined names is unknowable statically.
_NAME_INJECTING_MAGICS = frozenset({"run", "pylab", "load", "store", "env", "sql", "sx", "macro"})
# Cell magics that run something other than the kernel's Python and bind nothing.
_INERT_CELL_MAGICS = frozenset(
    {"bash", "sh", "html", "HTML", "javascript", "js", "markdown", "latex", "svg",
     "writefile", "file", "perl", "ruby", "script", "cmd", "powershell", "python", "python3",
     "pypy", "md", "mermaid", "dot"}
)  # fmt: skip
_NAME_INJECTING_CALLS = frozenset({"exec", "execfile", "globals", "locals", "vars", "__import__"})
_NAME_INJECTING_METHODS = frozenset({"run_line_magic", "run_cell_magic", "magic", "push"})
# Kernels that inject their own globals (Spark, Databricks, Synapse notebooks).
_KERNEL_GLOBALS = {
    "spark": frozenset({"spark", "sc", "sqlContext", "sqlCtx", "dbutils", "mssparkutils", "table", "sql"}),
    "databricks": frozenset({"spark", "sc", "sqlContext", "dbutils", "table", "sql"}),
    "synapse": frozenset({"spark", "sc", "sqlContext", "mssparkutils"}),
}  # fmt: skip
_DATABRICKS_ONLY = frozenset({"dbutils", "displayHTML"})


@dataclass(frozen=True, slots=True)
class DeferredUse:
    """A name read inside a function body, made effective by a read of the function."""

    read: NameRef  # the read inside the function body
    via: NameRef  # the read of the function (usually a call) that triggers it
    function: str


class AnalyzedNotebook:
    def __init__(self, notebook: Notebook) -> None:
        self.notebook = notebook
        self.cells: list[CellFacts] = [facts_cache.analyze(c) for c in notebook.code_cells]

    @property
    def filename(self) -> str:
        return self.notebook.filename

    @cached_property
    def executed(self) -> list[Cell]:
        """Code cells with a real execution count, in document order.

        Count 0 is excluded: no kernel assigns it (tools that reset counts write it), so
        it says nothing about when the cell ran.
        """
        return [f.cell for f in self.cells if f.cell.execution_count]

    @cached_property
    def skeleton(self) -> bool:
        """Whether the notebook is an exercise template: at least a third of its code
        cells (and at least 3) are blank or hold only comments, slots for the reader to
        fill in. Measured on both corpora: every exercise template is above 0.35, no
        working notebook above 0.27."""
        slots = sum(1 for f in self.cells if _slot(f.cell.source))
        return slots >= 3 and 3 * slots >= len(self.cells)

    @cached_property
    def definitions(self) -> dict[str, list[tuple[CellFacts, Binding]]]:
        """Every module-level binding of each name, in document order."""
        found: dict[str, list[tuple[CellFacts, Binding]]] = {}
        for facts in self.cells:
            for binding in facts.bindings:
                if binding.kind != "del":
                    found.setdefault(binding.name, []).append((facts, binding))
        return found

    @cached_property
    def imports(self) -> dict[str, str]:
        """Import aliases of the whole notebook (alias -> qualified name)."""
        merged: dict[str, str] = {}
        for facts in self.cells:
            merged.update(facts.imports)
        return merged

    @cached_property
    def file_accesses(self) -> list[FileAccess]:
        """Every file read and write, with statically resolved paths."""
        from nbprod.analysis.io import file_accesses

        return file_accesses(self)

    @cached_property
    def ml(self) -> MLFacts:
        """Models, training, evaluation, tracking, seeds, splits and data loads."""
        from nbprod.analysis.ml import MLFacts

        return MLFacts(self)

    def qualify(self, dotted: str) -> str:
        """``pd.read_csv`` -> ``pandas.read_csv`` through the notebook's import aliases."""
        head, dot, rest = dotted.partition(".")
        target = self.imports.get(head)
        if target is None:
            return dotted
        return target + dot + rest

    @cached_property
    def injected_names(self) -> frozenset[str]:
        spec = self.notebook.metadata.get("kernelspec")
        kernel = str(spec.get("name", "")).lower() if isinstance(spec, dict) else ""
        names: frozenset[str] = frozenset()
        for marker, extra in _KERNEL_GLOBALS.items():
            if marker in kernel:
                names |= extra
        # Databricks notebooks keep a plain Python kernelspec when exported; reading the
        # globals only Databricks provides gives them away.
        if any(r.name in _DATABRICKS_ONLY for f in self.cells for r in f.reads):
            names |= _KERNEL_GLOBALS["databricks"] | _DATABRICKS_ONLY
        return names

    def is_ambient(self, name: str) -> bool:
        """A name no cell needs to define: builtins, IPython's and the kernel's globals."""
        return is_kernel_name(name) or name in self.injected_names

    @cached_property
    def _injectors(self) -> list[CellFacts]:
        """Cells that may define names this analysis cannot see."""
        return [f for f in self.cells if _injects_names(f)]

    def names_uncertain(self, facts: CellFacts) -> bool:
        """Whether names read in ``facts`` may come from somewhere analysis cannot see:
        an injecting cell above it, or one that ran before it."""
        position = self.position_of(facts)
        ran = facts.cell.execution_count
        for injector in self._injectors:
            if self.position_of(injector) <= position:
                return True
            count = injector.cell.execution_count
            if count and ran and count < ran:
                return True
        return False

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {id(f): i for i, f in enumerate(self.cells)}

    def position_of(self, facts: CellFacts) -> int:
        return self._positions[id(facts)]

    def first_definition_after(self, name: str, position: int) -> CellFacts | None:
        for facts, _ in self.definitions.get(name, ()):
            if self.position_of(facts) > position:
                return facts
        return None

    def is_defined_at(self, name: str, position: int, inclusive: bool = False) -> bool:
        for facts, _ in self.definitions.get(name, ()):
            p = self.position_of(facts)
            if p < position or (inclusive and p == position):
                return True
        return False

    def deferred_uses(self, facts: CellFacts) -> list[DeferredUse]:
        """Reads inside the bodies of notebook functions that this cell calls (transitively)."""
        uses: list[DeferredUse] = []
        position = self.position_of(facts)
        for name, via in facts.immediate.items():
            seen: set[str] = set()
            stack = [name]
            while stack:
                function = stack.pop()
                if function in seen:
                    continue
                seen.add(function)
                for read in self._body_reads(function, position):
                    uses.append(DeferredUse(read, via, name))
                    stack.append(read.name)
        return uses

    def _body_reads(self, function: str, position: int) -> list[NameRef]:
        """The deferred reads of the definition of ``function`` visible at ``position``;
        of a class, those its construction runs (other methods run when called, later)."""
        visible = [
            (f, b) for f, b in self.definitions.get(function, ()) if self.position_of(f) <= position
        ]
        if not visible:
            return []
        facts, binding = visible[-1]
        reads = facts.deferred.get(function, [])
        if binding.kind == "class":
            return [r for r in reads if r.method is None or r.method in _CONSTRUCTION]
        return reads


# Methods that run when a class is instantiated.
_CONSTRUCTION = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__"})


def _slot(source: str) -> bool:
    """A blank or comment-only cell."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in source.split("\n"))


def _injects_names(facts: CellFacts) -> bool:
    if (facts.syntax_error is not None and facts.tree is None) or facts.star_imports:
        return True  # nothing of the cell could be read, or `from x import *`
    for magic in facts.magics:
        if magic.kind == "line" and magic.name in _NAME_INJECTING_MAGICS:
            return True
        if magic.kind == "cell" and not facts.python and magic.name not in _INERT_CELL_MAGICS:
            return True
    return any(
        call.dotted in _NAME_INJECTING_CALLS or call.attr in _NAME_INJECTING_METHODS
        for call in facts.calls
    )
