"""IPython syntax as IPython sees it: nbprod's masking against IPython's own transforms.

IPython turns a cell into Python with its input transformers (``%``, ``!``, ``?``) and,
for a cell of one line, automagic (``pip install x``). A cell IPython can run must parse
after nbprod's masking, and a cell IPython cannot run must not.
"""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import pytest

from nbprod.notebook.ipython import AUTOMAGICS, mask

IPython = pytest.importorskip("IPython")
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="module")
def shell():  # type: ignore[no-untyped-def]
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def parses(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def nbprod_parses(source: str) -> bool:
    if parses(source):
        return True
    masked = mask(source)
    return not masked.python or parses(masked.text)


def ipython_parses(shell, source: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        return parses(shell.transform_cell(source))
    except Exception:  # IPython's transformers give up on some broken cells
        return False


CASES = [
    "pip install pandas",
    "\n  pip install -q scikit-learn==1.5\n",
    "cd data",
    "ls",
    "ls -la /tmp",
    "pwd",
    "run train.py --epochs 3",
    "load_ext autoreload",
    "conda install -y numpy",
    "pip install x  # a comment",
    "# install first\npip install pandas",  # two lines: IPython does not automagic it
    "import os\nls",
    "foo bar",
    "print 'python 2'",
    "!pip install x\nimport x",
    "%%bash\nls",
    "df?",
]


@pytest.mark.parametrize("source", CASES)
def test_masked_cells_parse_exactly_when_ipython_runs_them(shell, source: str) -> None:  # type: ignore[no-untyped-def]
    assert nbprod_parses(source) == ipython_parses(shell, source)


def test_automagic_cells_are_magics_with_their_arguments() -> None:
    masked = mask("pip install pandas==2.2.3")
    assert [(m.kind, m.name, m.args, m.line, m.column) for m in masked.magics] == [
        ("line", "pip", "install pandas==2.2.3", 1, 1)
    ]


def test_the_automagic_list_is_ipythons(shell) -> None:  # type: ignore[no-untyped-def]
    ipython = set(shell.magics_manager.magics["line"])
    assert ipython - AUTOMAGICS == set()  # a kernel adds a few more (clear, less, ...)


def test_every_code_cell_of_both_corpora_agrees_with_ipython(shell) -> None:  # type: ignore[no-untyped-def]
    folders = [SHARED / "corpus" / "notebooks", SHARED / "corpus-heavy" / "notebooks"]
    if not all(f.is_dir() for f in folders):
        pytest.skip(f"the corpora are not at {SHARED} (beside the developers' checkout only)")
    checked, disagree = 0, []
    for folder in folders:
        for path in sorted(folder.glob("*.ipynb")):
            for index, cell in enumerate(json.loads(path.read_bytes()).get("cells", [])):
                if cell.get("cell_type") != "code":
                    continue
                source = (
                    cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                )
                checked += 1
                if nbprod_parses(source) != ipython_parses(shell, source):
                    disagree.append(f"{path.name} cell {index + 1}: {source[:60]!r}")
    assert checked > 6000
    assert disagree == []
