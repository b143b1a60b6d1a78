"""Properties of the edit machinery, on generated sources and notebooks (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nbprod.fixes.jsonfile import write_like
from nbprod.fixes.text import apply_replacements, line_edits
from nbprod.notebook.model import Cell

from .notebooks import cell, notebook

_TEXT = st.text(alphabet="ab \n\t(é", max_size=40)


@given(_TEXT, _TEXT)
def test_the_edits_between_two_sources_turn_one_into_the_other(old: str, new: str) -> None:
    edits = line_edits(Cell(0, "c0", "code", old), old, new)
    assert apply_replacements(old, edits) == new
    assert all(e.start is not None and e.end is not None and e.start <= e.end for e in edits)


@settings(max_examples=60)
@given(
    st.lists(_TEXT, min_size=1, max_size=5),
    st.data(),
    st.sampled_from([None, 1, 2]),
    st.booleans(),
)
def test_any_edit_of_cells_is_written_as_that_json_in_the_files_style(
    sources: list[str], data: st.DataObject, indent: int | None, ensure_ascii: bool
) -> None:
    nb: dict[str, Any] = notebook(*(cell(s, count=i) for i, s in enumerate(sources, 1)))
    text = json.dumps(nb, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    cells = nb["cells"]
    for index in data.draw(st.sets(st.integers(0, len(cells) - 1))):
        cells[index]["source"] = data.draw(_TEXT)
    if data.draw(st.booleans()) and len(cells) > 1:
        del cells[data.draw(st.integers(0, len(cells) - 1))]
    new = write_like(text, nb)
    assert json.loads(new) == nb
    # an ASCII file without escapes does not say how it escapes: nbformat's way, raw UTF-8
    escaped = ensure_ascii and "\\u" in text
    assert new == json.dumps(nb, indent=indent, ensure_ascii=escaped) + "\n"
