from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.io import FileAccess, in_directory, is_url, normalize
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

# Code and configuration the notebook may legitimately regenerate after reading it.
_NOT_DATA = frozenset({".py", ".ipynb", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".md"})
# Model artifacts: saving a model is no overwrite of data (a pickle counts when its name
# says it holds a model).
_MODEL_FILES = frozenset(
    {".pt", ".pth", ".h5", ".keras", ".ckpt", ".onnx", ".safetensors", ".joblib", ".pb", ".tflite"}
)


def _model_file(path: str) -> bool:
    stem, extension = posixpath.splitext(posixpath.basename(path).lower())
    return extension in _MODEL_FILES or (
        extension in (".pkl", ".pickle") and ("model" in stem or "estimator" in stem)
    )


# Calls in an `if` test that make the branches a cache: load it if it exists, else build it.
_EXISTENCE_CHECKS = frozenset({"exists", "isfile", "is_file", "isdir", "is_dir", "access"})
_DOWNLOADS = frozenset(
    {"requests.get", "httpx.get", "urllib.request.urlopen", "urllib.request.urlretrieve", "wget.download",
     "gdown.download", "pooch.retrieve", "keras.utils.get_file", "tensorflow.keras.utils.get_file"}
)  # fmt: skip
_DOWNLOAD_METHODS = frozenset(
    {"download", "download_file", "dataset_download_files", "competition_download_files"}
)
_READERS = ("pandas.read_", "polars.read_")
_DOWNLOAD_COMMANDS = re.compile(r"^(?:sudo\s+)?(?:wget|curl|kaggle|gsutil|aws|azcopy|gdown|dvc)\b")


class RawDataOverwrite(Rule):
    """## What it does
    Flags a write to a file the notebook read as input earlier, or into a raw-data
    directory (`raw-data-dirs`, default `data/raw`). Writes are `to_csv`, `to_parquet`,
    `np.save`, `open(..., "w")`, a `shutil.copy` target, `Path.write_text`, `joblib.dump`,
    `%%writefile`, ...; directories match as path components, so `../data/raw/x.csv` and
    `/home/me/project/data/raw/x.csv` are inside `data/raw`. Only paths that resolve
    statically are compared. Not reported: a file the notebook wrote before reading it
    (its own output), code and configuration files (`.py`, `.yaml`, ...), model files
    (`.pt`, `.h5`, `.keras`, `.joblib`, a `model*.pkl`, ...), a write
    guarded by an existence check (`if not os.path.exists(p): ... .to_csv(p)`) or in an
    `except` handler (a cache), and a write into the raw-data directory from a cell that
    downloads (`requests.get`, `!kaggle ... download`, `pd.read_csv(url)`): that is raw
    data arriving.

    ## Why is this bad?
    Raw data is the only ground truth. Overwriting it in place makes every earlier
    result irreproducible, and re-running the notebook then reads its own output as
    input: "Version your data! Don't overwrite raw datasets".

    ## Example
        df = pd.read_csv("data/raw/sales.csv")
        df.dropna().to_csv("data/raw/sales.csv")

    ## Use instead
        df.dropna().to_csv("data/interim/sales_clean.csv")
    """

    code = "NBP201"
    name = "raw-data-overwrite"
    area = ChecklistArea.DATA
    severity = Severity.ERROR
    checklist_item = "Version your data: never overwrite raw datasets"

    valid = [
        [
            'import pandas as pd\ndf = pd.read_csv("data/raw/a.csv")',
            'df.to_csv("data/interim/a.csv")',
        ],
        # the notebook's own output, read back later
        [
            'import pandas as pd\ndf = make()\ndf.to_csv("features.csv")',
            'df = pd.read_csv("features.csv")',
        ],
        # a cache: load if present, else build and save
        [
            "import os\nimport pandas as pd\nPATH = 'features.pkl'\n"
            "if os.path.exists(PATH):\n    df = pd.read_pickle(PATH)\nelse:\n"
            "    df = build()\n    df.to_pickle(PATH)"
        ],
        [
            "import pandas as pd\ntry:\n    df = pd.read_parquet('cache.parquet')\n"
            "except FileNotFoundError:\n    df = build()\n    df.to_parquet('cache.parquet')"
        ],
        # regenerated code and configuration are not data
        ["cfg = open('train.yaml').read()", "with open('train.yaml', 'w') as f:\n    f.write(cfg)"],
        # a URL is not a local file; a download written into the raw directory is raw data arriving
        [
            "import pandas as pd\ndf = pd.read_csv('https://example.org/a.csv')",
            "df.to_csv('a.csv')",
        ],
        [
            "import requests\nr = requests.get(URL)\nwith open('data/raw/a.csv', 'wb') as f:\n    f.write(r.content)",
            "import pandas as pd\npd.read_csv('https://example.org/b.csv').to_parquet('data/raw/b.parquet')",
            "!kaggle datasets download -d acme/c -p data/raw\nimport shutil\nshutil.move('c.zip', 'data/raw/c.zip')",
        ],
        # unresolved paths are not compared
        ["import pandas as pd\nfor name in names:\n    pd.read_csv(name).dropna().to_csv(name)"],
        [
            'import pandas as pd\ndf = pd.read_csv("data/raw_v2/a.csv")\ndf.to_csv("data/rawer/a.csv")'
        ],
        # a model saved next to the data it was trained on is no overwrite of data
        [
            "import joblib\nm = joblib.load('data/raw/model.pkl')\njoblib.dump(m, 'data/raw/model.pkl')",
            "model.save('data/raw/net.keras')",
        ],
    ]
    invalid = [
        Invalid(
            ['import pandas as pd\ndf = pd.read_csv("a.csv")', 'df.dropna().to_csv("./a.csv")'],
            at=[(1, 1, 20)],
        ),
        Invalid(
            [
                "from pathlib import Path\nimport numpy as np\nRAW = Path('..') / 'data' / 'raw'",
                "np.save(RAW / 'x.npy', x)",
                "(RAW / 'notes.txt').write_text('cleaned')",
                "%%writefile ../data/raw/schema.json\n{}",
            ],
            at=[(1, 1, 9), (2, 1, 2), (3, 1)],
        ),
        Invalid(
            ["import shutil\nshutil.copy('export.csv', '/srv/project/data/raw/customers.csv')"],
            at=[(0, 2, 27)],
        ),
        Invalid(
            [
                "import joblib\nimport os\nDATA = 'data'\nm = joblib.load(os.path.join(DATA, 'm.pkl'))\njoblib.dump(m, f'{DATA}/m.pkl')"
            ],
            at=[(0, 5, 16)],
        ),
        Invalid(
            [
                "with open('log.txt') as f:\n    old = f.read()",
                "with open('log.txt', 'a') as f:\n    f.write('x')",
            ],
            at=[(1, 1, 11)],
        ),
        Invalid(
            [
                "import pandas as pd\npd.read_csv('data/raw/a.csv').dropna().to_csv('data/raw/a.csv')"
            ],
            at=[(0, 2, 47)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        accesses = [
            (a, a.path) for a in nb.file_accesses if a.path is not None and not is_url(a.path)
        ]
        if not any(a.mode == "write" for a, _ in accesses):
            return
        first_read: dict[str, FileAccess] = {}
        first_write: dict[str, FileAccess] = {}
        for access, path in sorted(accesses, key=lambda pair: pair[0].order):
            (first_read if access.mode == "read" else first_write).setdefault(
                normalize(path), access
            )
        for access, path in accesses:
            if access.mode != "write" or _model_file(path):
                continue
            key = normalize(path)
            read = first_read.get(key)
            if not (
                read is not None
                and first_write[key] is access  # the first write, after the notebook read the file:
                and read.order
                < access.order  # it was input, not the notebook's own output read back
                and posixpath.splitext(key)[1].lower() not in _NOT_DATA
            ):
                read = None
            raw_dir = in_directory(path, self.settings.raw_data_dirs)
            if read is None and (raw_dir is None or _acquires(nb, access.facts)):
                continue
            if _is_cache(access.facts, access.call):
                continue
            if read is not None:
                inside = f" in the raw-data directory '{raw_dir}'" if raw_dir is not None else ""
                message = (
                    f"{access.api} overwrites '{path}'{inside}, which cell {read.facts.cell.number} reads as"
                    " input: write derived data to a new file"
                )
            else:
                verb = "deletes" if access.api == "os.remove" else "writes"
                message = (
                    f"{access.api} {verb} '{path}' in the raw-data directory '{raw_dir}': keep raw data"
                    " read-only, write derived data elsewhere"
                )
            yield self.at_node(nb, access.facts, access.node, message)


def _acquires(nb: AnalyzedNotebook, facts: CellFacts) -> bool:
    """Whether the cell downloads something: writing a download into the raw-data
    directory is how raw data arrives, not how it is overwritten."""
    for call in facts.calls:
        if call.attr in _DOWNLOAD_METHODS or (
            call.dotted and nb.qualify(call.dotted) in _DOWNLOADS
        ):
            return True
        if call.dotted and nb.qualify(call.dotted).startswith(_READERS):
            first = call.node.args[0] if call.node.args else None
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and is_url(first.value)
            ):
                return True
    return any(
        magic.kind == "shell" and _DOWNLOAD_COMMANDS.search(magic.args) for magic in facts.magics
    )


def _is_cache(facts: CellFacts, call: ast.Call) -> bool:
    """Whether ``call`` runs only when a file is missing: under an existence test or in an
    ``except`` handler."""
    if facts.tree is None:
        return False
    stack: list[tuple[ast.AST, bool]] = [(stmt, False) for stmt in facts.tree.body]
    while stack:
        node, guarded = stack.pop()
        if node is call:
            return guarded
        if isinstance(node, ast.If) and _tests_existence(node.test):
            guarded = True
        if isinstance(node, ast.ExceptHandler):
            guarded = True
        stack.extend((child, guarded) for child in ast.iter_child_nodes(node))
    return False


def _tests_existence(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id if isinstance(func, ast.Name) else None
            )
            if name in _EXISTENCE_CHECKS:
                return True
    return False
