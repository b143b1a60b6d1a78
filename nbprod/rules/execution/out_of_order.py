from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.cell import dotted_name
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.notebook.model import Cell
from nbprod.rules.base import Invalid, Rule, code_cell


class OutOfOrderExecution(Rule):
    """## What it does
    Flags code cells whose execution count breaks the increasing order of the
    notebook: the cells that were run before cells above them. When several cells are
    out of place, it reports the fewest cells whose moving would restore the order.
    Cells sharing one execution count (outputs from different sessions) and cells
    with count 0 (written by tools, never by a kernel) are reported once per notebook.
    Cells that cannot change the kernel's state are left out: empty cells, shell
    commands, and cells that only display (`df.head()`, `print(x)`, `display(HTML(...))`,
    `plt.show()`).

    ## Why is this bad?
    The stored outputs were produced by a different order than the one a reader (or
    "Restart & Run All") follows, so they may depend on state the document does not
    show. Reproducible results start with a notebook that runs top to bottom.

    ## Example
        [2] df = load()
        [1] df = df.dropna()

    ## Use instead
    Restart the kernel and run all cells in order before committing.
    """

    code = "NBP101"
    name = "out-of-order-execution"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["a = 1", "b = a + 1", "print(b)"],
        # displaying, styling and shell cells hold no state: their order does not matter
        [
            code_cell("a = 1", count=1),
            code_cell("display(HTML('<style>td {color: red}</style>'))", count=9),
            code_cell("df.head()\nprint(a, df.shape)", count=7),
            code_cell("!python convert.py", count=8),
            code_cell("", count=6),
            code_cell("b = a + 1", count=2),
        ],
        [
            code_cell("a = 1", count=3),
            code_cell("b = 2", count=None),
            code_cell("print(a)", count=9),
        ],
    ]
    invalid = [
        Invalid(
            [code_cell("a = 1", count=2), code_cell("b = a", count=1), code_cell("c = b", count=3)],
            at=[(0, 1)],
        ),
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("b = 2", count=7),
                code_cell("c = 3", count=3),
                code_cell("d = 4", count=4),
            ],
            at=[(1, 1)],
        ),
        Invalid(
            [code_cell("a = 1", count=0), code_cell("b = 2", count=0), code_cell("c = 3", count=0)],
            at=[(0, 1)],
        ),
        Invalid([code_cell("a = 1", count=1), code_cell("b = 2", count=1)], at=[(1, 1)]),
        # a call that may change an object is state, even inside print
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("print(df.pop('x'))", count=5),
                code_cell("b = 2", count=2),
            ],
            at=[(1, 1)],
        ),
        Invalid(
            [code_cell("a = 1", count=1), code_cell("b = 2", count=0), code_cell("c = 3", count=2)],
            at=[(1, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        stateless = {id(f.cell) for f in nb.cells if _stateless(f)}
        executed = [c for c in nb.executed if id(c) not in stateless]
        keep = _longest_non_decreasing(executed)
        for position, cell in enumerate(executed):
            if position in keep:
                continue
            count = cell.execution_count or 0
            before = next(
                (c for c in reversed(executed[:position]) if (c.execution_count or 0) > count), None
            )
            if before is not None:
                detail = f"it ran as [{count}] after cell {before.number} ran as [{before.execution_count}]"
            else:
                after = next(
                    c for c in executed[position + 1 :] if (c.execution_count or 0) < count
                )
                detail = f"it ran as [{count}], after cell {after.number} below it ([{after.execution_count}])"
            yield self.finding(nb, cell, f"cell executed out of order: {detail}")
        kept = [executed[i] for i in sorted(keep)]
        repeats = [
            c for prev, c in zip(kept, kept[1:]) if c.execution_count == prev.execution_count
        ]
        if repeats:
            first = repeats[0]
            same = [c.number for c in kept if c.execution_count == first.execution_count]
            yield self.finding(
                nb,
                first,
                f"execution count [{first.execution_count}] is shared by {len(same)} cells"
                f" ({_cells(same)}): they did not run in one sequence",
            )
        zeros = [f.cell for f in nb.cells if f.cell.execution_count == 0]
        if zeros:
            yield self.finding(
                nb,
                zeros[0],
                f"{len(zeros)} cell{'s have' if len(zeros) > 1 else ' has'} execution count [0]"
                f" ({_cells([c.number for c in zeros])}), which no kernel assigns:"
                " the outputs were not produced by one run in order",
            )


# Calls that only show something: a cell made of them cannot change the kernel's state.
_DISPLAY_CALLS = frozenset(
    {"print", "display", "HTML", "Image", "Markdown", "Latex", "Video", "Audio", "SVG",
     "JSON", "IFrame", "plt.show", "pprint", "len", "type", "repr", "str"}
)  # fmt: skip
# Methods that only look at an object (`df.head()`, `model.summary()`).
_LOOKING_METHODS = frozenset(
    {"head", "tail", "describe", "info", "sample", "plot", "hist", "show", "summary",
     "value_counts", "nunique", "unique", "isnull", "isna", "sum", "mean", "count", "max",
     "min", "std", "corr", "to_string"}
)  # fmt: skip


def _stateless(facts: CellFacts) -> bool:
    """Whether a cell cannot change the kernel's state: empty, shell lines, or displays."""
    if facts.tree is None:
        return not facts.cell.source.strip()
    if facts.bindings or any(m.kind not in ("shell", "help") for m in facts.magics):
        return False
    for stmt in facts.tree.body:
        if isinstance(stmt, ast.Pass):
            continue
        if not isinstance(stmt, ast.Expr):
            return False
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.Call) and not _only_looks(node):
                return False
            if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
                return False
    return True


def _only_looks(call: ast.Call) -> bool:
    if dotted_name(call.func) in _DISPLAY_CALLS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr in _LOOKING_METHODS


def _cells(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return f"cells {shown}{', ...' if len(numbers) > 5 else ''}"


def _longest_non_decreasing(cells: list[Cell]) -> set[int]:
    """Positions of one longest non-decreasing run of execution counts (patience sorting)."""
    tails: list[int] = []  # smallest tail count of a run of each length
    tail_at: list[int] = []
    parent: list[int] = []
    for i, cell in enumerate(cells):
        count = cell.execution_count or 0
        k = bisect_right(tails, count)
        if k == len(tails):
            tails.append(count)
            tail_at.append(i)
        else:
            tails[k] = count
            tail_at[k] = i
        parent.append(tail_at[k - 1] if k > 0 else -1)
    keep: set[int] = set()
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        keep.add(i)
        i = parent[i]
    return keep
