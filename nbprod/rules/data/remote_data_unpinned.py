from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.io import call_argument, path_resolver
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule

_ADVICE = "download a versioned URL (a release tag or commit) or verify a checksum"


@dataclass(frozen=True)
class _Api:
    """A download function: where its URL is and which arguments pin what it fetches."""

    url: tuple[int, tuple[str, ...]]  # positional index, keywords
    pins: tuple[tuple[int, str], ...] = ()  # arguments that, when given and not None, pin it
    generic: bool = False  # a general HTTP client: only URLs of data files are data
    advice: str = _ADVICE


_URL_ARG = (0, ("url",))
_GET_FILE = _Api(
    (1, ("origin",)), ((-1, "file_hash"), (-1, "md5_hash")), advice="pass file_hash= to get_file"
)
# pandas, polars, dask and numpy readers accept URLs as their path
_READER = _Api(
    (0, ("filepath_or_buffer", "path_or_buf", "path", "io", "source", "fname", "urlpath"))
)
_APIS: dict[str, _Api] = {
    "keras.utils.get_file": _GET_FILE,
    "keras.utils.data_utils.get_file": _GET_FILE,
    "tensorflow.keras.utils.get_file": _GET_FILE,
    "tensorflow.keras.utils.data_utils.get_file": _GET_FILE,
    "pooch.retrieve": _Api(
        _URL_ARG, ((1, "known_hash"),), advice="pass known_hash= to pooch.retrieve"
    ),
    "torch.hub.download_url_to_file": _Api(
        _URL_ARG, ((3, "hash_prefix"),), advice="pass hash_prefix="
    ),
    "torchvision.datasets.utils.download_url": _Api(_URL_ARG, ((3, "md5"),), advice="pass md5="),
    "torchvision.datasets.utils.download_and_extract_archive": _Api(
        _URL_ARG, ((4, "md5"),), advice="pass md5="
    ),
    "gdown.download": _Api(_URL_ARG, ((-1, "hash"), (-1, "md5"))),
    "gdown.cached_download": _Api(_URL_ARG, ((-1, "hash"), (-1, "md5"))),
    "urllib.request.urlretrieve": _Api(_URL_ARG),
    "urllib.request.urlopen": _Api(_URL_ARG, generic=True),
    "requests.get": _Api(_URL_ARG, generic=True),
    "httpx.get": _Api(_URL_ARG, generic=True),
    "wget.download": _Api(_URL_ARG),
}
_READERS = (
    "pandas.read_",
    "polars.read_",
    "polars.scan_",
    "dask.dataframe.read_",
    "numpy.loadtxt",
    "numpy.genfromtxt",
)

_SCHEMES = frozenset({"http", "https", "ftp"})
# Files that are code, software, web pages or single pictures, not data sets.
_NOT_DATA = frozenset(
    {"py", "ipynb", "sh", "js", "css", "html", "htm", "php", "md", "rst", "yml", "yaml", "toml",
     "cfg", "whl", "deb", "rpm", "exe", "dmg", "msi", "jar", "apk", "run", "pin", "gpg", "asc",
     "pub", "pdf", "png", "jpg", "jpeg", "gif", "bmp", "svg", "webp", "ico"}
)  # fmt: skip
# Software distribution: packages, installers, and source archives of repositories.
_SOFTWARE = re.compile(
    r"^(?:files\.pythonhosted\.org|pypi\.org|repo\.(?:anaconda|continuum)\.(?:com|io)|conda\.anaconda\.org"
    r"|download\.pytorch\.org/whl|developer\.download\.nvidia\.com|dl\.google\.com|get\.docker\.com"
    r"|nodejs\.org/dist|github\.com/[^/]+/[^/]+/(?:archive|tarball|zipball)/|codeload\.github\.com)",
    re.I,
)
# For general HTTP clients (requests.get, urlopen), which mostly call APIs: data files only.
_DATA = frozenset(
    {"csv", "tsv", "txt", "data", "dat", "json", "jsonl", "ndjson", "parquet", "feather", "arrow",
     "orc", "avro", "xls", "xlsx", "xml", "zip", "gz", "tgz", "tar", "bz2", "xz", "zst", "7z", "npz",
     "npy", "pkl", "pickle", "h5", "hdf5", "nc", "mat", "arff", "sqlite", "db", "tfrecord"}
)  # fmt: skip
_MOVING = frozenset({"master", "main", "latest", "head", "trunk", "develop", "dev", "nightly"})
_VERSION = re.compile(r"^(?:v|r|rel|release|version)?\d+(?:\.\d+)+|^v\d+(?:\.|$)", re.I)
_DATE = re.compile(r"(?<!\d)(?:19|20)\d\d-?[01]\d-?[0-3]\d(?!\d)")  # a dated snapshot
_SHA = re.compile(
    r"^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}$|^[0-9a-f]{64}$"
)  # a commit or content hash
_PIN_QUERY = frozenset(
    {"version", "rev", "revision", "ref", "sha", "commit", "tag", "generation", "versionid"}
)
# Hosts and paths whose content never changes once published.
_IMMUTABLE = re.compile(
    r"^(?:zenodo\.org/records?/\d|(?:dx\.)?doi\.org/|web\.archive\.org/web/\d|ndownloader\.figshare\.com/files/\d"
    r"|github\.com/[^/]+/[^/]+/releases/download/(?!latest/)|tfhub\.dev/.+/\d+/?$)",
    re.I,
)
# Archives of canonical benchmark data sets, frozen since their publication (MNIST,
# CIFAR, UCI, Oxford VGG, Keras' and TensorFlow's tutorial mirrors): a checksum adds little.
_FROZEN_ARCHIVES = re.compile(
    r"^(?:yann\.lecun\.com/exdb/|azureopendatastorage\.blob\.core\.windows\.net/mnist/"
    r"|www\.cs\.toronto\.edu/~kriz/|archive\.ics\.uci\.edu/ml/machine-learning-databases/"
    r"|(?:www\.)?robots\.ox\.ac\.uk/~vgg/data/|s3\.amazonaws\.com/keras-datasets/"
    r"|storage\.googleapis\.com/(?:download\.tensorflow\.org/data/|tensorflow/tf-keras-datasets/)"
    r"|download\.tensorflow\.org/data/|images\.cocodataset\.org/(?:zips|annotations)/)",
    re.I,
)
# A release named by its year or years: `train2017.zip`, `VOC2012`, `climate_2009_2016`.
_YEAR_RELEASE = re.compile(r"(?<![0-9])(?:19|20)\d\d(?![0-9])")
_CHECKSUM_COMMANDS = re.compile(r"\b(?:md5sum|sha\d*sum|shasum|cksum|b2sum)\b")
_URL_TOKEN = re.compile(r"""(?:https?|ftp)://[^\s'"<>|;&]+""")
_SHELL_CELLS = frozenset({"bash", "sh", "script", "system"})
_SEPARATOR = re.compile(r"(;|&&|\|\|)")  # between the commands of a shell line; a pipe stays inside


class RemoteDataUnpinned(Rule):
    """## What it does
    Flags data downloaded from an http(s) or ftp URL with no version, commit or checksum
    pinning what is downloaded. Downloads are `pd.read_csv(url)` and the other readers,
    `keras.utils.get_file` without `file_hash`, `urlretrieve`, `wget.download`,
    `pooch.retrieve(url, None)`, and `!wget` / `!curl -O` shell lines. `requests.get` and `urlopen` count only for URLs of
    data files (`.csv`, `.zip`, `.parquet`, ...), since they mostly call web APIs. A URL
    counts as pinned when it names a commit SHA, a version (`v1.2`, `/1.0.0/`, `_v1`, a
    release tag, a dated snapshot, a file named by its year like `train2017.zip`) or a
    `?version=`/`?rev=` query, unless it also names a moving branch (`master`, `main`,
    `latest`); Zenodo, DOI, Web Archive, GitHub release and versioned TF Hub downloads
    are immutable, and so are the archives of canonical benchmark data sets (MNIST,
    CIFAR, UCI, Oxford VGG, COCO, Keras' and TensorFlow's data set mirrors). A checksum anywhere in the notebook (`hashlib`,
    `sha256sum`) counts as pinning its downloads. Code, web pages, software (packages,
    installers, repository archives) and single pictures are not data and are skipped;
    so are URLs built at run time.

    ## Why is this bad?
    The file behind an unpinned URL can change or vanish at any time, silently changing
    every result computed from it. Reproducible results need versioned data: "Version
    your data!"

    ## Example
        url = "https://raw.githubusercontent.com/acme/data/master/sales.csv"
        df = pd.read_csv(url)

    ## Use instead
        url = "https://raw.githubusercontent.com/acme/data/3f2c1ab/sales.csv"  # a commit
        df = pd.read_csv(url)
    """

    code = "NBP203"
    name = "remote-data-unpinned"
    area = ChecklistArea.DATA
    severity = Severity.WARNING
    checklist_item = "Version your data: reproducible results need pinned data"

    valid = [
        [
            "import pandas as pd\ndf = pd.read_csv('https://raw.githubusercontent.com/o/r/3f2c1ab9/data/a.csv')"
        ],
        [
            "import pandas as pd\nA = pd.read_csv('https://example.org/datasets/v1.2/a.csv')\n"
            "B = pd.read_csv('https://example.org/b.csv?version=3')\n"
            "C = pd.read_csv('https://zenodo.org/records/123456/files/c.csv')"
        ],
        [
            "%%bash\nwget -O tmp/swivel.tar.gz https://tfhub.dev/google/gnews-swivel-20dim/1?tf-hub-format=compressed"
        ],
        [
            "from tensorflow import keras\np = keras.utils.get_file('a.zip', 'https://example.org/a.zip', file_hash='ab12')"
        ],
        [
            "from tensorflow import keras\np = keras.utils.get_file(origin='https://example.org/aclImdb_v1.tar.gz')"
        ],
        # canonical benchmark archives, and releases named by their year
        [
            "from tensorflow import keras\n"
            "p = keras.utils.get_file('s.txt', 'https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt')",
            "!wget http://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz",
            "!wget https://example.org/coco/train2017.zip\n!wget https://example.org/jena_climate_2009_2016.csv.zip",
        ],
        # a picture for a demo, a script, a web page, an API call
        [
            "import keras, requests\nimg = keras.utils.get_file('cat.jpg', origin='https://example.org/cat.jpg')\n"
            "code = requests.get('https://raw.githubusercontent.com/o/r/master/train.py').text\n"
            "r = requests.get('https://api.example.org/predict', json=payload)",
            "!pip install https://example.org/pkg.whl\n!curl -X POST https://example.org/v2/predict -d @in.json",
            "!wget -q https://github.com/o/tools/archive/master.zip\n!wget https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh",
        ],
        # a checksum is verified
        ["!wget https://example.org/data.zip\n!sha256sum -c data.zip.sha256"],
        [
            "import hashlib, urllib.request\nurllib.request.urlretrieve('https://example.org/a.csv', 'a.csv')\nassert hashlib.sha256(open('a.csv', 'rb').read()).hexdigest() == H"
        ],
        # not http(s), or not static
        [
            "import pandas as pd\ndf = pd.read_csv('gs://bucket/a.csv')\ndf2 = pd.read_csv(url)",
            "!wget $URL\n!wget {url}",
        ],
        ["import pooch\npath = pooch.retrieve('https://example.org/a.csv', known_hash='md5:12ab')"],
    ]
    invalid = [
        Invalid(
            [
                "import pandas as pd\nurl = 'https://raw.githubusercontent.com/justmarkham/DAT8/master/data/chipotle.tsv'",
                "chipo = pd.read_csv(url, sep='\\t')",
                "iris = pd.read_csv('https://example.edu/ml/machine-learning-databases/iris/iris.data')",
            ],
            at=[(1, 1, 21), (2, 1, 20)],
        ),
        Invalid(
            [
                "import keras\npath = keras.utils.get_file(origin='https://hf.co/datasets/o/d/resolve/main/d.jsonl')",
                "import urllib.request\nurllib.request.urlretrieve('https://example.org/mnist/train.gz', filename='x.gz')",
                "import pooch\np = pooch.retrieve('https://example.org/a.csv', None)",
                "import requests\nr = requests.get('https://example.org/files/a.csv')",
            ],
            at=[(0, 2, 36), (1, 2, 28), (2, 2, 20), (3, 2, 18)],
        ),
        Invalid(
            [
                "!wget http://www.example.ac.uk/~lab/data/pets/data/images.tar.gz\n!tar -xf images.tar.gz",
                "!curl -O https://example.org/aclImdb.tar.gz",
                "%%bash\ncd data\ncurl -sL https://example.org/x.tgz | tar xz",
                "!curl https://example.org/status.json",
                "!wget -q \\\n    https://example.org/big/data.zip",
            ],
            at=[(0, 1, 7), (1, 1, 10), (2, 3, 10), (4, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        checked = _Checksums(nb)
        seen: set[str] = set()
        resolver = path_resolver(nb)
        for facts in nb.cells:
            for call in facts.calls:
                if call.dotted is None:
                    continue
                qualified = nb.qualify(call.dotted)
                api = _APIS.get(qualified)
                if api is None:
                    if not qualified.startswith(_READERS):
                        continue
                    api = _READER
                node = call_argument(call.node, *api.url)
                url = resolver.string(node, facts) if node is not None else None
                if node is None or url is None or url in seen or not _is_data_url(url, api.generic):
                    continue
                if any(_given(call.node, i, k) for i, k in api.pins) or _pinned(url) or checked.any:
                    continue
                seen.add(url)
                message = f"{qualified} downloads {_show(url)} unpinned: it can change under you; {api.advice}"
                yield self.at_node(nb, facts, node, message)
            for line, column, url in _shell_downloads(facts):
                if url in seen or not _is_data_url(url, False) or _pinned(url) or checked.any:
                    continue
                seen.add(url)
                message = (
                    f"shell download of {_show(url)} unpinned: it can change under you; {_ADVICE}"
                )
                yield self.finding(nb, facts.cell, message, line, column, line, column + len(url))


class _Checksums:
    """Whether the notebook verifies a checksum anywhere (computed once, on demand)."""

    def __init__(self, nb: AnalyzedNotebook) -> None:
        self.nb = nb

    @cached_property
    def any(self) -> bool:
        for facts in self.nb.cells:
            if any(q == "hashlib" or q.startswith("hashlib.") for q in facts.imports.values()):
                return True
            if any(_CHECKSUM_COMMANDS.search(line) for _, _, line in _shell_lines(facts)):
                return True
        return False


def _given(call: ast.Call, index: int, keyword: str) -> bool:
    node = call_argument(call, index, (keyword,))
    return node is not None and not (isinstance(node, ast.Constant) and node.value is None)


def _is_data_url(url: str, generic: bool) -> bool:
    parts = urlsplit(url)
    if parts.scheme.lower() not in _SCHEMES or not parts.netloc:
        return False
    if _SOFTWARE.match(parts.netloc + parts.path):
        return False
    name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if generic:
        return extension in _DATA
    return extension not in _NOT_DATA


def _pinned(url: str) -> bool:
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if any(s.lower() in _MOVING for s in segments):
        return False
    where = parts.netloc + parts.path
    if _IMMUTABLE.match(where) or _FROZEN_ARCHIVES.match(where):
        return True
    if segments and _YEAR_RELEASE.search(segments[-1]):
        return True
    for key, value in parse_qsl(parts.query):
        if key.lower() in _PIN_QUERY and value.lower() not in _MOVING:
            return True
    for segment in segments:
        if _SHA.match(segment.lower()) or _DATE.search(segment):
            return True
        if any(_VERSION.match(token) for token in re.split(r"[-_]", segment)):
            return True
    return False


def _shell_lines(facts: CellFacts) -> Iterator[tuple[int, int, str]]:
    """(line, column of the command, command text) of shell commands in a cell."""
    lines = facts.cell.source.split("\n")
    for magic in facts.magics:
        if magic.kind == "shell" or (magic.kind == "line" and magic.name in ("sx", "system")):
            text = lines[magic.line - 1]
            # args of a backslash-continued line hold the joined command: find its first word
            first = magic.args.split()[0] if magic.args.split() else ""
            start = text.find(first, magic.column - 1) if first else -1
            if start >= 0:
                yield magic.line, start, magic.args
    if (
        not facts.python
        and facts.magics
        and facts.magics[0].kind == "cell"
        and facts.magics[0].name in _SHELL_CELLS
    ):
        for number in range(facts.magics[0].line + 1, len(lines) + 1):
            yield number, 0, lines[number - 1]


def _shell_downloads(facts: CellFacts) -> Iterator[tuple[int, int, str]]:
    """(line, column, URL) of `wget` / `curl` downloads, skipping URLs IPython expands."""
    for line, start, text in _shell_lines(facts):
        offset = 0
        for command in _SEPARATOR.split(text):  # the separators are kept, as odd items
            begin, offset = offset, offset + len(command)
            words = command.split()
            if words[:1] == ["sudo"]:
                words = words[1:]
            if (
                not words
                or words[0] not in ("wget", "curl")
                or (words[0] == "curl" and not _curl_saves(command))
            ):
                continue
            for match in _URL_TOKEN.finditer(command):
                url = match.group()
                if "$" not in url and "{" not in url:
                    yield line, start + begin + match.start() + 1, url


def _curl_saves(command: str) -> bool:
    """curl writes a file (-o, -O, --output, --remote-name) or feeds an extractor; without
    them it prints, which is how web APIs are called."""
    head, _, tail = command.partition("|")
    if tail.split()[:1] and tail.split()[0] in (
        "tar",
        "unzip",
        "gunzip",
        "funzip",
        "zcat",
        "bsdtar",
    ):
        return True
    for word in head.split():
        if word in ("--output", "--remote-name", "--remote-name-all", ">") or word.startswith(">"):
            return True
        if re.fullmatch(r"-[A-Za-z]*[oO][A-Za-z]*", word):
            return True
    return False


def _show(url: str) -> str:
    return url if len(url) <= 90 else url[:87] + "..."
