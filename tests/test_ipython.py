"""IPython syntax is masked with positions kept, and wrapped code is analysed."""

from __future__ import annotations

import pytest

from nbprod.analysis import analyze_cell
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Cell


def _facts(source: str):  # type: ignore[no-untyped-def]
    return analyze_cell(Cell(0, None, "code", source))


@pytest.mark.parametrize(
    ("source", "masked"),
    [
        ("%matplotlib inline\nimport os", "pass\nimport os"),
        ("files = !ls -la\nn = len(files)", "files = None\nn = len(files)"),
        ("if True:\n    !pip install x\n", "if True:\n    pass\n"),
        ("df.head?\n", "pass\n"),
        ("??print", "pass"),
        ("!pip install a \\\n    b\nx = 1", "pass\n\nx = 1"),
        ("%%time\nx = f(1)", "\nx = f(1)"),
        ("%timeit -n 3 -r 2 f(x)", "f(x)"),
    ],
)
def test_mask_keeps_lines(source: str, masked: str) -> None:
    assert mask(source).text == masked


def test_non_python_cell_magic_is_not_analysed() -> None:
    facts = _facts("%%bash\nfor f in *.csv; do echo $f; done")
    assert not facts.python and facts.syntax_error is None and facts.reads == []


def test_time_magic_code_is_analysed_at_user_columns() -> None:
    facts = _facts("x = 1\n%time y = model.fit(X)")
    reads = {r.name: (r.line, r.column) for r in facts.reads}
    assert reads == {"model": (2, 11), "X": (2, 21)}
    assert "y" in facts.defined


def test_cell_magic_capture_binds_its_variable() -> None:
    facts = _facts("%%capture output --no-stderr\nprint(data)")
    assert "output" in facts.defined and [r.name for r in facts.reads] == ["print", "data"]


def test_indented_first_line_is_dedented_like_ipython() -> None:
    facts = _facts("  x = y\n  z = x")
    assert facts.syntax_error is None
    assert [(r.name, r.line, r.column) for r in facts.reads] == [("y", 1, 7)]


def test_syntax_error_position_is_in_user_text() -> None:
    facts = _facts("%time x = (1,\ny = 2")
    assert facts.syntax_error is not None and facts.syntax_error.line == 1


def test_non_ascii_columns_are_characters_not_bytes() -> None:
    facts = _facts("s = 'héllo'; t = ünknown")
    (ref,) = facts.reads
    assert (ref.name, ref.column) == ("ünknown", 18)
