"""Small pieces: cell selection, magic policy, scopes, types, dependencies, naming."""

from __future__ import annotations

import libcst as cst
import pytest

from nbprod.export.deps import distribution, requirements, version_range
from nbprod.export.magics import plan_magics
from nbprod.export.model import ExportRefused
from nbprod.export.naming import function_names, package_name, slugify
from nbprod.export.scope import CellScope
from nbprod.export.select import Role, roles, strip_directives
from nbprod.export.types import literal_type, recorded_type
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Cell


def code_cell(source: str, tags: tuple[str, ...] = ()) -> Cell:
    return Cell(0, None, "code", source, tags)


@pytest.mark.parametrize(
    ("tags", "source", "expected"),
    [
        (("export",), "x = 1", [Role("export")]),
        (("export:io",), "x = 1", [Role("export", "io")]),
        (("export:io:load",), "x = 1", [Role("export", "io", "load")]),
        (("test", "parameters"), "x = 1", [Role("test"), Role("parameters")]),
        ((), "#| export\nx = 1", [Role("export")]),
        ((), "# comment\n#|export features\nx = 1", [Role("export", "features")]),
        ((), "#| exporti\ndef _f(): pass", [Role("export", public=False)]),
        ((), "#export\nx = 1", [Role("export")]),
        ((), "# export the data\nx = 1", []),
        ((), "x = 1\n#| export", []),  # directives only count above the code
        (("hide",), "x = 1", []),
    ],
)
def test_roles(tags: tuple[str, ...], source: str, expected: list[Role]) -> None:
    assert roles(code_cell(source, tags)) == expected


@pytest.mark.parametrize(
    "tag", ["export:", "export:Data", "export:a:b:c", "export:config", "export:io:9x"]
)
def test_bad_export_tags_are_refused(tag: str) -> None:
    with pytest.raises(ExportRefused):
        roles(code_cell("x = 1", (tag,)))


def test_directives_are_blanked_keeping_line_numbers() -> None:
    assert strip_directives("#| export\n#| hide\nx = 1") == "\n\nx = 1"


def test_magic_policy() -> None:
    masked = mask(
        "%matplotlib inline\n%config InlineBackend.figure_format = 'svg'\n%time y = f(x)\n!pip install pandas\nx?"
    )
    plan = plan_magics(masked.magics)
    assert plan.actions == {1: None, 2: None, 4: None, 5: None}  # %time keeps its code, line 3
    assert any("pip install pandas" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("%cd data", "%cd has no equivalent"),
        ("files = %ls", "binds a magic's result"),
        ("!echo $HOME", "uses shell syntax"),
        ("!rm -rf {path}", "uses shell syntax"),
        ("%%writefile a.py\nx = 1", "%%writefile cell"),
    ],
)
def test_magics_without_a_safe_translation_are_refused(source: str, reason: str) -> None:
    with pytest.raises(ExportRefused, match=reason.replace("$", r"\$")):
        plan_magics(mask(source).magics)


def test_free_names_follow_python_evaluation_order() -> None:
    scope = CellScope(
        cst.parse_module(
            "import numpy as np\n"
            "x = x + 1\n"  # reads the outer x
            "y = [v * k for v in values]\n"  # k and values are free, v is not
            "def f(a):\n    return a + g + np.pi + len(a)\n"  # g read when called
            "print(later)\nlater = 1\n"
            "z = y\n"
        )
    )
    assert scope.free_names() == ["x", "k", "values", "g", "later"]  # in source order
    deferred = {u.name: u.deferred for u in scope.uses if u.free}
    assert deferred == {"x": False, "values": False, "k": False, "g": True, "later": False}
    assert scope.imports["np"].module == "numpy"
    assert scope.bound_names() >= {"x", "y", "f", "later", "z", "np"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "int"),
        (True, "bool"),
        (0.5, "float"),
        ("a", "str"),
        ([1, 2.5], "list[float]"),
        ([1, "a"], "list[int | str]"),
        ((1, "a"), "tuple[int, str]"),
        ({"a": [1]}, "dict[str, list[int]]"),
        ([], "list[Any]"),
        (None, "None"),
    ],
)
def test_literal_types(value: object, expected: str) -> None:
    assert literal_type(value) == expected


def test_recorded_types() -> None:
    assert recorded_type({"text/plain": "42"}) == "int"
    assert recorded_type({"text/plain": "0.25"}) == "float"
    assert recorded_type(
        {"text/html": '<table border="1" class="dataframe">', "text/plain": "   a\n0  1"}
    ) == ("pandas", "DataFrame")
    assert recorded_type({"text/plain": "0    1\n1    2\nName: a, dtype: int64"}) == (
        "pandas",
        "Series",
    )
    assert recorded_type({"text/plain": "array([1, 2])"}) == ("numpy", "ndarray")
    assert recorded_type({"text/plain": "<Figure size 640x480 with 1 Axes>"}) is None


@pytest.mark.parametrize(
    ("version", "spec"),
    [("2.4.6", ">=2.4,<3"), ("1.9.1", ">=1.9,<2"), ("0.24.2", ">=0.24,<1"), ("2024.1", ">=2024.1,<2025"),
     ("7", ">=7,<8"), ("1.0rc1", ">=1.0,<2"), ("unknown", ">=unknown")],
)  # fmt: skip
def test_requirements_allow_the_installed_major(version: str, spec: str) -> None:
    assert version_range(version) == spec


def test_distributions_and_requirements() -> None:
    assert distribution("os.path") is None
    assert distribution("sklearn.metrics") == "scikit-learn"
    assert distribution("cv2") == "opencv-python"
    assert distribution("libcst.codemod") == "libcst"
    reqs = requirements(["libcst", "json", "sklearn", "mypkg.core"], exclude=["mypkg"])
    assert len(reqs) == 2 and reqs[0].startswith("libcst>=1.")
    assert reqs[0].endswith(",<2")  # the installed major: an API it drops fails --verify
    assert reqs[1].split(">=")[0] == "scikit-learn"  # a version only where it is installed


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Step 3. Assign it to a variable called users.", "step_3_assign_it_to_a"),
        ("The **business** metric", "the_business_metric"),
        ("2. Load [data](http://x.y)", "step_2_load_data"),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_package_names() -> None:
    assert package_name("churn_clean") == "churn_clean"
    assert package_name("01 Data-Prep") == "nb_01_data_prep"
    assert package_name("class") == "nb_class"
    assert package_name("os") == "nb_os"  # never shadows the standard library
    assert package_name("Statistics") == "nb_statistics"


def test_names_an_ipython_shell_adds_to_builtins_are_not_builtins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With IPython running in the same process (nbprod imported in a notebook, or a test
    that made a shell), `display` sits in the builtins module; exported code still lacks it."""
    import builtins

    import libcst as cst

    from nbprod.export.scope import CellScope

    monkeypatch.setattr(builtins, "display", print, raising=False)
    assert CellScope(cst.parse_module("display(df)\nprint(df)")).free_names() == ["display", "df"]


@pytest.mark.parametrize(
    ("heading", "code", "returns", "name"),
    [
        ("Load the housing data", "df = pd.read_csv('h.csv')", ["df"], "load_housing_data"),
        ("Step 3. Prepare the data for machine learning", "x = df.dropna()", ["x"], "prepare_data"),
        ("Validating our approach using K-fold validation", "s = f(x)", ["s"], "validate_approach"),
        ("Connect to FEAST and create a FeatureSet", "c = Client()", ["c"], "connect_to_feast"),
        ("Get batch features for training", "model = XGBRegressor()\nmodel.fit(X, y)", ["model"],
         "train_model"),
        ("Get batch features for training", "x_tr, x_te = train_test_split(X)", ["x_tr", "x_te"],
         "split_data"),
        ("Results", "plt.plot(history['loss'])\nplt.show()", [], "plot_results"),
        ("Results", "mae = mean_absolute_error(y, p)", ["mae"], "evaluate_results"),
        ("Get batch features", "mae = mean_absolute_error(y, p)", ["mae"], "evaluate"),
        ("Features", "features = make(raw)", ["features"], "features"),
        (None, "rows = pd.read_csv('r.csv')", ["rows"], "load_rows"),
        (None, "total = a + b", ["total"], "make_total"),
        (None, "print(a)", [], None),
        ("Grid search", "rows = pd.read_csv('r.csv')", ["rows"], "load_rows"),
        ("The IMDB dataset", "(x, y) = imdb.load_data()", ["x", "y"], "load_imdb_dataset"),
        ("Grid search", "model = RandomForestClassifier()", ["model"], "build_model"),
    ],
)  # fmt: skip
def test_function_names_are_short_verb_phrases(
    heading: str | None, code: str, returns: list[str], name: str | None
) -> None:
    assert next(iter(function_names(heading, code, returns)), None) == name
