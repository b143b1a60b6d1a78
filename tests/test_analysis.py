"""Per-cell facts and cross-cell def-use model what Python really does."""

from __future__ import annotations

from nbprod.analysis import AnalyzedNotebook, analyze_cell
from nbprod.notebook import notebook_from_data
from nbprod.notebook.model import Cell
from nbprod.rules.base import Example


def _facts(source: str):  # type: ignore[no-untyped-def]
    return analyze_cell(Cell(0, None, "code", source))


def _nb(*cells: str) -> AnalyzedNotebook:
    return AnalyzedNotebook(notebook_from_data(Example(cells).notebook_json(), "t.ipynb"))


def test_reads_before_assignment_in_the_cell_are_cross_cell() -> None:
    facts = _facts("x = x + 1\ny = x\nz += 1")
    assert [r.name for r in facts.reads] == ["x", "z"]
    assert facts.defined == {"x", "y", "z"}


def test_function_bodies_are_deferred_and_locals_resolved() -> None:
    facts = _facts(
        "def f(a, *args, k=default, **kw):\n"
        "    b = a + g\n"
        "    def inner():\n"
        "        nonlocal b\n"
        "        return b + h\n"
        "    return [b for b in args if b > limit]\n"
    )
    assert [r.name for r in facts.reads] == ["default"]
    assert sorted(r.name for r in facts.deferred["f"]) == ["g", "h", "limit"]


def test_class_scope_is_not_visible_to_methods() -> None:
    facts = _facts(
        "class C:\n    size = 1\n    def m(self):\n        return size\n    twice = size * 2\n"
    )
    assert facts.reads == []
    assert [r.name for r in facts.deferred["C"]] == ["size"]


def test_comprehension_variables_do_not_leak_but_walrus_does() -> None:
    facts = _facts("ys = [y for y in data if (last := y)]\nprint(y, last)")
    assert [r.name for r in facts.reads] == ["data", "print", "y"]  # rules skip builtins
    assert "last" in facts.defined


def test_imports_and_calls_are_qualified_through_aliases() -> None:
    nb = _nb(
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split as tts",
        "df = pd.read_csv('a.csv')\ntts(df)",
    )
    calls = [c.dotted for c in nb.cells[1].calls]
    assert [nb.qualify(c) for c in calls if c] == [
        "pandas.read_csv",
        "sklearn.model_selection.train_test_split",
    ]
    assert nb.cells[1].strings[0][0] == "a.csv"


def test_deferred_uses_follow_calls_transitively() -> None:
    nb = _nb("def a():\n    return b()", "def b():\n    return secret", "a()")
    uses = nb.deferred_uses(nb.cells[2])
    assert {(u.function, u.read.name) for u in uses} == {("a", "b"), ("a", "secret")}


def test_star_import_and_run_make_names_uncertain_below_them() -> None:
    nb = _nb("a = 1", "from os import *", "b = 2")
    assert [nb.names_uncertain(f) for f in nb.cells] == [False, True, True]
    nb = _nb("x = 1", "%run other.ipynb")
    assert [nb.names_uncertain(f) for f in nb.cells] == [False, True]
    nb = _nb("import os", "%matplotlib inline")
    assert not any(nb.names_uncertain(f) for f in nb.cells)
