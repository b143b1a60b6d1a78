from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.notebook.ipython import Magic
from nbprod.rules.base import Invalid, Rule

_SHELL_CELLS = frozenset({"bash", "sh", "script"})
_TOOLS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba"})
_PYTHON = re.compile(r"(.*/)?python[\d.]*|\{sys\.executable\}|\$\{?\w*PYTHON\w*\}?", re.I)
# Build tooling: its version does not change a result.
TOOLING = frozenset({"pip", "setuptools", "wheel"})
SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
# Options taking a value (when not written `--opt=value`).
PIP_VALUED = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
     "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
     "--platform", "--python-version", "--implementation", "--abi", "--src",
     "--upgrade-strategy", "--progress-bar", "--log", "--proxy", "--retries", "--timeout",
     "--exists-action", "--trusted-host", "--cert", "--client-cert", "--cache-dir",
     "--global-option", "--install-option", "-C", "--config-settings", "--only-binary",
     "--no-binary", "--report", "--python", "--root-user-action"}
)  # fmt: skip
_CONDA_VALUED = frozenset(
    {"-c", "--channel", "-n", "--name", "-p", "--prefix", "--file", "--repodata-fn",
     "--solver", "--experimental-solver"}
)  # fmt: skip
_SPEC = re.compile(r"(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(.*)", re.S)
_COMMIT_OR_TAG = re.compile(r"@(?:[0-9a-fA-F]{7,40}|v?\d+(?:\.\d+)+[\w.+-]*)(?:#.*)?$")
_ARCHIVE = re.compile(r"\.(?:whl|tar\.gz|tgz|tar\.bz2|zip)$", re.I)


class UnpinnedInstall(Rule):
    """## What it does
    Flags `%pip install`, `!pip install`, `!python -m pip install`, `%conda install` and
    `!conda install` lines (also in `%%bash` cells) that install a package without
    pinning its version. Pinned means `==` (`=` for conda), `~=`, or an upper bound
    (`<2`); a Git URL pinned to a commit or tag, a wheel, a local path, `-r
    requirements.txt` and `-c constraints.txt` are fine. `-U`/`--upgrade` asks for
    whatever is newest, so it is reported. Upgrading `pip`, `setuptools` or `wheel`
    themselves is not.

    ## Why is this bad?
    The notebook installs whatever version is newest on the day it runs. Next month
    the same cell installs a different library, and results change or the code breaks
    with nothing in the notebook to say why. The production checklist: reproducible
    results need the environment pinned.

    ## Example
        %pip install pandas scikit-learn

    ## Use instead
        %pip install pandas==2.2.2 scikit-learn==1.5.1
    or keep the pins in a file:
        %pip install -r requirements.txt
    """

    code = "NBP403"
    name = "unpinned-install"
    area = ChecklistArea.CODE_HEALTH
    severity = Severity.WARNING
    checklist_item = "Reproducible results: pin the environment"

    valid = [
        ["%pip install pandas==2.2.2 'scikit-learn~=1.5.0' \"numpy<2\""],
        ["!pip install -r requirements.txt"],
        ["!pip install -c constraints.txt pandas"],
        ["!pip install -q --upgrade pip setuptools wheel"],
        [
            "!pip install git+https://github.com/org/lib.git@3f9a1c0e7b2d4f6a8c1e5b7d9f0a2c4e6b8d0f1a"
        ],
        [
            "!pip install git+https://github.com/org/lib@v1.2.0 https://x.org/lib-1.0-py3-none-any.whl"
        ],
        ["!pip install -e . ./vendor/lib"],
        ["%conda install -c conda-forge numpy=1.26 'pandas>=2,<3'"],
        ["!pip uninstall -y tensorflow"],
        ["!pip install {package}", "!pip install $PKG"],  # decided elsewhere
        ["!pip install \\\n    pandas==2.2.2 \\\n    numpy==1.26.4"],
        ["# !pip install shap"],
    ]
    invalid = [
        Invalid(["%pip install pandas scikit-learn"], at=[(0, 1, 1)]),
        Invalid(["import os\n!pip install keras keras-hub --upgrade -q"], at=[(0, 2, 1)]),
        Invalid(["!{sys.executable} -m pip install -q 'transformers>=4.30'"], at=[(0, 1, 1)]),
        Invalid(["!pip install -r requirements.txt shap"], at=[(0, 1, 1)]),
        Invalid(["!conda install -y -c conda-forge lightgbm"], at=[(0, 1, 1)]),
        Invalid(["!pip install \\\n    pandas==2.2.2 \\\n    xgboost"], at=[(0, 1, 1)]),
        Invalid(["!pip install git+https://github.com/org/lib.git@main"], at=[(0, 1, 1)]),
        Invalid(["%%bash\npip install -U pandas > /dev/null"], at=[(0, 2, 1)]),
        Invalid(['!apt-get update && pip3 install "apache-beam[gcp]"'], at=[(0, 1, 1)]),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        for facts in nb.cells:
            for line, column, command in _install_lines(facts):
                unpinned = _unpinned(command)
                if not unpinned:
                    continue
                names = ", ".join(unpinned[:4]) + (
                    f" and {len(unpinned) - 4} more" if len(unpinned) > 4 else ""
                )
                yield self.finding(
                    nb,
                    facts.cell,
                    f"installs {names} without a pinned version: a later run may get a"
                    " different version and different results; pin with `==` or use a"
                    " requirements file",
                    line,
                    column,
                )


def _install_lines(facts: CellFacts) -> Iterator[tuple[int, int, str]]:
    """(line, column, shell command) of every line that may install packages."""
    for magic in facts.magics:
        command = _command(magic)
        if command is not None and "install" in command:
            yield magic.line, magic.column, command
        if magic.kind == "cell" and magic.name in _SHELL_CELLS and not facts.python:
            lines = facts.cell.source.split("\n")
            for number in range(magic.line, len(lines)):
                text = lines[number]
                if "install" in text and not text.lstrip().startswith("#"):
                    yield number + 1, len(text) - len(text.lstrip()) + 1, text


def _command(magic: Magic) -> str | None:
    if magic.kind == "shell":
        return magic.args
    if magic.kind == "line" and magic.name in _TOOLS:
        return f"{magic.name} {magic.args}"
    return None


def _unpinned(command: str) -> list[str]:
    """Packages an install command leaves unpinned; [] when a constraints file pins all."""
    found: list[str] = []
    for words in _segments(command):
        tool, args = _install_args(words)
        if tool is None:
            continue
        conda = tool in ("conda", "mamba", "micromamba")
        valued = _CONDA_VALUED if conda else PIP_VALUED
        i = 0
        while i < len(args):
            word = args[i]
            i += 1
            if word.startswith("-"):
                option = word.split("=", 1)[0]
                if not conda and option in ("-c", "--constraint"):
                    return []
                if option in valued and "=" not in word:
                    value = args[i] if i < len(args) else ""
                    i += 1
                    if option in ("-e", "--editable") and _unpinned_url(value):
                        found.append(value)
                continue
            name = _unpinned_spec(word, conda)
            if name is not None and name not in found:
                found.append(name)
    return found


def _segments(command: str) -> Iterator[list[str]]:
    """The simple commands of a shell line, as words; redirections dropped."""
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes: IPython would fail too, take words as they are
        words = command.split()
    segment: list[str] = []
    for word in words:
        if word.startswith("#"):  # a comment (`#` inside a word, as in `#egg=`, is not)
            break
        if word in SEPARATORS:
            yield segment
            segment = []
        elif word.startswith((">", "<", "1>", "2>", "&>")):
            continue
        else:
            segment.append(word.rstrip(";"))
    yield segment


def _install_args(words: list[str]) -> tuple[str | None, list[str]]:
    """(tool, arguments after `install`) when ``words`` is an install command."""
    while words and (words[0] == "sudo" or re.fullmatch(r"\w+=\S*", words[0])):
        words = words[1:]
    if len(words) >= 3 and _PYTHON.fullmatch(words[0]) and words[1] == "-m":
        words = words[2:]
    if words[:2] == ["uv", "pip"]:
        words = words[1:]
    if (
        not words
        or words[0].rsplit("/", 1)[-1] not in _TOOLS
        and not re.fullmatch(r"pip[\d.]+", words[0])
    ):
        return None, []
    tool = words[0].rsplit("/", 1)[-1]
    rest = words[1:]
    while rest and rest[0].startswith(
        "-"
    ):  # global options before the subcommand (`pip -q install`)
        rest = rest[1:]
    if not rest or rest[0] != "install":
        return None, []
    return tool, rest[1:]


def _unpinned_spec(word: str, conda: bool) -> str | None:
    """The package name when ``word`` installs a package without pinning it."""
    if not word or "{" in word or "$" in word:
        return None  # an IPython or shell variable: unknowable here
    if "://" in word or word.startswith("git+"):
        return word.split("#", 1)[0] if _unpinned_url(word) else None
    if word.startswith((".", "/", "~")) or "/" in word or "\\" in word or _ARCHIVE.search(word):
        return None  # a local path or file
    match = _SPEC.fullmatch(word)
    if match is None:
        return None
    name, constraint = match.group(1), match.group(2).split(";", 1)[0]
    if name.lower() in TOOLING:
        return None
    if "==" in constraint or "~=" in constraint or "<" in constraint:
        return None
    if conda and re.match(r"\s*=|\s+\d", constraint):
        return None
    return name


def _unpinned_url(url: str) -> bool:
    """A VCS URL without a commit or tag, or an archive of a branch (`master.zip`)."""
    if url.startswith(("git+", "hg+", "svn+", "bzr+")) or url.endswith(".git"):
        return _COMMIT_OR_TAG.search(url.split("://", 1)[-1]) is None
    if "://" not in url:
        return False  # a local path
    filename = url.split("#", 1)[0].rsplit("/", 1)[-1]
    return bool(_ARCHIVE.search(filename)) and not re.search(r"\d", filename)
