"""Fuzzing: mutated real notebooks and generated ones never make nbprod raise, hang or crash.

The seeds are the real notebooks in ``tests/fixtures/corpus`` and ``tests/fixtures/export``
(copied from ``../shared/corpus`` with their licenses; see the README.md beside them).
Hypothesis mutates their JSON structure, their outputs and their cell sources, and
serialises them with byte-level damage. For every input:

* loading raises nothing but ``NotebookError``;
* ``check_notebook`` with every rule returns a result and never an internal error;
* the result renders in all four formats as valid UTF-8 (JSON and SARIF parse);
* ``plan_export`` plans or refuses (and a plan renders to a package);
* the CLI, on a folder holding the input beside a good notebook, exits 0, 1 or 2 and
  reports the good notebook; ``nbprod export`` on the input exports (exit 0) or refuses
  and writes nothing (exit 2).

``make test`` runs a short profile, derandomized (the same examples every run).
``make fuzz`` (``NBPROD_FUZZ=long``) runs each test with fresh random seeds until its
share of ``NBPROD_FUZZ_SECONDS`` (default 1200, i.e. 20 minutes) is spent; with
``../shared/corpus`` present, its notebooks are seeds too.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nbprod.export.api  # noqa: F401 - imported once, up front, like every other module
from nbprod.cli import main
from nbprod.config import Settings
from nbprod.engine import check_notebook
from nbprod.notebook import NotebookError, notebook_from_data
from nbprod.notebook.load import notebook_from_bytes
from nbprod.reporters import FORMATS, reporter
from nbprod.results import FileResult
from tests.conftest import CORPUS, FIXTURES

LONG = os.environ.get("NBPROD_FUZZ") == "long"
BUDGET = float(os.environ.get("NBPROD_FUZZ_SECONDS", "1200"))
ALL = Settings(select=("ALL",), timeout_per_file=0, memory_per_file=0)
_BIGINT = "__nbprod_fuzz_bigint__"


def _seed_paths() -> list[Path]:
    paths = sorted((FIXTURES / "corpus").glob("*.ipynb")) + sorted(
        (FIXTURES / "export").glob("*.ipynb")
    )
    if LONG:
        for folder in (CORPUS / "notebooks", CORPUS.parent / "corpus-heavy" / "notebooks"):
            paths += sorted(p for p in folder.glob("*.ipynb") if p.stat().st_size < 2_000_000)
    return paths


SEEDS = _seed_paths()


@lru_cache(maxsize=None)
def _seed(index: int) -> str:
    return SEEDS[index].read_text(encoding="utf-8")


# -- hostile pieces ---------------------------------------------------------------------------

_DEPTHS = st.sampled_from([1, 2, 50, 99, 101, 150, 199, 201, 250, 500, 1000, 1000, 3000, 50_000])
_SNIPPETS: list[Callable[[int], str]] = [
    lambda n: "x = " + "[" * n + "]" * n,
    lambda n: "x = " + "(" * n,
    lambda n: "x = " + "-" * n + "1",
    lambda n: "x = " + "f(" * n + "1" + ")" * n,
    lambda n: "x = a" + ".b" * n,
    lambda n: "x = " + "+".join(["a"] * n),
    lambda n: "x = " + "lambda: " * min(n, 5000) + "1",
    lambda n: "x = a" + "[0]" * n,
    lambda n: "".join(" " * i + "if x:\n" for i in range(min(n, 300)))
    + " " * min(n, 300)
    + "y = 1",
    lambda n: "\n".join(f"v{i} = v{i - 1} + 1" for i in range(min(n, 5000))),
    lambda n: "def f():\n" + "    return g(" * 1 + "1" * min(n, 5000) + ")",
]
_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["\ud800", "a\udfffb", "\x00", "\r\n", "\ufeff", "é", "𝔘", "\u2028", "%%bash\nls",
         "!pip install x", "%time y = 1", "x = !ls", "obj?", "%%time\nz = 1", "#| export",
         "# nbprod: ignore[NBP105]", "# noqa", "global g", "await h()", "from m import *",
         "import numpy as np\nnp.random.rand(3)", "API_KEY = 'sk-0123456789abcdef0123456789abcdef'",
         "df = pd.read_csv('data/raw/x.csv')\ndf.to_csv('data/raw/x.csv')", "try:\n    f()\nexcept:\n    pass"]
    ),
)  # fmt: skip
_BROKEN = st.sampled_from(["print 'py2'", "x = (", "def f(:", "else:", "%%time", "obj??"])
_DEEP_SOURCE = st.builds(lambda f, n: f(n), st.sampled_from(_SNIPPETS), _DEPTHS)
_SOURCE = st.one_of(
    _TEXT,
    _DEEP_SOURCE,
    st.lists(_TEXT, max_size=4).map("\n".join),
    # a broken statement beside deep ones: analysis recovers the statements that parse
    st.lists(st.one_of(_TEXT, _DEEP_SOURCE, _BROKEN), min_size=2, max_size=4).map("\n".join),
)
_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
    st.just(_BIGINT),
)
_JSON = st.recursive(
    _LEAF,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.one_of(st.text(max_size=8), _TEXT), children, max_size=4),
    max_leaves=12,
)
_OUTPUT_KEYS = ["output_type", "text", "data", "ename", "evalue", "traceback", "name",
                "metadata", "execution_count"]  # fmt: skip
_OUTPUT_TYPES = ["stream", "execute_result", "display_data", "error", "update_display_data", 7]
_MIMES = ["text/plain", "text/html", "image/png", "application/json", "text/markdown",
          "application/vnd.jupyter.widget-view+json"]  # fmt: skip
_OUTPUT = st.one_of(
    st.fixed_dictionaries(
        {"output_type": st.sampled_from(_OUTPUT_TYPES)},
        optional={
            "text": st.one_of(_TEXT, st.lists(st.one_of(_TEXT, _LEAF), max_size=4), _JSON),
            "data": st.one_of(
                st.dictionaries(st.sampled_from(_MIMES), st.one_of(_TEXT, _JSON), max_size=3),
                _JSON,
            ),
            "ename": st.one_of(_TEXT, _LEAF),
            "evalue": st.one_of(_TEXT, _LEAF),
            "traceback": st.one_of(st.lists(st.one_of(_TEXT, _LEAF), max_size=3), _LEAF),
            "metadata": _JSON,
            "execution_count": _LEAF,
        },
    ),
    _JSON,
)
_TAGS = st.lists(
    st.one_of(
        st.sampled_from(["export", "export:mod", "export:mod:fn", "export:Bad", "export::",
                         "test", "parameters", "nbprod-ignore", "nbprod-ignore:NBP1,nope",
                         "export:config", "export:a:b:c"]),
        _LEAF,
    ),
    max_size=3,
)  # fmt: skip


# -- mutations: each takes (draw, notebook JSON) and returns the new JSON --------------------


def _paths(node: Any, limit: int = 400) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [()]
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, ())]
    while stack and len(found) < limit:
        value, path = stack.pop()
        items = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value) if isinstance(value, list) else ()
        )
        for key, child in items:
            found.append((*path, key))
            stack.append((child, (*path, key)))
    return found


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _inner_path(draw: Any, data: Any) -> tuple[Any, ...]:
    """A random node, most often inside a cell (mutating the top level is rarely loadable)."""
    paths = _paths(data)
    inner = [p for p in paths if len(p) >= 3 and (p[-2] != "source" or len(p) % 5 == 0)]
    if inner and draw(st.integers(0, 9)) > 0:
        return draw(st.sampled_from(inner))  # type: ignore[no-any-return]
    return draw(st.sampled_from(paths))  # type: ignore[no-any-return]


def _replace(draw: Any, data: Any) -> Any:
    path = _inner_path(draw, data)
    value = draw(_JSON)
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


def _delete(draw: Any, data: Any) -> Any:
    path = _inner_path(draw, data)
    if path:
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    return data


def _deepen(draw: Any, data: Any) -> Any:
    path = _inner_path(draw, data)
    depth = draw(st.sampled_from([10, 500, 990, 1500, 100_000]))
    value: Any = _get(data, path)
    for _ in range(min(depth, 2000)):
        value = [value]
    if depth > 2000:  # deeper than json can build in memory here: left to the loader
        try:
            return "[" * depth + json.dumps(data) + "]" * depth
        except (ValueError, RecursionError):  # already too deep to serialise
            return "[" * depth + "]" * depth
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


def _cells(data: Any) -> list[Any]:
    cells = data.get("cells") if isinstance(data, dict) else None
    return cells if isinstance(cells, list) else []


def _cell_source(draw: Any, data: Any) -> Any:
    cells = _cells(data)
    if not cells:
        return data
    cell = cells[draw(st.integers(0, len(cells) - 1))]
    if not isinstance(cell, dict):
        return data
    source = draw(_SOURCE)
    how = draw(st.sampled_from(["replace", "append", "prepend", "list", "code"]))
    old = cell.get("source")
    old_text = (
        "".join(old) if isinstance(old, list) and all(isinstance(s, str) for s in old) else ""
    )
    if how == "replace":
        cell["source"] = source
    elif how == "append":
        cell["source"] = old_text + "\n" + source
    elif how == "prepend":
        cell["source"] = source + "\n" + old_text
    elif how == "list":
        item = _TEXT if draw(st.integers(0, 4)) else st.one_of(_TEXT, _LEAF)
        cell["source"] = draw(st.lists(item, max_size=4))
    else:
        cell["cell_type"] = "code"
        cell["source"] = source
    return data


def _cell_outputs(draw: Any, data: Any) -> Any:
    cells = _cells(data)
    if not cells:
        return data
    cell = cells[draw(st.integers(0, len(cells) - 1))]
    if isinstance(cell, dict):
        cell["outputs"] = draw(st.one_of(st.lists(_OUTPUT, max_size=4), _JSON))
    return data


def _cell_meta(draw: Any, data: Any) -> Any:
    cells = _cells(data)
    if not cells:
        return data
    cell = cells[draw(st.integers(0, len(cells) - 1))]
    if isinstance(cell, dict):
        which = draw(st.sampled_from(["tags", "metadata", "execution_count", "cell_type", "id"]))
        if which == "tags":
            cell["metadata"] = {"tags": draw(_TAGS)}
        elif which == "metadata":
            cell["metadata"] = draw(_JSON)
        elif which == "execution_count":
            cell["execution_count"] = draw(_LEAF)
        elif which == "cell_type":
            cell["cell_type"] = draw(st.sampled_from(["code", "markdown", "raw", "heading", 3]))
        else:
            cell["id"] = draw(_LEAF)
    return data


def _notebook_meta(draw: Any, data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    which = draw(st.sampled_from(["nbformat", "metadata", "kernelspec", "ignore", "cells"]))
    if which == "nbformat":
        data["nbformat"] = draw(st.one_of(st.sampled_from([3, 4, 5, 2, "4", 4.0, True]), _LEAF))
    elif which == "metadata":
        data["metadata"] = draw(_JSON)
    elif which == "kernelspec":
        data["metadata"] = {
            "kernelspec": {"name": draw(_TEXT), "language": draw(st.one_of(_TEXT, _LEAF))},
            "language_info": draw(_JSON),
        }
    elif which == "ignore":
        data["metadata"] = {"nbprod": {"ignore": draw(st.one_of(_TAGS, _LEAF))}}
    else:
        cells = _cells(data)
        if cells:
            extra = draw(st.integers(0, len(cells) - 1))
            # shared, not copied: a copy of a 2,000-deep cell would exhaust the recursion limit
            data["cells"] = cells + [cells[extra]] * draw(st.integers(1, 3))
    return data


_MUTATIONS = [_replace, _replace, _delete, _deepen, _cell_source, _cell_source, _cell_source,
              _cell_outputs, _cell_outputs, _cell_outputs, _cell_meta, _cell_meta,
              _notebook_meta]  # fmt: skip


def _serialise(draw: Any, data: Any) -> bytes:
    if isinstance(data, str):  # _deepen built the text itself
        return data.encode("utf-8", "surrogatepass")
    ascii_only = draw(st.booleans())
    try:
        text = json.dumps(data, ensure_ascii=ascii_only, indent=draw(st.sampled_from([None, 1])))
    except (ValueError, RecursionError):
        text = "{}"
    text = text.replace(f'"{_BIGINT}"', "7" * 5000)
    raw = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none"] * 7 + ["bom", "truncate", "byte"]))
    if damage == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif damage == "byte" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    elif damage == "bom":
        raw = b"\xef\xbb\xbf" + raw
    return raw


_EXPORT_SEEDS = [i for i, p in enumerate(SEEDS) if p.parent.name == "export"]


@st.composite
def hostile_notebooks(draw: Any, tagged: bool = False) -> bytes:
    """A real notebook mutated 1-4 times, or a generated one, as the bytes of a file;
    ``tagged``: most often one of the notebooks with export tags."""
    if draw(st.integers(0, 9)) == 0:
        data: Any = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": draw(_SOURCE), "metadata": {"tags": draw(_TAGS)},
             "outputs": draw(st.lists(_OUTPUT, max_size=2)), "execution_count": draw(_LEAF)}
            for _ in range(draw(st.integers(0, 5)))]}  # fmt: skip
    elif tagged and draw(st.booleans()):
        data = json.loads(_seed(draw(st.sampled_from(_EXPORT_SEEDS))))
    else:
        data = json.loads(_seed(draw(st.integers(0, len(SEEDS) - 1))))
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(_MUTATIONS))(draw, data)
        if isinstance(data, str):
            break
    return _serialise(draw, data)


# -- the properties -------------------------------------------------------------------------


def _load(raw: bytes) -> Any:
    try:
        return notebook_from_bytes(raw, "fuzz.ipynb")
    except NotebookError:
        return None


def _render_all(results: list[FileResult]) -> None:
    for fmt in FORMATS:
        out = io.StringIO()
        reporter(fmt)(results, out, fmt == "text")
        text = out.getvalue()
        text.encode("utf-8")  # strict
        if fmt in ("json", "sarif"):
            json.loads(text)


def check_property(raw: bytes) -> None:
    nb = _load(raw)
    if nb is None:
        return
    result = check_notebook(nb, ALL)
    assert result.error is None or not result.error.startswith("internal error"), result.error
    _render_all([result, FileResult("other.ipynb", error="x"), FileResult("s", skipped="y")])


def export_property(raw: bytes, render_too: bool) -> None:
    from nbprod.export.plan import plan_export
    from nbprod.export.render import render

    nb = _load(raw)
    if nb is None:
        return
    plan = plan_export(nb, "pkg")  # refusals are fine; an exception is not
    for refusal in plan.refusals:
        refusal.message("fuzz.ipynb").encode("utf-8", "backslashreplace")
    if render_too and not plan.refusals:
        render(plan)


def cli_property(raw: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "hostile.ipynb").write_bytes(raw)
        good = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "source": "print(fuzz_sentinel)", "metadata": {},
             "outputs": [], "execution_count": 1}]}  # fmt: skip
        (root / "good.ipynb").write_text(json.dumps(good))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                ["check", "--no-cache", "--format", fmt, "--select", "ALL", "--jobs", "1", folder]
            )
        assert code in (0, 1, 2), err.getvalue()
        assert "internal error" not in err.getvalue() + out.getvalue(), err.getvalue()
        assert "fuzz_sentinel" in out.getvalue(), out.getvalue()[:500]
        assert "good.ipynb" in out.getvalue()
        out.getvalue().encode("utf-8")
        if fmt in ("json", "sarif"):
            json.loads(out.getvalue())
        if fmt == "text":  # and the export command on the same input: exports or refuses
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["export", str(root / "hostile.ipynb"), "--out", str(root / "pkg")])
            assert code in (0, 2), err.getvalue()
            assert "internal error" not in err.getvalue(), err.getvalue()
            assert (root / "pkg").exists() == (code == 0), err.getvalue()


# -- profiles --------------------------------------------------------------------------------

_SHORT = {"check": 500, "export": 100, "cli": 40}
_SHARE = {"check": 0.45, "export": 0.35, "cli": 0.20}
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
}


def _run(name: str, test: Callable[..., None], strategy: Any) -> None:
    """Short: one derandomized run. Long: fresh random runs until the time share is spent."""
    examples = [0]

    def example(value: Any) -> None:
        examples[0] += 1
        test(*value) if isinstance(value, tuple) else test(value)

    if not LONG:
        profile = settings(max_examples=_SHORT[name], derandomize=True, **_COMMON)
        profile(given(strategy)(example))()
        return
    started = time.monotonic()
    stop = started + BUDGET * _SHARE[name]
    runs = 0
    while time.monotonic() < stop:
        profile = settings(max_examples=100, derandomize=False, **_COMMON)
        profile(given(strategy)(example))()
        runs += 1
    took = time.monotonic() - started
    print(f"\nfuzz {name}: {examples[0]} examples in {runs} runs, {took:.0f} s: nothing found")


@contextlib.contextmanager
def _report(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    with capsys.disabled():
        yield


def test_fuzz_check_and_reporters(capsys: pytest.CaptureFixture[str]) -> None:
    with _report(capsys):
        _run("check", check_property, hostile_notebooks())


def test_fuzz_export_plans_or_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    with _report(capsys):
        _run(
            "export",
            export_property,
            st.tuples(
                hostile_notebooks(tagged=True), st.integers(0, 9).map(lambda n: LONG or n == 0)
            ),
        )


def test_fuzz_cli_exit_codes_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    with _report(capsys):
        _run("cli", cli_property, st.tuples(hostile_notebooks(), st.sampled_from(FORMATS)))


def test_the_seeds_are_real_notebooks_with_licenses() -> None:
    assert len(SEEDS) >= 40
    readme = (FIXTURES / "corpus" / "README.md").read_text(encoding="utf-8")
    for path in SEEDS:
        if path.parent == FIXTURES / "corpus":
            assert path.name in readme, path.name
        assert notebook_from_data(json.loads(_seed(SEEDS.index(path))), path.name).cells


if LONG and not (CORPUS / "notebooks").is_dir():  # pragma: no cover
    print("fuzz: ../shared/corpus is absent; seeding from tests/fixtures only")
