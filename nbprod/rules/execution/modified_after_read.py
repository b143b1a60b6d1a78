from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts, NameRef
from nbprod.analysis.ml_catalog import MODEL_KINDS
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

# Calls that may give another value on each run: random draws and shuffles.
_RANDOM = (
    "numpy.random",
    "random.",
    "torch.rand",
    "tensorflow.random",
    "jax.random",
    "sklearn.datasets.make_",
)
_DRAWS = frozenset({"shuffle", "sample", "random_split", "permutation"})


class ModifiedAfterRead(Rule):
    """## What it does
    Flags a cell that reads a name whose defining cell (the nearest cell above that
    assigns it) was executed again after this cell ran. Re-imports are not reported, nor
    re-runs that recompute the same value: a plain assignment derived from other cells'
    values that were all in place before this cell ran, with no training, model building
    or random draw in the cell (re-selecting columns, re-reading a file). A re-run cell
    that assigns literals is reported: the literal may have been edited.

    ## Why is this bad?
    This cell's stored outputs were computed from an older value. The notebook shows
    results that the current code does not produce: hidden state.

    ## Example
        [7] df = load().dropna()    # re-run after the cell below
        [3] df.describe()           # output computed from the old `df`

    ## Use instead
    Re-run the cells that depend on a cell you changed, or restart and run all.
    """

    code = "NBP106"
    name = "modified-after-read"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["df = [1, 2]", "n = len(df)", "df = []"],  # a later cell reassigning is normal
        [code_cell("import numpy as np", count=5), code_cell("np.ones(2)", count=2)],
        [
            code_cell("x = 1", count=1),
            code_cell("x = x + 1", count=2),
            code_cell("print(x)", count=3),
        ],
        [code_cell("x = 1", count=None), code_cell("print(x)", count=None)],
        # re-selecting the same columns from unchanged data gives the same value
        [
            code_cell("euro = load()", count=40),
            code_cell("discipline = euro[['Team', 'Yellow Cards']]", count=82),
            code_cell("discipline.sort_values('Yellow Cards')", count=56),
        ],
    ]
    invalid = [
        Invalid(
            [code_cell("df = load()", count=7), code_cell("df.describe()", count=3)], at=[(1, 1, 1)]
        ),
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("b = 2", count=9),
                code_cell("print(a)\nprint(b)", count=4),
            ],
            at=[(2, 2, 7)],
        ),
        # the data behind the re-run changed too, or the re-run draws anew
        Invalid(
            [
                code_cell("euro = load()", count=90),
                code_cell("discipline = euro[['Team', 'Yellow Cards']]", count=91),
                code_cell("discipline.mean()", count=56),
            ],
            at=[(2, 1, 1)],
        ),
        Invalid(
            [
                code_cell("import numpy as np\nn = 5", count=1),
                code_cell("x = np.random.rand(n)", count=9),
                code_cell("x.mean()", count=3),
            ],
            at=[(2, 1, 1)],
        ),
        Invalid(
            [
                code_cell("def create(n):\n    return make(n)", count=1),
                code_cell("n = 5", count=2),
                code_cell("df = create(n)", count=20),
                code_cell("df.describe()", count=5),
            ],
            at=[(3, 1, 1)],
        ),
        # the value this cell saw came from another definition of the name
        Invalid(
            [
                code_cell("loader = make(data, 1)", count=14),
                code_cell("data = load()", count=2),
                code_cell("loader = make(data, 32)", count=19),
                code_cell("train(loader)", count=16),
            ],
            at=[(3, 1, 7)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for position, facts in enumerate(nb.cells):
            ran = facts.cell.execution_count
            if not ran:  # never run, or a tool's placeholder 0
                continue
            stale: list[tuple[NameRef, CellFacts]] = []
            seen: set[str] = set()
            for ref in facts.reads:
                if ref.name in seen:
                    continue
                seen.add(ref.name)
                writer = self._writer(nb, ref.name, position)
                if (
                    writer is not None
                    and (writer.cell.execution_count or 0) > ran
                    and not self._same_value(nb, writer, ref.name, ran)
                ):
                    stale.append((ref, writer))
            if stale:
                ref, writer = stale[0]
                others = ", ".join(f"'{r.name}'" for r, _ in stale[1:4])
                more = f" (also {others})" if others else ""
                yield self.at_ref(
                    nb,
                    facts,
                    ref,
                    f"'{ref.name}' was assigned by cell {writer.cell.number} (run as"
                    f" [{writer.cell.execution_count}]) after this cell ran as [{ran}]{more}:"
                    " its outputs may be stale",
                )

    @classmethod
    def _same_value(cls, nb: AnalyzedNotebook, writer: CellFacts, name: str, ran: int) -> bool:
        """Whether re-running ``writer`` recomputed the value this cell saw: it derives
        ``name`` by plain assignment from other cells' values that were all in place
        before this cell ran, and it trains, builds or draws nothing (re-selecting columns,
        re-reading a file, re-concatenating)."""
        if any(b.name == name and b.kind != "assign" for b in writer.bindings):
            return False
        if any(f is not writer for f, _ in nb.definitions.get(name, ())):
            return False  # this cell may have seen another cell's value of the name
        if not writer.reads:
            return False  # a literal may have been edited before the re-run
        ml = nb.ml
        if any(t.site.facts is writer for t in ml.trainings) or any(
            c.site.facts is writer and c.kind in MODEL_KINDS for c in ml.constructions
        ):
            return False
        for call in writer.calls:
            qualified = ml.qualify(call.dotted)
            if (qualified is not None and qualified.startswith(_RANDOM)) or call.attr in _DRAWS:
                return False
            if call.dotted is not None and any(
                b.kind in ("def", "class") for _, b in nb.definitions.get(call.dotted, ())
            ):
                return False  # a notebook function: what its body draws is not looked at
        position = nb.position_of(writer)
        for ref in writer.reads:
            if ref.name not in nb.definitions:
                return False  # defined nowhere in the notebook: what it does is unknown
            source = cls._writer(nb, ref.name, position)
            if source is not None and (source.cell.execution_count or 0) > ran:
                return False  # an input changed after this cell ran
        return True

    @staticmethod
    def _writer(nb: AnalyzedNotebook, name: str, position: int) -> CellFacts | None:
        """The nearest cell above ``position`` that assigns ``name`` (imports excluded)."""
        writer = None
        for facts, binding in nb.definitions.get(name, ()):
            if nb.position_of(facts) >= position:
                break
            writer = facts if binding.kind != "import" else None
        return writer
