"""Edited notebook JSON is written in the file's own style, unchanged parts kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nbprod.fixes.jsonfile import write_like

from .notebooks import cell, notebook


def _nb() -> dict[str, Any]:
    return notebook(cell("x = 1"), cell("y = 2", count=2), cell("z = 3", count=3))


@pytest.mark.parametrize("indent", [1, 2, 4])
def test_a_changed_cell_takes_the_files_indentation(indent: int) -> None:
    data = _nb()
    text = json.dumps(data, indent=indent) + "\n"
    data["cells"][1]["source"] = "y = 20"
    del data["cells"][2]
    new = write_like(text, data)
    assert json.loads(new) == data
    assert new == json.dumps(data, indent=indent) + "\n"


def test_compact_json_stays_compact_and_a_single_cell_is_written_whole() -> None:
    data = notebook(cell("x = 1"))
    text = json.dumps(data)
    data["cells"][0]["outputs"] = []
    data["cells"][0]["source"] = "x = 2"
    new = write_like(text, data)
    assert json.loads(new) == data and "\n" not in new


def test_escaped_non_ascii_stays_escaped() -> None:
    data = notebook(cell("s = 'é'"), cell("t = 1", count=2))
    text = json.dumps(data, indent=1)  # ensure_ascii: "\u00e9"
    data["cells"][1]["source"] = "t = 'ü'"
    new = write_like(text, data)
    assert json.loads(new) == data and new.isascii() and "\\u00fc" in new
