"""File I/O facts: which calls read or write files, and which paths resolve statically."""

from __future__ import annotations

import pytest

from nbprod.analysis import AnalyzedNotebook
from nbprod.analysis.io import in_directory, is_url, normalize, path_resolver
from nbprod.notebook import notebook_from_data
from nbprod.rules.base import Example


def _nb(*cells: str) -> AnalyzedNotebook:
    return AnalyzedNotebook(notebook_from_data(Example(cells).notebook_json(), "t.ipynb"))


def _accesses(*cells: str) -> list[tuple[str, str | None, str]]:
    return [(a.mode, a.path, a.api) for a in _nb(*cells).file_accesses]


def test_paths_resolve_through_constants_joins_and_fstrings() -> None:
    found = _accesses(
        "import os\nimport pandas as pd\nfrom pathlib import Path\nDATA = 'data'\nRAW = Path(DATA) / 'raw'",
        "a = pd.read_csv(os.path.join(DATA, 'raw', 'a.csv'))\n"
        "b = pd.read_parquet(RAW / 'b.parquet')\n"
        "c = pd.read_json(f'{DATA}/c.json')\n"
        "d = pd.read_csv(DATA + '/d.csv')\n"
        "e = pd.read_csv(RAW.joinpath('e', 'e.csv'))\n"
        "f = pd.read_csv(os.path.expanduser('~/f.csv'))",
    )
    assert [p for _, p, _ in found] == [
        "data/raw/a.csv", "data/raw/b.parquet", "data/c.json", "data/d.csv", "data/raw/e/e.csv", "~/f.csv",
    ]  # fmt: skip


def test_unresolvable_paths_are_none() -> None:
    found = _accesses(
        "import pandas as pd\nP = 'a.csv'\nP = 'b.csv'\nfor name in names:\n    pd.read_csv(name)",
        "pd.read_csv(P)\npd.read_csv(f'{P!r}')\npd.read_csv(get_path())",
    )
    assert [p for _, p, _ in found] == [None, None, None, None]


def test_open_modes_and_path_methods() -> None:
    found = _accesses(
        "from pathlib import Path\nP = Path('notes.txt')\n"
        "open('a.txt')\nopen('b.txt', 'w')\nopen('c.txt', mode='a')\nopen('d.txt', 'r+')\nopen('e.bin', 'rb')\n"
        "P.write_text('x')\nP.read_text()\nP.open('w')\nP.open()\nopen('f.txt', MODE)"
    )
    assert found == [
        ("read", "a.txt", "open"),
        ("write", "b.txt", "open"),
        ("write", "c.txt", "open"),
        ("write", "d.txt", "open"),
        ("read", "e.bin", "open"),
        ("write", "notes.txt", ".write_text"),
        ("read", "notes.txt", ".read_text"),
        ("write", "notes.txt", ".open"),
        ("read", "notes.txt", ".open"),
    ]  # open with an unknown mode is neither


def test_writer_functions_take_the_right_argument() -> None:
    found = _accesses(
        "import joblib, shutil\nimport numpy as np\n"
        "joblib.dump(model, 'm.pkl')\nnp.save('x.npy', x)\nshutil.copy('src.csv', 'dst.csv')\n"
        "df.to_csv('out.csv')\nds.to_netcdf(path='out.nc')\nz = zipfile.ZipFile(f).open('member')"
    )
    assert found == [
        ("write", "m.pkl", "joblib.dump"),
        ("write", "x.npy", "numpy.save"),
        ("write", "dst.csv", "shutil.copy"),
        ("write", "out.csv", ".to_csv"),
        ("write", "out.nc", ".to_netcdf"),
    ]


def test_writefile_targets_and_ipython_expansion() -> None:
    nb = _nb("%%writefile -a src/train.py\nprint(1)", "%%writefile $folder/x.csv\na,b", "x = 1")
    assert [(a.mode, a.path, a.api) for a in nb.file_accesses] == [
        ("write", "src/train.py", "%%writefile"),
        ("write", None, "%%writefile"),
    ]
    first = nb.file_accesses[0]
    assert first.facts.position(first.node)[:2] == (1, 1)


def test_order_is_the_position_of_the_path_in_the_document() -> None:
    nb = _nb(
        "import pandas as pd\ndf = pd.read_csv('a.csv')", "pd.read_csv('b.csv').to_csv('b.csv')"
    )
    ordered = sorted(nb.file_accesses, key=lambda a: a.order)
    assert [(a.mode, a.path) for a in ordered] == [
        ("read", "a.csv"),
        ("read", "b.csv"),
        ("write", "b.csv"),
    ]


def test_the_resolver_is_shared_per_notebook() -> None:
    nb = _nb("x = 1")
    assert path_resolver(nb) is path_resolver(nb)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("./data//raw/a.csv", "data/raw/a.csv"),
        ("data/raw/", "data/raw"),
        ("data\\raw\\a.csv", "data/raw/a.csv"),
        ("../data/interim/../raw/a.csv", "../data/raw/a.csv"),
        ("file:///srv/a.csv", "/srv/a.csv"),
        (".", ""),
    ],
)
def test_normalize(path: str, expected: str) -> None:
    assert normalize(path) == expected


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("data/raw/a.csv", True),
        ("./data/raw", True),
        ("../../data/raw/2024/a.csv", True),
        ("/home/me/project/data/raw/a.csv", True),
        ("C:\\work\\data\\raw\\a.csv", True),
        ("data/raw_v2/a.csv", False),
        ("mydata/raw/a.csv", False),
        ("data/interim/a.csv", False),
        ("https://example.org/data/raw/a.csv", False),
        ("file:///srv/project/data/raw/a.csv", True),
    ],
)
def test_in_directory_matches_path_components(path: str, inside: bool) -> None:
    assert (in_directory(path, ["data/raw"]) == "data/raw") is inside


def test_in_directory_with_an_absolute_directory_needs_a_prefix() -> None:
    assert in_directory("/mnt/lake/raw/a.csv", ["/mnt/lake/raw"]) == "/mnt/lake/raw"
    assert in_directory("/backup/mnt/lake/raw/a.csv", ["/mnt/lake/raw"]) is None


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("https://a.org/x.csv", True),
        ("s3://b/x", True),
        ("dbfs:/mnt/x", True),
        ("file:///srv/x.csv", False),
        ("C:\\x.csv", False),
        ("x.csv", False),
    ],
)
def test_is_url(path: str, url: bool) -> None:
    assert is_url(path) is url
