"""Tag notebooks as a data scientist would, export them on the first try, verify the result.

    python tests/export/tagging.py [--out DIR] [--no-verify] [NOTEBOOK ...]

Without notebooks it runs over :data:`NOTEBOOKS` (ten notebooks of ``../shared/corpus``
and ``../shared/corpus-heavy`` that train a model) and prints the markdown table of
docs/export.md. The tagging never looks at what nbprod accepts; it follows what the
cells do:

* ``export`` on 30% of the code cells (at least 20%, at most 40%, as far as there are
  such cells), by what a person would keep: cells that define functions or classes
  first, then training cells (``.fit(``, an optimiser step, ``train(``), data
  preparation (loading, splitting, encoding, scaling), evaluation (predictions,
  metrics), an import cell, then other cells that compute values; never a cell that only displays, plots, prints or runs a shell
  command, nor notebook plumbing (a cell that imports IPython); of a function the
  notebook defines twice, only the last version;
* ``parameters`` on the first cell that only assigns literals to UPPER_CASE names;
* ``test`` on the first cell that is made of ``assert`` statements.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"

# Ten notebooks that train a model: PyTorch, Keras and scikit-learn, 15-163 code cells.
NOTEBOOKS = (
    "corpus-heavy/notebooks/mrdbourke__pytorch-deep-learning__01_pytorch_workflow.ipynb",
    "corpus-heavy/notebooks/mrdbourke__pytorch-deep-learning__02_pytorch_classification.ipynb",
    "corpus-heavy/notebooks/mrdbourke__pytorch-deep-learning__03_pytorch_computer_vision.ipynb",
    "corpus-heavy/notebooks/GokuMohandas__Made-With-ML__notebooks__madewithml.ipynb",
    "corpus/notebooks/fchollet__deep-learning-with-python-notebooks__first_edition__"
    "3.7-predicting-house-prices.ipynb",
    "corpus/notebooks/fchollet__deep-learning-with-python-notebooks__first_edition__"
    "3.5-classifying-movie-reviews.ipynb",
    "corpus/notebooks/fchollet__deep-learning-with-python-notebooks__"
    "chapter04_classification-and-regression.ipynb",
    "corpus/notebooks/GoogleCloudPlatform__ml-design-patterns__06_reproducibility__"
    "feature_store.ipynb",
    "corpus/notebooks/GoogleCloudPlatform__ml-design-patterns__04_hacking_training_loop__"
    "hyperparameter_tuning.ipynb",
    "corpus/notebooks/GoogleCloudPlatform__ml-design-patterns__07_responsible_ai__"
    "explainability.ipynb",
)

_TRAINING = re.compile(
    r"\.fit\(|\.fit_generator\(|\boptimizer\.step\(|\.backward\(|\btrain(_step|_model)?\(|"
    r"\.train\(\)|\bcross_val_score\("
)
_DATA_PREP = re.compile(
    r"\bread_(csv|parquet|json|excel|table)\(|\.load_data\(|\btrain_test_split\(|"
    r"\bDataLoader\(|\bdatasets\.\w+\(|\bget_dummies\(|\.dropna\(|\.fillna\(|\.astype\(|"
    r"\b(Standard|MinMax|Robust)Scaler\(|\bOneHotEncoder\(|\bLabelEncoder\(|\.reshape\(|"
    r"\bmake_(classification|regression|circles|moons|blobs)\(|\btorch\.(tensor|arange|from_numpy)\(|"
    r"\bvectorize|\bnormali[sz]e|\.to_categorical\(|\bto_categorical\(|\.split\(|\bpd\.DataFrame\("
)
_EVALUATION = re.compile(
    r"\.predict(_proba)?\(|\.evaluate\(|\b\w*(accuracy|score|loss|error|mae|mse|rmse|f1)\w*\s*="
)
_DISPLAY_CALLS = frozenset({"print", "display", "plot", "imshow", "show", "figure", "subplot",
                            "subplots", "title", "xlabel", "ylabel", "legend", "head", "tail",
                            "describe", "info", "hist", "scatter", "summary"})  # fmt: skip


@dataclass(slots=True)
class Tagged:
    notebook: dict[str, Any]
    code_cells: int
    export: list[int] = field(default_factory=list)  # code-cell positions
    parameters: int | None = None
    test: int | None = None

    @property
    def summary(self) -> str:
        extra = (" + parameters" if self.parameters is not None else "") + (
            " + test" if self.test is not None else ""
        )
        return f"{len(self.export)}/{self.code_cells} export{extra}"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _python(source: str) -> ast.Module | None:
    """The cell's code with IPython lines blanked; ``None`` when it is not Python."""
    lines = [
        "" if line.lstrip().startswith(("%", "!", "?")) else line for line in source.split("\n")
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _shell(source: str) -> bool:
    return any(line.lstrip().startswith(("!", "%%")) for line in source.split("\n"))


def _literal_assignments(tree: ast.Module) -> bool:
    """Only ``UPPER_NAME = literal`` statements (papermill's parameters cell)."""
    if not tree.body:
        return False
    for stmt in tree.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id.isupper()
        ):
            return False
        try:
            ast.literal_eval(stmt.value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return False
    return True


def _only_display(tree: ast.Module) -> bool:
    """A cell of bare expressions (``df.head()``, ``plt.plot(...)``, ``print(x)``) or plotting."""
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return False
        if isinstance(stmt, ast.Expr):
            continue
        calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
        names = {
            c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
            for c in calls
        }
        if not names or not names <= _DISPLAY_CALLS:
            return False
    return True


def _plumbing(tree: ast.Module) -> bool:
    """A cell that sets up the notebook itself (``from IPython.core.magic import ...``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("IPython"):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("IPython") for a in node.names):
            return True
    return False


def _defined(tree: ast.Module) -> set[str]:
    return {
        s.name
        for s in tree.body
        if isinstance(s, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
    }


def _kind(tree: ast.Module, source: str) -> str | None:
    """What a person would call the cell, in the order they would keep it; None: not kept."""
    if _plumbing(tree):
        return None
    if _defined(tree):
        return "functions"
    if not tree.body or _only_display(tree):
        return None
    if all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body):
        return "imports"
    if _TRAINING.search(source):
        return "training"
    assigns = any(isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)) for s in tree.body)
    if _DATA_PREP.search(source) and assigns:
        return "data"
    if _EVALUATION.search(source) and assigns:
        return "evaluation"
    return "values" if assigns else None


_ORDER = ("functions", "training", "data", "evaluation", "imports", "values")


def tag(notebook: dict[str, Any], share: float = 0.3) -> Tagged:
    """A tagged copy of ``notebook`` (nbformat JSON); existing tags are replaced."""
    data = json.loads(json.dumps(notebook))
    code = [c for c in data["cells"] if c.get("cell_type") == "code"]
    tagged = Tagged(data, len(code))
    kinds: dict[int, str] = {}
    last_definition: dict[str, int] = {}  # a function's final version: the one kept
    for position, cell in enumerate(code):
        cell.setdefault("metadata", {})["tags"] = [
            t for t in cell["metadata"].get("tags", []) if t not in ("export", "test", "parameters")
        ]
        source = _source(cell)
        tree = _python(source)
        if tree is None or _shell(source):
            continue
        if tagged.parameters is None and _literal_assignments(tree):
            tagged.parameters = position
            continue
        if tagged.test is None and tree.body and all(isinstance(s, ast.Assert) for s in tree.body):
            tagged.test = position
            continue
        kind = _kind(tree, source)
        if kind is not None:
            kinds[position] = kind
        for name in _defined(tree) if kind == "functions" else ():
            earlier = last_definition.get(name)
            if earlier is not None:
                kinds.pop(earlier, None)  # a draft of a function redefined below
            last_definition[name] = position
    ranked = sorted(kinds, key=lambda p: (_ORDER.index(kinds[p]), p))
    imports = [p for p in ranked if kinds[p] == "imports"][1:]  # one import cell, as nbdev's
    chosen = [p for p in ranked if p not in imports][: max(1, round(share * len(code)))]
    tagged.export = sorted(chosen)
    for position in tagged.export:
        code[position]["metadata"]["tags"].append("export")
    if tagged.parameters is not None:
        code[tagged.parameters]["metadata"]["tags"].append("parameters")
    if tagged.test is not None:
        code[tagged.test]["metadata"]["tags"].append("test")
    return tagged


@dataclass(slots=True)
class Row:
    notebook: str
    tagged: str
    result: str
    verify: str
    seconds: float
    refusals: list[str] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def exported(self) -> bool:
        return self.result == "exported"

    def markdown(self) -> str:
        name = self.notebook.split("__")[-1]
        return f"| {name} | {self.tagged} | {self.result} | {self.verify} | {self.seconds:.1f} s |"


def run(path: Path, out: Path, verify_it: bool = True) -> Row:
    """Tag ``path``, export it once, and verify the package when it was exported."""
    from nbprod.export.api import export_notebook
    from nbprod.export.verify import verify

    tagged = tag(json.loads(path.read_text(encoding="utf-8")))
    work = out / path.stem.split("__")[-1].replace("-", "_").replace(".", "_")
    work.mkdir(parents=True, exist_ok=True)
    copy = work / path.name
    copy.write_text(json.dumps(tagged.notebook, indent=1), encoding="utf-8")
    started = time.perf_counter()
    result = export_notebook(copy, work / "package")
    seconds = time.perf_counter() - started
    row = Row(path.name, tagged.summary, "exported", "not run", seconds, out_dir=work / "package")
    if result.error or result.refusals:
        row.result = f"refused ({len(result.refusals)})" if result.refusals else "error"
        row.refusals = [r.message(path.name) for r in result.refusals] or [str(result.error)]
        return row
    if verify_it:
        steps = verify(work / "package", mypy_cache=out / ".mypy_cache")
        failed = [s for s in steps if not s.ok]
        missing = sorted({m for s in failed for m in s.missing})
        tests = next(s for s in steps if s.name == "pytest")
        ran = re.search(r"(\d+) passed", tests.output)
        if not failed:
            row.verify = (
                "passed, no tests" if tests.skipped or not ran else f"passed, {ran[1]} tests"
            )
        elif all(s.missing for s in failed):
            row.verify = f"black, isort, mypy ok; tests need {', '.join(missing)}"
        else:
            row.verify = "FAILED " + ", ".join(s.name for s in failed if not s.missing)
            row.refusals = [f"{s.name}:\n{s.output[-3000:]}" for s in failed]
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, help="keep the tagged copies and packages here")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    paths = args.notebooks or [SHARED / n for n in NOTEBOOKS]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        rows = [run(p, out, not args.no_verify) for p in paths]
    print("| notebook | cells tagged | first try | verify | time |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row.markdown())
    for row in rows:
        for refusal in row.refusals:
            print(refusal, file=sys.stderr)
    exported = sum(r.exported for r in rows)
    print(f"\n{exported} of {len(rows)} exported on the first try")
    return 0


if __name__ == "__main__":
    sys.exit(main())
