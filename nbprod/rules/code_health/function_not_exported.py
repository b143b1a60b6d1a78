from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.cell import def_name_column
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

_TEST_TAGS = frozenset({"test", "tests"})
# nbdev directives: `#| export`, `#|exporti`, `# export`, `#exports module.name`
_NBDEV_EXPORT = re.compile(r"#\s*\|?\s*export[is]?\b")


class FunctionNotExported(Rule):
    """## What it does
    Flags a top-level function or class defined in a cell that no export marker covers:
    a cell tag `export` or `export:<module>`, or an nbdev directive (`#| export`,
    `# export`) among the cell's leading comment lines. Test functions (`test_*`, or in
    a `test`-tagged cell) and display helpers (`plot_*`, `show_*`, `display_*`,
    `visualize_*`, `draw_*`, `print_*`) are not reported: a package does not need them.

    Off by default: in a notebook nobody has started to export yet, it reports every
    function. Turn it on (`extend-select = ["NBP406"]`) once a notebook is on its way
    to a package.

    An exercise template (at least a third of the code cells blank or only comments)
    is not checked: its functions are stubs for the reader.

    ## Why is this bad?
    Code left outside the exported cells will not reach the package: someone will copy
    and rewrite it by hand for production, and the copy drifts from the notebook.
    Rules of ML #32: reuse code between training and production.

    ## Example
        def make_features(df):
            return df.assign(avg_charge=df.total / df.months)

    ## Use instead
    Tag the cell `export` (or start it with `#| export`) so `nbprod export` moves the
    function into the package.
    """

    code = "NBP406"
    name = "function-not-exported"
    area = ChecklistArea.CODE_HEALTH
    severity = Severity.INFO
    checklist_item = "Rules of ML #32: reuse code between training and production"
    default_enabled = False

    valid = [
        [code_cell("def clean(df):\n    return df", tags=["export"])],
        [code_cell("class Model:\n    pass", tags=["export:churn.models"])],
        ["#| export\ndef clean(df):\n    return df", "# export\nclass A:\n    pass"],
        ["#| hide\n#| export\ndef f():\n    pass"],
        [
            code_cell("def test_clean():\n    assert True"),
            code_cell("def check():\n    pass", tags=["test"]),
        ],
        ["x = [i for i in range(3)]\nf = lambda v: v"],
        # an exercise template: stubs for the reader
        ["# Import the libraries", "# Load the data", "# Plot it", "def train(model):\n    ..."],
        [
            "def plot_loss_curves(history):\n    pass\ndef show_batch(b):\n    pass\ndef printResults(r):\n    pass"
        ],
    ]
    invalid = [
        Invalid(["def clean(df):\n    return df.dropna()"], at=[(0, 1, 5)]),
        Invalid(["import pandas as pd\n\n@cache\nclass Loader:\n    pass"], at=[(0, 4, 7)]),
        Invalid(["x = 1\n# export\ndef f():\n    pass"], at=[(0, 3, 5)]),  # not a leading comment
        Invalid(
            [
                code_cell("def f():\n    pass", tags=["exported"]),
                "if True:\n    def g():\n        pass",
            ],
            at=[(0, 1, 5), (1, 2, 9)],
        ),
        Invalid(
            ["def plotting_backend():\n    pass\ndef viewer(x):\n    pass"],
            at=[(0, 1, 5), (0, 3, 5)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        if nb.skeleton:
            return  # an exercise template's functions are stubs for the reader
        for facts in nb.cells:
            if facts.tree is None or _TEST_TAGS.intersection(facts.cell.tags):
                continue
            found = [
                node
                for node in _definitions(facts.tree.body)
                # tests go to tests/; display helpers stay in the notebook
                if not node.name.startswith("Test" if isinstance(node, ast.ClassDef) else "test_")
                and (isinstance(node, ast.ClassDef) or not _DISPLAY_HELPER.match(node.name))
            ]
            if not found or _is_exported(facts):
                continue
            lines = facts.cell.source.split("\n")
            for node in found:
                line = node.lineno  # the `def`/`class` line, after any decorators
                column = def_name_column(lines, node, facts.column(line, node.col_offset))
                what = "class" if isinstance(node, ast.ClassDef) else "function"
                yield self.finding(
                    nb,
                    facts.cell,
                    f"{what} '{node.name}' is in no exported cell: it will have to be"
                    " rewritten by hand for production; tag the cell `export`",
                    line,
                    column,
                    line,
                    column + len(node.name),
                )


# Functions that show things (`plot_loss_curves`, `show_batch`, `display_image`): a
# package does not need them, the notebook that explores does.
_DISPLAY_HELPER = re.compile(
    r"_*(?i:plot|show|display|visuali[sz]e|draw|print|view|imshow)(?:_|$|[A-Z0-9])"
)


def _is_exported(facts: CellFacts) -> bool:
    if any(t == "export" or t.startswith("export:") for t in facts.cell.tags):
        return True
    for text in facts.cell.source.split("\n"):
        stripped = text.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return False
        if _NBDEV_EXPORT.match(stripped):
            return True
    return False


def _definitions(
    body: list[ast.stmt],
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Module-level defs and classes, also under `if`/`try`/`with` at module level."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield stmt
        elif isinstance(stmt, (ast.If, ast.Try, ast.TryStar, ast.With)):
            for block in _blocks(stmt):
                yield from _definitions(block)


def _blocks(stmt: ast.If | ast.Try | ast.TryStar | ast.With) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.With):
        return [stmt.body]
    return [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
