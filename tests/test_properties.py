"""Random notebooks and cell sources never crash the loader or the analyser."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbprod.config import Settings
from nbprod.engine import check_notebook_data
from nbprod.notebook import NotebookError
from nbprod.notebook.load import notebook_from_bytes

_CODE_LINES = st.sampled_from(
    [
        "x = 1", "y = x + z", "def f(a):", "    return a + b", "class C:", "    k = 1", "print(y)",
        "%matplotlib inline", "!pip install numpy", "files = !ls", "%%time", "%time q = f(1)",
        "obj?", "for i in range(3):", "    total += i", "import numpy as np", "from os import *",
        "lambda: w", "(", "]", "  indented = 1", "try:", "except:", "    pass", "# comment",
        "x: int = 3", "del x", "async def g():", "    await h()", "[k for k in ks]", "é = 'ü'",
        "with open(p) as fh:", "    data = fh.read()", "global g", "nonlocal n", "match v:",
        "    case [a, *rest]:", "        pass",
    ]
)  # fmt: skip
_SOURCE = st.one_of(st.lists(_CODE_LINES, max_size=8).map("\n".join), st.text(max_size=80))
_CELL = st.fixed_dictionaries(
    {
        "cell_type": st.sampled_from(["code", "code", "markdown", "raw"]),
        "source": st.one_of(_SOURCE, st.lists(_SOURCE, max_size=3)),
        "execution_count": st.one_of(st.none(), st.integers(min_value=0, max_value=50)),
        "metadata": st.one_of(
            st.just({}), st.just({"tags": ["nbprod-ignore"]}), st.just({"tags": "x"})
        ),
        "outputs": st.one_of(
            st.just([]),
            st.just([{"output_type": "error", "ename": "E", "traceback": ["----> 3 x"]}]),
        ),
    }
)
_NOTEBOOK = st.fixed_dictionaries(
    {
        "nbformat": st.just(4),
        "nbformat_minor": st.integers(0, 5),
        "metadata": st.just({}),
        "cells": st.lists(_CELL, max_size=8),
    }
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NOTEBOOK)
def test_random_notebooks_are_analysed_without_crashing(nb: dict[str, Any]) -> None:
    result = check_notebook_data(nb, "random.ipynb", Settings(select=("ALL",)))
    assert result.error is None
    for finding in result.findings:
        cell = nb["cells"][finding.cell_index]
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines = source.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1  # as loaded
        assert 1 <= finding.line <= lines
        assert finding.column >= 1 and finding.end_line >= finding.line


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), _JSON.map(lambda v: json.dumps(v).encode())))
def test_random_bytes_load_or_fail_cleanly(raw: bytes) -> None:
    try:
        notebook_from_bytes(raw, "random.ipynb")
    except NotebookError as exc:
        assert str(exc) and "\n" not in str(exc)


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_random_json_in_notebook_fields(value: Any) -> None:
    for nb in (
        {
            "nbformat": 4,
            "cells": [
                {
                    "cell_type": "code",
                    "source": "x",
                    "outputs": value,
                    "metadata": value,
                    "execution_count": value,
                }
            ],
        },
        {"nbformat": 4, "cells": value, "metadata": value},
        {"nbformat": 3, "worksheets": value},
    ):
        result = check_notebook_data(nb, "v.ipynb", Settings())
        assert result.error is None or "\n" not in result.error
