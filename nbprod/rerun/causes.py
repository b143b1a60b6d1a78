"""Map what a replay saw back to nbprod's static facts: the likely cause of a failure
(NBP110) and the unseeded source behind a nondeterministic output (NBP112).

Read-only use of :mod:`nbprod.analysis` and :func:`nbprod.engine.check_notebook`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.config import Settings
from nbprod.findings import Finding
from nbprod.notebook.model import Notebook
from nbprod.rerun.normalise import terminal_text

_CELL_FRAME = re.compile(r"Cell In\s*\[(\d+)\],\s*line (\d+)")
_NAME = re.compile(r"name '([^']+)' is not defined")
_MODULE = re.compile(r"No module named '([^']+)'")
_MISSING_FILE = re.compile(r"No such file or directory: '([^']+)'")
_NETWORK_ERRORS = frozenset({"URLError", "HTTPError", "ConnectionError", "ConnectionRefusedError",
                            "gaierror", "Timeout", "ConnectTimeout", "SSLError", "MaxRetryError"})  # fmt: skip
_STATIC_CODES = ("NBP101", "NBP104", "NBP105", "NBP202", "NBP302")

# Where randomness comes from, by qualified callee.
_SEEDS = {
    "numpy": ("numpy.random.seed",),
    "random": ("random.seed",),
    "torch": ("torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed_all"),
}
_ANY_SEED = ("keras.utils.set_random_seed", "tensorflow.keras.utils.set_random_seed",
             "seed_everything", "lightning.seed_everything", "pytorch_lightning.seed_everything",
             "transformers.set_seed")  # fmt: skip
_QUIET = frozenset({"seed", "get_state", "set_state", "SeedSequence", "default_rng", "RandomState",
                    "Generator", "PCG64", "MT19937", "Random", "getstate", "setstate"})  # fmt: skip
_GENERATORS = frozenset(
    {"numpy.random.default_rng", "numpy.random.RandomState", "random.Random", "torch.Generator"}
)
_CLOCKS = {
    "time.time": "reads the clock",
    "time.time_ns": "reads the clock",
    "time.perf_counter": "reads the clock",
    "datetime.datetime.now": "reads the clock",
    "datetime.datetime.today": "reads the clock",
    "datetime.datetime.utcnow": "reads the clock",
    "datetime.date.today": "reads the date",
    "uuid.uuid1": "makes a new id on every run",
    "uuid.uuid4": "makes a new id on every run",
    "os.urandom": "reads the OS's entropy",
    "secrets.token_hex": "reads the OS's entropy",
    "secrets.token_bytes": "reads the OS's entropy",
    "secrets.choice": "reads the OS's entropy",
}


def cell_frame(traceback: list[str], execution_count: int | None) -> int | None:
    """The line of the failing cell a traceback points at (``Cell In[N], line L``)."""
    text = terminal_text("\n".join(traceback))
    frames = [(int(n), int(line)) for n, line in _CELL_FRAME.findall(text)]
    for count, line in frames:
        if execution_count is None or count == execution_count:
            return line
    return None


def name_column(source: str, line: int, name: str) -> tuple[int, int] | None:
    lines = source.split("\n")
    if not 0 < line <= len(lines):
        return None
    match = re.search(rf"(?<![\w.]){re.escape(name)}\b", lines[line - 1])
    return (match.start() + 1, match.end() + 1) if match else None


def missing_name(evalue: str) -> str | None:
    match = _NAME.search(evalue)
    return match.group(1) if match else None


@dataclass
class StaticFacts:
    """The static analysis of the original notebook, computed once when first needed."""

    notebook: Notebook

    @cached_property
    def analyzed(self) -> AnalyzedNotebook | None:
        if not self.notebook.is_python:
            return None
        try:
            return AnalyzedNotebook(self.notebook)
        except Exception:  # the replay must not fail because the analysis did
            return None

    @cached_property
    def findings(self) -> list[Finding]:
        if self.analyzed is None:
            return []
        from nbprod.engine import check_notebook

        try:
            result = check_notebook(self.notebook, Settings(select=_STATIC_CODES))
        except Exception:
            return []
        return result.findings

    def facts(self, cell_index: int) -> CellFacts | None:
        if self.analyzed is None:
            return None
        for facts in self.analyzed.cells:
            if facts.cell.index == cell_index:
                return facts
        return None

    # -- NBP110 ---------------------------------------------------------------

    def failure_cause(self, cell_index: int, ename: str, evalue: str) -> str | None:
        if ename in ("NameError", "UnboundLocalError"):
            name = missing_name(evalue)
            if name is not None:
                return self._name_cause(cell_index, name)
        if ename == "StdinNotImplementedError":
            return (
                "the cell asks for input (input() or getpass): nobody can answer in a fresh"
                " run; take the value from the `parameters` cell or an environment variable"
            )
        if ename == "UsageError":
            return (
                "a magic this kernel does not have: its extension is not installed or no cell"
                " loads it (`%load_ext`) before this one"
            )
        if ename == "ModuleNotFoundError":
            match = _MODULE.search(evalue)
            module = match.group(1) if match else "the module"
            return (
                f"'{module}' is not installed in the kernel's environment: declare it in the"
                " project's pinned requirements"
            )
        if ename in ("FileNotFoundError", "OSError", "IOError") and "No such file" in evalue:
            match = _MISSING_FILE.search(evalue)
            path = match.group(1) if match else ""
            if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", path):
                return (
                    f"'{path}' is an absolute path that does not exist here: a path from"
                    " another machine (NBP202); make it relative to the project"
                )
            return (
                f"'{path}' does not exist relative to the notebook's folder: the data is not"
                " in the repository, or the stored run used another working directory"
            )
        if ename in _NETWORK_ERRORS or "Name or service not known" in evalue:
            return (
                "the cell needs the network (or a service) that a fresh, offline run does not"
                " have: keep a pinned copy of remote data in the project (NBP203)"
            )
        return self._order_cause(cell_index)

    def _name_cause(self, cell_index: int, name: str) -> str | None:
        analyzed = self.analyzed
        facts = self.facts(cell_index)
        if analyzed is None or facts is None:
            return None
        position = analyzed.position_of(facts)
        definitions = analyzed.definitions.get(name, [])
        later = [f for f, _ in definitions if analyzed.position_of(f) > position]
        earlier = [f for f, _ in definitions if analyzed.position_of(f) < position]
        if not definitions:
            return (
                f"'{name}' is defined in no cell: it came from a deleted or edited cell"
                " (hidden state, NBP105)"
            )
        if later and not earlier:
            first = later[0].cell
            ran_first = (
                first.execution_count is not None
                and facts.cell.execution_count is not None
                and first.execution_count < facts.cell.execution_count
            )
            note = " (the stored run did so)" if ran_first else ""
            return f"'{name}' is only defined in cell {first.number}, which must run before cell {facts.cell.number}{note} (NBP104)"
        if earlier:
            where = earlier[-1].cell.number
            return (
                f"'{name}' is assigned in cell {where} above, but that assignment did not"
                " run in a clean run (inside a condition, a loop or a function?)"
            )
        return None

    def _order_cause(self, cell_index: int) -> str | None:
        """Out-of-order execution or hidden state up to the failing cell, if any."""
        for code in ("NBP104", "NBP105", "NBP101"):
            for finding in self.findings:
                if finding.code == code and finding.cell_index <= cell_index:
                    return f"cell {finding.cell_index + 1}: {finding.message} ({code})"
        return None

    # -- NBP112 ---------------------------------------------------------------

    def random_source(self, cell_index: int) -> str | None:
        """The unseeded draw (or clock) an output of this cell likely depends on."""
        analyzed = self.analyzed
        facts = self.facts(cell_index)
        if analyzed is None or facts is None:
            return None
        for candidate in self._upstream(facts):
            found = self._random_call(candidate)
            if found is not None:
                return found
        for finding in self.findings:
            if finding.code == "NBP302" and finding.cell_index <= cell_index:
                return f"cell {finding.cell_index + 1}, line {finding.line}: {finding.message} (NBP302)"
        return None

    def _upstream(self, facts: CellFacts) -> list[CellFacts]:
        """``facts`` and the cells that define what it reads, transitively, nearest first."""
        analyzed = self.analyzed
        assert analyzed is not None
        seen = {id(facts)}
        order = [facts]
        queue = [facts]
        while queue and len(order) < 50:
            current = queue.pop(0)
            position = analyzed.position_of(current)
            names = {r.name for r in current.reads} | set(current.immediate)
            for use in analyzed.deferred_uses(current):
                names.add(use.read.name)
            for name in sorted(names):
                visible = [
                    f
                    for f, _ in analyzed.definitions.get(name, [])
                    if analyzed.position_of(f) < position
                ]
                if visible and id(visible[-1]) not in seen:
                    seen.add(id(visible[-1]))
                    order.append(visible[-1])
                    queue.append(visible[-1])
        return order

    def _seeded_before(self, library: str, position: int) -> bool:
        analyzed = self.analyzed
        assert analyzed is not None
        seeds = _SEEDS.get(library, ())
        for facts in analyzed.cells[: position + 1]:
            for call in facts.calls:
                if call.dotted is None:
                    continue
                qualified = analyzed.qualify(call.dotted)
                if (
                    qualified in seeds
                    or qualified in _ANY_SEED
                    or qualified.endswith("seed_everything")
                ):
                    return True
        return False

    def _random_call(self, facts: CellFacts) -> str | None:
        analyzed = self.analyzed
        assert analyzed is not None
        position = analyzed.position_of(facts)
        for call in facts.calls:
            if call.dotted is None:
                continue
            qualified = analyzed.qualify(call.dotted)
            line = facts.position(call.node)[0]
            where = f"`{call.dotted}` (cell {facts.cell.number}, line {line})"
            if qualified in _CLOCKS:
                return f"{where} {_CLOCKS[qualified]}"
            if qualified in _GENERATORS and not call.node.args and not call.node.keywords:
                return f"{where} makes a generator without a seed"
            library = qualified.split(".", 1)[0]
            last = qualified.rsplit(".", 1)[-1]
            draws = (
                (library == "numpy" and qualified.startswith("numpy.random."))
                or (library == "random" and qualified.count(".") == 1)
                or (library == "torch" and last.startswith("rand"))
            )
            if draws and last not in _QUIET and not self._seeded_before(library, position):
                return f"{where} draws from a generator no cell seeds"
        return None
