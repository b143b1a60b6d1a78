"""Each fix, before and after, on a notebook, through the rounds ``check --fix`` runs."""

from __future__ import annotations

import pytest

from nbprod.fixes.unpinned_install import installed_version

from .notebooks import ERROR, cell, fix, notebook, sources


def test_empty_cell_is_deleted() -> None:
    data = notebook(cell("x = 1"), cell("  \n", count=2), cell("y = x", count=3))
    result, applied = fix(data, select=("NBP503",))
    assert sources(data) == ["x = 1", "y = x"]
    assert [a.code for a in applied] == ["NBP503"] and not result.findings


@pytest.mark.parametrize("code", ["NBP107", "NBP502"])
def test_stored_error_and_large_outputs_are_cleared_keeping_the_count(code: str) -> None:
    big = {"output_type": "stream", "name": "stdout", "text": "0123456789\n" * 60_000}
    output = ERROR if code == "NBP107" else big
    data = notebook(cell("x = 1\nx", count=4, outputs=[output]))
    result, applied = fix(data, select=(code,))
    assert data["cells"][0]["outputs"] == [] and data["cells"][0]["execution_count"] == 4
    assert sources(data) == ["x = 1\nx"]
    assert [a.code for a in applied] == [code] and not result.findings


def test_unseeded_calls_get_the_seed_and_a_new_parameters_cell() -> None:
    data = notebook(
        cell("from sklearn.model_selection import train_test_split\nimport numpy as np"),
        cell("a, b = train_test_split(X)\nrng = np.random.default_rng()", count=2),
    )
    result, applied = fix(data, select=("NBP302",))
    assert sources(data) == [
        "from sklearn.model_selection import train_test_split\nimport numpy as np",
        "SEED = 42",
        "a, b = train_test_split(X, random_state=SEED)\nrng = np.random.default_rng(SEED)",
    ]
    new = data["cells"][1]
    assert new["metadata"] == {"tags": ["parameters"]} and new["id"] == "parameters"
    assert new["execution_count"] is None and new["outputs"] == []
    assert len(applied) == 2 and not result.findings


def test_the_seed_goes_to_the_existing_parameters_cell_once() -> None:
    data = notebook(
        cell("EPOCHS = 3", tags=["parameters"]),
        cell("from sklearn.cluster import KMeans\nKMeans()\nKMeans(4)", count=2),
    )
    fix(data, select=("NBP302",))
    assert sources(data) == [
        "EPOCHS = 3\nSEED = 42",
        "from sklearn.cluster import KMeans\nKMeans(random_state=SEED)\nKMeans(4, random_state=SEED)",
    ]


def test_a_seed_defined_above_is_reused() -> None:
    data = notebook(cell("SEED = 7\nfrom sklearn.cluster import KMeans"), cell("KMeans()", 2))
    fix(data, select=("NBP302",))
    assert sources(data) == [
        "SEED = 7\nfrom sklearn.cluster import KMeans",
        "KMeans(random_state=SEED)",
    ]


def test_a_draw_from_a_global_generator_has_no_fix() -> None:
    data = notebook(
        cell("import numpy as np"),
        cell("noise = np.random.rand(3)\nmodel.fit(X + noise, y)", count=2),
    )
    before = sources(data)
    result, applied = fix(data, select=("NBP302",))
    assert sources(data) == before and not applied
    assert [f.code for f in result.findings] == ["NBP302"] and result.findings[0].fix is None


def test_unpinned_install_is_pinned_to_the_installed_version() -> None:
    version = installed_version("libcst")
    assert version is not None
    data = notebook(cell("%pip install -q libcst 'jsonschema[format]'\nimport libcst"))
    result, applied = fix(data, select=("NBP403",))
    pinned = installed_version("jsonschema")
    assert sources(data) == [
        f"%pip install -q libcst=={version} 'jsonschema[format]=={pinned}'\nimport libcst"
    ]
    assert not result.findings and applied[0].message.startswith(f"pin libcst=={version}")


@pytest.mark.parametrize(
    "line",
    [
        "!pip install libcst surely-not-installed-nbprod-test",  # unknown: no version to pin
        "!pip install 'libcst>=1'",  # a range: which version is not ours to choose
        "!conda install -y libcst",  # conda names and versions are not pip's
    ],
)
def test_an_install_that_cannot_be_fully_pinned_has_no_fix(line: str) -> None:
    data = notebook(cell(line))
    result, applied = fix(data, select=("NBP403",))
    assert sources(data) == [line] and not applied
    assert [f.code for f in result.findings] == ["NBP403"]


def test_function_not_exported_tags_the_cell_once() -> None:
    data = notebook(cell("def f():\n    pass\n\nclass A:\n    pass"))
    data["cells"][0]["metadata"] = {"collapsed": True}
    result, applied = fix(data, select=("NBP406",))
    assert data["cells"][0]["metadata"] == {"collapsed": True, "tags": ["export"]}
    assert len(applied) == 2 and not result.findings


def test_magic_lines_are_kept_byte_for_byte() -> None:
    source = (
        "%%time\n!echo  'x'  \nfrom sklearn.cluster import KMeans\nKMeans()\n%matplotlib inline"
    )
    data = notebook(cell(source))
    fix(data, select=("NBP302",))
    lines = sources(data)[-1].split("\n")
    assert lines == [*source.split("\n")[:3], "KMeans(random_state=SEED)", "%matplotlib inline"]


def test_silent_failure_is_fixed_only_with_unsafe_fixes() -> None:
    data = notebook(cell("try:\n    f()\nexcept:\n    pass"))
    result, applied = fix(data, select=("NBP401",))
    assert not applied and result.findings[0].fix is not None
    assert result.findings[0].fix["applicability"] == "unsafe"
    result, applied = fix(data, select=("NBP401",), unsafe=True)
    assert sources(data) == ["try:\n    f()\nexcept Exception:\n    raise"]
    assert [a.code for a in applied] == ["NBP401"] and not result.findings


def test_a_blanket_warnings_filter_has_no_fix() -> None:
    data = notebook(cell("import warnings\nwarnings.filterwarnings('ignore')"))
    result, applied = fix(data, select=("NBP401",), unsafe=True)
    assert not applied and result.findings[0].fix is None


def test_hardcoded_secret_reads_the_environment_and_imports_os_once() -> None:
    data = notebook(
        cell('WANDB_API_KEY = "3f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d0f1a"'),
        cell('s3 = boto3.client("s3", aws_access_key_id="AKIAZ3MSJV4WWNKSHS4F")', count=2),
    )
    result, applied = fix(data, select=("NBP404",), unsafe=True)
    assert sources(data) == [
        'import os\nWANDB_API_KEY = os.environ["WANDB_API_KEY"]',
        's3 = boto3.client("s3", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"])',
    ]
    assert "revoke" in applied[0].message and not result.findings


def test_absolute_paths_share_one_data_dir_parameter_below_title_and_imports() -> None:
    data = notebook(
        cell(
            "# Churn\n\nPredict churn from usage, measured by AUC on a held-out month.",
            kind="markdown",
        ),
        cell("import pandas as pd"),
        cell("df = pd.read_csv('/home/alice/data/train.csv')", count=2),
        cell(
            "test = pd.read_csv('/home/alice/data/test/x.csv')\nout = '/Users/bob/out.csv'", count=3
        ),
    )
    result, applied = fix(data, select=("NBP202",), unsafe=True)
    assert sources(data) == [
        data["cells"][0]["source"],
        "import pandas as pd",
        'import os\nDATA_DIR = os.getenv("DATA_DIR", "/home/alice/data")',
        "df = pd.read_csv(f'{DATA_DIR}/train.csv')",
        "test = pd.read_csv(f'{DATA_DIR}/test/x.csv')\nout = '/Users/bob/out.csv'",
    ]
    assert data["cells"][2]["metadata"] == {"tags": ["parameters"]}
    assert len(applied) == 2
    # a folder other than DATA_DIR's is left to the user
    [left] = result.findings
    assert (left.code, left.cell_index, left.line, left.fix) == ("NBP202", 4, 2, None)


def test_hyperparameters_move_to_the_parameters_cell_call_by_call() -> None:
    data = notebook(
        cell("EPOCHS = 3", tags=["parameters"]),
        cell("from sklearn.svm import SVC\nfrom sklearn.ensemble import RandomForestClassifier"),
        cell("a = SVC(C=10)\nb = RandomForestClassifier(n_estimators=500)\nb.fit(X, y)", count=2),
    )
    result, applied = fix(data, select=("NBP303",), unsafe=True)
    assert sources(data) == [
        "EPOCHS = 3\nC = 10\nN_ESTIMATORS = 500",
        "from sklearn.svm import SVC\nfrom sklearn.ensemble import RandomForestClassifier",
        "a = SVC(C=C)\nb = RandomForestClassifier(n_estimators=N_ESTIMATORS)\nb.fit(X, y)",
    ]
    assert len(applied) == 2 and not result.findings


def test_a_hyperparameter_name_holding_another_value_is_not_reused() -> None:
    data = notebook(
        cell("N_ESTIMATORS = 300\nfrom sklearn.ensemble import RandomForestClassifier"),
        cell("RandomForestClassifier(n_estimators=500)", count=2),
    )
    result, applied = fix(data, select=("NBP303",), unsafe=True)
    assert not applied and result.findings[0].fix is None


def test_the_seed_goes_to_the_argument_the_library_takes() -> None:
    data = notebook(
        cell("from datasets import load_dataset\nfrom transformers import Trainer"),
        cell(
            "ds = load_dataset('imdb')['train']\nsplits = ds.train_test_split(test_size=0.2)\n"
            "train = splits['train'].shuffle()",
            count=2,
        ),
        cell("trainer = Trainer(model=model, args=args, train_dataset=train)\ntrainer.train()", 3),
    )
    result, applied = fix(data, select=("NBP302",))
    assert sources(data)[2] == (
        "ds = load_dataset('imdb')['train']\nsplits = ds.train_test_split(test_size=0.2, seed=SEED)\n"
        "train = splits['train'].shuffle(seed=SEED)"
    )
    assert len(applied) == 2 and not result.findings


def test_a_dataloader_gets_no_number_for_its_generator() -> None:
    data = notebook(
        cell("import torch\nfrom torch.utils.data import DataLoader"),
        cell("loader = DataLoader(train_ds, batch_size=B, shuffle=True)", count=2),
        cell(
            "def train_epoch():\n    for x, y in loader:\n        loss_fn(model(x), y).backward()\n"
            "        opt.step()",
            count=3,
        ),
        cell("for epoch in range(E):\n    train_epoch()", count=4),
    )
    result, applied = fix(data, select=("NBP302",))
    assert not applied and [f.fix for f in result.findings] == [None]
