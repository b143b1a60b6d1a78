"""Export real notebooks (tagged copies from ../shared/corpus and examples/churn_clean.ipynb)
and run black, isort, mypy and pytest on each generated package as subprocesses.

pytest inside a package needs the package's own dependencies: where one is not
installed here the pytest step is skipped with the missing module named, never
reported as passing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from nbprod.export.api import ExportResult, export_notebook
from nbprod.export.deps import distribution
from nbprod.export.plan import plan_export
from nbprod.export.verify import StepResult, verify
from nbprod.notebook import load_notebook, notebook_from_data

from .conftest import FIXTURES, ROOT

NOTEBOOKS = {
    "hashed_feature": FIXTURES / "hashed_feature.ipynb",
    "text_vectorizer": FIXTURES / "text_vectorizer.ipynb",
    "tensor_operations": FIXTURES / "tensor_operations.ipynb",
    "students_alcohol": FIXTURES / "students_alcohol.ipynb",
    "wind_stats": FIXTURES / "wind_stats.ipynb",
    "churn_clean": ROOT / "examples" / "churn_clean.ipynb",
    "churn_pipeline": Path("churn_pipeline.ipynb"),  # written by the fixture below
}
# The demo with its top-level pipeline cells tagged too: lifting and Config on real code.
PIPELINE_TAGS = {
    3: "export:pipeline:set_seeds",
    6: "export:pipeline:load_and_verify",
    9: "export:pipeline:build_features",
    16: "export:pipeline:train_candidates",
}


class Exported:
    def __init__(
        self, result: ExportResult, steps: dict[str, StepResult], missing: list[str]
    ) -> None:
        self.result = result
        self.steps = steps
        self.missing = (
            missing  # third-party modules the package imports that are not installed here
        )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exported]:
    root = tmp_path_factory.mktemp("exported")
    cache = root / ".mypy_cache"
    demo = json.loads(NOTEBOOKS["churn_clean"].read_text())
    for index, tag in PIPELINE_TAGS.items():
        demo["cells"][index]["metadata"]["tags"] = [tag]
    NOTEBOOKS["churn_pipeline"] = root / "churn_pipeline.ipynb"
    NOTEBOOKS["churn_pipeline"].write_text(json.dumps(demo))
    found: dict[str, Exported] = {}
    for name, notebook in NOTEBOOKS.items():
        result = export_notebook(notebook, root / name)
        assert result.exit_code == 0, result.to_json()
        out = Path(result.out_dir)
        missing = sorted(_missing_modules(out / "src" / name) - {name})
        steps = {s.name: s for s in verify(out, mypy_cache=cache)}
        found[name] = Exported(result, steps, missing)
    return found


def _missing_modules(src: Path) -> set[str]:
    missing: set[str] = set()
    for path in src.glob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                top = words[1].split(".")[0]
                if distribution(top) is not None and importlib.util.find_spec(top) is None:
                    missing.add(top)
    return missing


@pytest.mark.parametrize("name", list(NOTEBOOKS))
@pytest.mark.parametrize("tool", ["black", "isort", "mypy"])
def test_generated_package_passes(exported: dict[str, Exported], name: str, tool: str) -> None:
    step = exported[name].steps[tool]
    assert step.ok, f"{tool} failed on {name}:\n{step.output}"


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_generated_tests_pass(exported: dict[str, Exported], name: str) -> None:
    done = exported[name]
    step = done.steps["pytest"]
    if done.missing and not step.ok:
        assert "ModuleNotFoundError" in step.output or "ImportError" in step.output, step.output
        pytest.skip(f"the package imports {', '.join(done.missing)}, not installed here")
    assert step.ok, step.output
    assert " passed" in step.output and "failed" not in step.output


def test_stdlib_packages_really_run_their_tests(exported: dict[str, Exported]) -> None:
    """The two fixtures without third-party imports must run pytest everywhere."""
    for name in ("text_vectorizer", "students_alcohol"):
        assert exported[name].missing == []
        assert exported[name].steps["pytest"].ok
    # the notebooks' tests, and the import smoke test
    assert "3 passed" in exported["text_vectorizer"].steps["pytest"].output
    assert "2 passed" in exported["students_alcohol"].steps["pytest"].output


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_reexport_is_byte_identical_and_check_passes(
    exported: dict[str, Exported], name: str
) -> None:
    out = Path(exported[name].result.out_dir)
    before = {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and ".mypy_cache" not in p.parts
    }
    again = export_notebook(NOTEBOOKS[name], out)
    assert again.paths("written") == [] and again.exit_code == 0
    assert export_notebook(NOTEBOOKS[name], out, check=True).exit_code == 0
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before}
    assert after == before


def test_what_the_fixtures_produce(exported: dict[str, Exported]) -> None:
    def read(name: str, path: str) -> str:
        return (Path(exported[name].result.out_dir) / path).read_text()

    hashed = read("hashed_feature", "src/hashed_feature/core.py")
    assert (
        "def likelihood_of_collision(df: pd.DataFrame) -> pd.DataFrame:" in hashed
    )  # types from the recorded tables
    assert hashed.rstrip().endswith("return prob")  # the table it computed is its result
    assert (
        "assert calc_collision_prob(5, 1000) == pytest.approx(\n        0.009965049976000118\n    )"
        in read("hashed_feature", "tests/test_hashed_feature.py")
    )
    text = read("text_vectorizer", "src/text_vectorizer/text.py")
    assert "def build_vectorizer() -> Vectorizer:" in text
    assert "vectorizer = build_vectorizer()" in read(
        "text_vectorizer", "tests/test_text_vectorizer.py"
    )
    assert "numpy" in read("tensor_operations", "pyproject.toml")
    students = read("students_alcohol", "pyproject.toml")
    assert "pandas" not in students  # its only import went unused by the exported cells
    wind = read("wind_stats", "src/wind_stats/wind.py")
    assert "def fix_dates(data: pd.DataFrame) -> pd.DataFrame:" in wind  # later cells read it
    assert wind.rstrip().endswith("return data")
    churn = exported["churn_clean"].result
    assert sorted(churn.paths("written")) == [
        "README.md", "pyproject.toml", "src/churn_clean/__init__.py", "src/churn_clean/config.py",
        "src/churn_clean/core.py", "src/churn_clean/py.typed", "tests/test_churn_clean.py",
    ]  # fmt: skip
    assert "scikit-learn" in read("churn_clean", "pyproject.toml")
    assert "class Config:" in read("churn_clean", "src/churn_clean/config.py")
    assert "def test_the_business_metric() -> None:" in read(
        "churn_clean", "tests/test_churn_clean.py"
    )
    readme = read("churn_clean", "README.md")
    assert "# Customer churn: who will cancel next quarter?" in readme
    pipeline = read("churn_pipeline", "src/churn_pipeline/pipeline.py")
    for signature in (
        "def set_seeds(config: Config = Config()) -> None:",
        "def load_and_verify(config: Config = Config()) -> pd.DataFrame:",
        "def build_features(\n    customers: pd.DataFrame, config: Config = Config()\n) -> tuple[Any, Any, Any, Any]:",
        "def train_candidates(\n    X_train: Any, y_train: Any, X_test: Any, y_test: Any, config: Config = Config()\n) -> Any:",
    ):
        assert signature in pipeline
    assert "customers = load_customers(config.RAW_PATH)" in pipeline


def test_deep_dream_functions_take_the_model_they_read_as_an_argument(tmp_path: Path) -> None:
    """compute_loss read the notebook's feature_extractor: it and its callers take it."""
    result = export_notebook(FIXTURES / "deep_dream.ipynb", tmp_path / "out")
    assert result.exit_code == 0, result.to_json()
    code = (tmp_path / "out" / "src" / "deep_dream" / "core.py").read_text()
    assert "def compute_loss(input_image, *, feature_extractor):" in code
    assert "def gradient_ascent_step(image, learning_rate, *, feature_extractor):" in code
    assert "loss = compute_loss(image, feature_extractor=feature_extractor)" in code
    assert "            feature_extractor=feature_extractor,\n        )" in code


def test_wind_stats_in_place_mutation_is_returned() -> None:
    """Exporting the cells around the date fix exposes the Soorgeon case: each function
    that changes the frame returns it, so the change reaches later cells by the data flow."""
    data = json.loads((FIXTURES / "wind_stats.ipynb").read_text())
    for index in (8, 13):
        data["cells"][index]["metadata"]["tags"] = ["export"]
    plan = plan_export(notebook_from_data(data, "wind_stats.ipynb"), "wind_stats")
    assert not plan.refusals, [r.message("wind_stats.ipynb") for r in plan.refusals]
    changed = [n for n in plan.notes if "in place" in n]
    assert [n.split(":")[0] for n in changed] == ["cell 11", "cell 14"]
    assert all("changes 'data' in place" in n and "it returns 'data'" in n for n in changed)


def test_fixtures_are_the_corpus_notebooks_plus_tags_and_marked_test_cells() -> None:
    """Honesty of the fixtures: the authors' cells are unchanged but for added tags."""
    from tests.fixtures.export.tag_copies import CORPUS
    from tests.fixtures.export.tag_copies import FIXTURES as SOURCES

    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    manifest = (FIXTURES / "README.md").read_text()
    for name, (source, _, _) in SOURCES.items():
        assert name in manifest and source in manifest
        copy = json.loads((FIXTURES / name).read_text())["cells"]
        original = json.loads((CORPUS / source).read_text())["cells"]
        ours = [c for c in copy if c["metadata"].get("nbprod_fixture") == "added"]
        assert all(c["metadata"]["tags"] == ["test"] for c in ours)
        theirs = [c for c in copy if c["metadata"].get("nbprod_fixture") != "added"]
        assert len(theirs) == len(original)
        for mine, orig in zip(theirs, original):
            assert mine["source"] == orig["source"] and mine.get("outputs") == orig.get("outputs")
            assert set(orig.get("metadata", {}).get("tags", [])) <= set(
                mine["metadata"].get("tags", [])
            )
        load_notebook(FIXTURES / name)
