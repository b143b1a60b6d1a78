from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.io import is_url, normalize
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

# Paths that exist on one person's machine or one hosted platform only. Dot-directories
# in the home (`~/.kaggle`, `~/.keras`) are tools' conventional locations: portable.
_MACHINE = re.compile(
    r"""^(?:
        ~[^/\\\s]*[/\\](?!\.)[^/\\\s]          # ~/data, ~alice/data
      | /(?:home|Users)/[^/\s]+                # /home/alice, /Users/alice
      | /root/(?!\.)[^/\s]                     # root's home (containers, Colab)
      | /content(?:/[^/\s]|/?$)               # Google Colab (`os.chdir("/content")` too)
      | /kaggle/(?:input|working|temp)(?:/|$)  # Kaggle kernels
      | /Workspace/Users/                      # Databricks user folders
      | /Volumes/[^/\s]+/                      # macOS drives
      | /media/[^/\s]+/[^/\s]                  # removable drives
      | /mnt/[a-zA-Z]/                         # WSL view of Windows drives
      | [A-Za-z]:[\\/][^\\/\s]                 # C:\Users\..., D:/data
      | \\\\[^\\\s]+\\                         # \\server\share
    )""",
    re.X,
)
# Absolute paths that are the same everywhere: system locations, container contracts
# (SageMaker's /opt/ml), platform storage mounts (Databricks' /dbfs, cloud mounts).
_PORTABLE_ROOTS = (
    "/tmp/", "/var/", "/dev/", "/proc/", "/sys/", "/etc/", "/usr/", "/bin/", "/lib/",
    "/opt/", "/run/", "/dbfs/", "/mnt/",
)  # fmt: skip
# Calls whose path argument probes the environment rather than depending on it.
_PROBES = frozenset(
    {"exists", "isdir", "isfile", "is_dir", "is_file", "startswith", "endswith", "mount"}
)
_SHELL_CELLS = frozenset({"bash", "sh", "script", "system"})
_TOKEN = re.compile(r"[^\s'\"=]+")


class AbsolutePath(Rule):
    """## What it does
    Flags file paths tied to one machine: home directories, Windows drives, hosted
    workspaces, and absolute paths passed to file reads or writes. That is a literal, in code
    or in a shell line, that starts with a home directory (`/home/alice/...`,
    `/Users/alice/...`, `~/data/...`), a Windows drive (`C:\\...`) or a hosted platform's
    workspace (`/content/...` on Colab, `/kaggle/input/...`); and any absolute path that
    reaches file I/O (`pd.read_csv("/data/x.csv")`, `open(os.path.join("/srv", name))`).
    URLs and cloud URIs are not paths; system and container locations (`/tmp`, `/dev`,
    `/etc`, `/opt/ml`, `/dbfs`, `/mnt`) are the same everywhere and are skipped, as are
    tools' dot-directories in the home (`~/.kaggle`) and paths that are only tested
    (`os.path.exists("/content")`).

    ## Why is this bad?
    The notebook runs only on the machine it was written on: a colleague, the CI or the
    production job fails on the first read. Reproducible results need the data location
    to be part of the project or of its configuration.

    ## Example
        df = pd.read_csv("/home/alice/projects/churn/data/raw/customers.csv")

    ## Use instead
        DATA_DIR = Path("data/raw")  # relative to the project, or a `parameters` cell
        df = pd.read_csv(DATA_DIR / "customers.csv")
    """

    code = "NBP202"
    name = "absolute-path"
    area = ChecklistArea.DATA
    severity = Severity.WARNING
    checklist_item = "Reproducible results: code, environment, data"

    valid = [
        [
            "import pandas as pd\ndf = pd.read_csv('data/raw/a.csv')",
            "df.to_csv('../interim/a.csv')",
        ],
        [
            "import pandas as pd\ndf = pd.read_csv('https://example.org/a.csv')\nb = pd.read_parquet('s3://bucket/b.parquet')"
        ],
        [
            "import numpy as np, shutil\nnp.save('/tmp/scratch.npy', x)\nopen('/dev/null', 'w')\nshutil.copy('a.csv', '/tmp')"
        ],
        [
            "import os\nKAGGLE = os.path.expanduser('~/.kaggle/kaggle.json')",
            "!mkdir ~/.kaggle\n!cp kaggle.json ~/.kaggle/",
        ],
        [
            "import os\nIN_COLAB = os.path.exists('/content/drive')\nif str(p).startswith('/home/'):\n    pass"
        ],
        [
            "from google.colab import drive\ndrive.mount('/content/drive')\ndrive.mount(mountpoint='/content/gdrive')"
        ],
        [
            "import pandas as pd\ndf = pd.read_csv('/dbfs/mnt/lake/a.csv')\nm = open('/opt/ml/model/m.bin', 'rb')"
        ],
        [
            'print("saved to /home/alice/out.csv")\nmsg = "see C: drive"\nlog_dir = "/full_path_to_your_log_dir"'
        ],
        ['"""Reads /home/alice/x.csv\nand more."""'],
        [
            "import os\nDATA = os.getenv('DATA_DIR', '/home/alice/data')\nOUT = os.environ.get('OUT', '~/out')"
        ],
    ]
    invalid = [
        Invalid(
            [
                code_cell(
                    "import pandas as pd\ndf = pd.read_csv('/home/alice/projects/churn/data.csv')",
                    count=None,
                )
            ],
            at=[(0, 2, 18)],
        ),
        Invalid(
            [
                "import os\nBASE = '/Users/fchollet/Downloads/cats'",
                "import shutil\nshutil.copyfile(os.path.join(BASE, 'a.jpg'), 'small/a.jpg')",
                "food = pd.read_csv('~/Desktop/food.tsv', sep='\\t')",
                r"raw = open('C:\\Users\\bob\\data.csv')",
                "img = f'/content/drive/MyDrive/{name}.png'",
            ],
            at=[(0, 2, 8), (2, 1, 20), (3, 1, 12), (4, 1, 7)],
        ),
        Invalid(
            [
                "import os\nimport pandas as pd\nROOT = '/data'\ndf = pd.read_csv(os.path.join(ROOT, 'train.csv'))"
            ],
            at=[(0, 4, 18)],
        ),
        Invalid(
            ["!cp /home/alice/train.csv data/raw/\n%cd /kaggle/working"], at=[(0, 1, 5), (0, 2, 5)]
        ),
        Invalid(["%%bash\nwc -l data.csv\nhead /Users/bob/train.csv"], at=[(0, 3, 6)]),
        # moving into Colab's workspace ties every relative path after it to Colab
        Invalid(["import os\nos.chdir('/content')"], at=[(0, 2, 10)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        flagged: list[str] = []
        for facts in nb.cells:
            yield from self._literals(nb, facts, flagged)
            yield from self._shell(nb, facts)
        covered = tuple(normalize(v) for v in flagged)
        for access in nb.file_accesses:
            path = access.path
            if path is None or is_url(path) or not _is_absolute(path):
                continue
            normal = normalize(path)
            if any(normal == v or normal.startswith(v.rstrip("/") + "/") for v in covered):
                continue  # already reported where the literal is written
            if (normal + "/").startswith(_PORTABLE_ROOTS) and _MACHINE.match(path) is None:
                continue
            if normal.startswith("~") and _MACHINE.match(normal) is None:
                continue  # a dot-directory of the home
            yield self.at_node(
                nb,
                access.facts,
                access.node,
                f"{access.api} uses the absolute path {_show(path)}: {_ADVICE}",
            )

    def _literals(
        self, nb: AnalyzedNotebook, facts: CellFacts, flagged: list[str]
    ) -> Iterator[Finding]:
        candidates = [(v, n) for v, n in facts.strings if "\n" not in v and _MACHINE.match(v)]
        if not candidates or facts.tree is None:
            return
        parents = {
            id(child): parent
            for parent in ast.walk(facts.tree)
            for child in ast.iter_child_nodes(parent)
        }
        for value, node in candidates:
            target: ast.expr = node
            parent = parents.get(id(node))
            if isinstance(parent, ast.JoinedStr):
                if parent.values[0] is not node:
                    continue
                target = parent
                parent = parents.get(id(parent))
            if isinstance(parent, ast.keyword):
                parent = parents.get(id(parent))
            if isinstance(parent, ast.Expr) or isinstance(parent, ast.Compare):
                continue  # a docstring, or a comparison that probes the environment
            if isinstance(parent, ast.Call) and _callee(parent) in _PROBES:
                continue
            if isinstance(parent, ast.Call) and _callee(parent) in ("print", "getenv", "get"):
                continue  # a message, or the default of a setting read from the environment
            flagged.append(value)
            yield self.at_node(
                nb, facts, target, f"machine-specific path {_show(value)}: {_ADVICE}"
            )

    def _shell(self, nb: AnalyzedNotebook, facts: CellFacts) -> Iterator[Finding]:
        lines: list[int] = [m.line for m in facts.magics if m.kind in ("shell", "line")]
        if not facts.python and facts.magics and facts.magics[0].name in _SHELL_CELLS:
            lines.extend(range(facts.magics[0].line + 1, facts.cell.source.count("\n") + 2))
        if not lines:
            return
        text = facts.cell.source.split("\n")
        for number in lines:
            for token in _TOKEN.finditer(text[number - 1]):
                if _MACHINE.match(token.group()):
                    column = token.start() + 1
                    message = f"machine-specific path {_show(token.group())}: {_ADVICE}"
                    yield self.finding(
                        nb, facts.cell, message, number, column, number, token.end() + 1
                    )


_ADVICE = "the notebook will not run on another machine; use a path relative to the project or a parameter"


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", path) is not None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id if isinstance(func, ast.Name) else None
    )


def _show(path: str) -> str:
    return repr(path if len(path) <= 70 else path[:67] + "...")
