"""Names for generated functions, tests and packages: from tags, headings or cell ids."""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Collection, Sequence

from nbprod.analysis.names import PYTHON_BUILTINS
from nbprod.notebook.model import Cell, Notebook

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$", re.MULTILINE)
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_MAX_WORDS = 6
RESERVED = PYTHON_BUILTINS | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


def slugify(text: str, max_words: int = _MAX_WORDS) -> str:
    """``"Step 3. Load the data!"`` -> ``"step_3_load_the_data"`` (a valid identifier or "")."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", text)  # markdown emphasis, links
    words = [w for w in _NON_WORD.split(text.lower()) if w][:max_words]
    slug = "_".join(words)
    if slug and slug[0].isdigit():
        slug = "step_" + slug
    return slug


# Words a function name does without, and words that start a clause it stops before.
_STOP = frozenset(
    "a an the our your my its their this that these those as is are be we us let lets s it "
    "how what why step part".split()
)
_CLAUSE = frozenset({"and", "for", "using", "with", "by", "from", "via", "then"})
_GERUNDS = {
    "loading": "load", "reading": "read", "getting": "get", "downloading": "download",
    "training": "train", "fitting": "fit", "building": "build", "making": "make",
    "creating": "create", "defining": "define", "preparing": "prepare", "cleaning": "clean",
    "preprocessing": "preprocess", "splitting": "split", "scaling": "scale",
    "encoding": "encode", "normalizing": "normalize", "normalising": "normalise",
    "transforming": "transform", "evaluating": "evaluate", "validating": "validate",
    "testing": "test", "checking": "check", "computing": "compute", "calculating": "calculate",
    "predicting": "predict", "plotting": "plot", "visualizing": "visualize",
    "visualising": "visualise", "exploring": "explore", "inspecting": "inspect",
    "saving": "save", "writing": "write", "setting": "set", "tuning": "tune",
    "running": "run", "connecting": "connect", "adding": "add", "comparing": "compare",
}  # fmt: skip
# What a cell does, by the calls it makes, as the verb that names it (first match wins).
_CONTENT_VERBS = (
    ("train", re.compile(r"\.fit(_generator)?\(|\.backward\(|\boptimizer\.step\(|\btrain_step\(|"
                         r"\.train\(\)")),
    ("split", re.compile(r"\b(train_test_split|random_split)\(")),
    ("plot", re.compile(r"\b(plt|sns)\.|\.plot\(|\bimshow\(")),
    ("evaluate", re.compile(r"\.evaluate\(|\b\w*(_score|_error|accuracy\w*)\(|"
                            r"\b(classification_report|confusion_matrix)\(")),
    ("predict", re.compile(r"\.predict(_proba)?\(")),
    ("load", re.compile(r"\bread_(csv|parquet|json|excel|table|sql)\(|\.load_data\(|"
                        r"\bload_dataset\(|\bnp\.load\(")),
    ("build", re.compile(r"=\s*[\w.]*(Classifier|Regressor|Sequential|Model|Net|Pipeline)\(")),
)  # fmt: skip
# Heading verbs that say what a content verb says.
_FAMILY = {
    "read": "load", "get": "load", "download": "load", "fit": "train", "validate": "evaluate",
    "test": "evaluate", "check": "evaluate", "compare": "evaluate", "visualize": "plot",
    "visualise": "plot",
}  # fmt: skip
VERBS = frozenset(_GERUNDS.values()) | {verb for verb, _ in _CONTENT_VERBS}
_MAX_NAME_WORDS = 4


def heading_words(heading: str) -> list[str]:
    """``"Step 3. Preparing the data for ML"`` -> ``["prepare", "data"]``."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    words: list[str] = []
    for word in _NON_WORD.split(text.lower()):
        if not word or word.isdigit() or len(word) == 1 or word in _STOP:
            continue
        if word in _CLAUSE:
            if words:
                break
            continue
        words.append(_GERUNDS.get(word, word) if not words else word)
    return words[:_MAX_NAME_WORDS]


def function_names(heading: str | None, code: str, returns: Sequence[str]) -> list[str]:
    """Short verb phrases for a lifted cell, best first: ``load_housing_data``, ``train_model``.

    The heading's words when they say what the cell does; else the verb of what the
    code does (train, split, plot, evaluate, predict, load, build) with the heading's
    subject or the value the cell returns; ``make_<value>`` when nothing says more.
    """
    words = heading_words(heading) if heading else []
    title = "_".join(words)
    heading_verb = _FAMILY.get(words[0], words[0]) if words and words[0] in VERBS else None
    verb = next((v for v, pattern in _CONTENT_VERBS if pattern.search(code)), None)
    subject = returns[0].lower() if returns else ""
    names: list[str] = []
    if verb is None or verb == heading_verb:
        names.append(title)
    elif verb == "train":
        names.append("train_" + next((r.lower() for r in returns if "model" in r.lower()), "model"))
    elif verb == "split":
        names.append("split_data")
    elif verb == "load" and heading_verb is None and {"data", "dataset"} & set(words):
        names.append(f"load_{title}")  # "The IMDB dataset": load_imdb_dataset
    elif verb in ("load", "build") and subject:
        names.append(f"{verb}_{subject}")
    else:
        names.append(f"{verb}_{title}" if title and heading_verb is None else verb)
    names += [title, f"make_{subject}" if subject else ""]
    return [n for n in dict.fromkeys(names) if n]


def package_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name the exported package, or None if it can."""
    if not (name.isidentifier() and not keyword.iskeyword(name) and name.islower()):
        return f"package name '{name}' is not a valid lowercase identifier"
    if name in sys.stdlib_module_names:
        return f"package name '{name}' would shadow the standard library module of that name"
    return None


def package_name(stem: str) -> str:
    """A package name from a notebook's file name, never one that shadows the stdlib."""
    slug = "_".join(w for w in _NON_WORD.split(stem.lower()) if w)
    if not slug:
        return "notebook"
    shadows = slug[0].isdigit() or keyword.iskeyword(slug) or slug in sys.stdlib_module_names
    return "nb_" + slug if shadows else slug


def heading_above(notebook: Notebook, cell: Cell) -> str | None:
    """The text of the nearest markdown heading above ``cell``."""
    for other in reversed(notebook.cells[: cell.index]):
        if other.kind != "markdown":
            continue
        found = _HEADING.findall(other.source)
        if found:
            return str(found[-1]).strip()
    return None


def first_heading(notebook: Notebook) -> str | None:
    for cell in notebook.cells:
        if cell.kind == "markdown":
            found = _HEADING.findall(cell.source)
            if found:
                return str(found[0]).strip()
    return None


def cell_name(cell: Cell) -> str:
    if cell.id and re.fullmatch(r"[0-9A-Za-z_-]{1,16}", cell.id):
        return "cell_" + re.sub(r"[^0-9A-Za-z_]", "_", cell.id).lower()
    return f"cell_{cell.number}"


def unique(base: str, taken: Collection[str], suffix: str = "") -> str:
    """``base`` (or ``base`` + suffix, then numbered) not in ``taken`` nor reserved."""
    if base not in taken and base not in RESERVED:
        return base
    candidate = base + suffix if suffix else base
    number = 2
    while candidate in taken or candidate in RESERVED:
        candidate = f"{base}{suffix}_{number}"
        number += 1
    return candidate
