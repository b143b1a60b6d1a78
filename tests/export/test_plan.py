"""The planner: what is copied, lifted, tested or refused, on small notebooks."""

from __future__ import annotations

import pytest

from nbprod.export.model import ExportPlan
from nbprod.export.plan import plan_export
from nbprod.export.render import render

from .conftest import cell, md, notebook


def plan(*cells: dict[str, object]) -> ExportPlan:
    return plan_export(notebook(*cells), "pkg")


def refusals(p: ExportPlan) -> list[str]:
    return [r.message("nb") for r in p.refusals]


def changed(p: ExportPlan) -> list[str]:
    """The notes on received objects a function changes in place and returns."""
    return [n for n in p.notes if "in place" in n]


def module_code(p: ExportPlan, name: str = "core") -> str:
    assert not p.refusals, refusals(p)
    return render(p).files[f"src/pkg/{name}.py"]


def test_definition_cells_are_copied_with_their_constants() -> None:
    p = plan(
        cell(
            "import pandas as pd\nCOLUMNS = ['a', 'b']\n\ndef load(path):\n    return pd.read_csv(path)[COLUMNS]\n",
            ["export"],
        ),
    )
    (module,) = p.modules
    assert [u.kind for u in module.units] == ["copy"]
    assert module.defines == ["COLUMNS", "load"]
    assert module.public == ["load"]
    code = module_code(p)
    assert code.startswith("import pandas as pd\n\nCOLUMNS = [")


def test_top_level_code_is_lifted_into_a_function_named_after_the_heading() -> None:
    p = plan(
        cell("raw = read()", count=1),
        md("## Clean the data!"),
        cell("df = raw.dropna()\nn = len(df)", ["export"]),
        cell("print(df.shape, n)"),
    )
    code = module_code(p)
    assert "def clean_data(raw: Any) -> tuple[Any, Any]:" in code
    assert '"""Clean the data!"""' in code
    assert "return df, n" in code
    assert "from typing import Any" in code


def test_only_names_later_cells_read_are_returned() -> None:
    p = plan(
        cell("a = 1\nb = compute(a)\ntmp = b * 2\nc = tmp + 1", ["export:steps:run"]),
        cell("print(c)"),
        cell("b = 0\nprint(b)"),  # rebinds b before reading it: not a reader
    )
    code = module_code(p, "steps")
    assert "def run(compute: Any, a: int = 1) -> Any:" in code  # a literal: an argument
    assert code.rstrip().endswith("return c")


def test_tag_name_module_and_a_name_from_the_value_made() -> None:
    p = plan(
        cell("x = load()", ["export:io"]),
        cell("y = x + 1", ["export:io:increment"]),
        cell("print(y)"),
    )
    names = [u.defines for m in p.modules for u in m.units]
    assert names[1] == ("increment",)
    assert names[0] == ("make_x",)  # no heading: what it makes


def test_heading_names_avoid_notebook_variables() -> None:
    p = plan(md("# Features"), cell("features = make(raw)", ["export"]), cell("features.head()"))
    assert p.modules[0].defines == ["make_features"]


def test_recorded_outputs_and_literals_give_types() -> None:
    p = plan(
        cell(
            "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf.head()",
            html='<table class="dataframe"></table>',
            result="   a\n0  1",
        ),
        cell("threshold = 0.5"),
        cell("n = int((df.a > threshold).sum())\nn", ["export"], result="3"),
        cell("print(n)"),
    )
    code = module_code(p)
    assert "def cell_" in code or "def " in code
    assert "(df: pd.DataFrame, threshold: float) -> int:" in code


def test_parameters_become_a_frozen_config_read_by_lifted_functions() -> None:
    p = plan(
        cell("SEED = 42\nPATH = 'data.csv'", ["parameters"]),
        cell(
            "import pandas as pd\nrows = pd.read_csv(PATH).sample(5, random_state=SEED)", ["export"]
        ),
        cell("rows"),
    )
    files = render(p).files
    assert "class Config:" in files["src/pkg/config.py"]
    assert "SEED: int = 42" in files["src/pkg/config.py"]
    core = files["src/pkg/core.py"]
    assert "from pkg.config import Config" in core
    assert "config: Config = Config()" in core
    assert "pd.read_csv(config.PATH).sample(5, random_state=config.SEED)" in core
    assert '"Config"' in files["src/pkg/__init__.py"]


def test_cross_module_references_become_package_imports() -> None:
    p = plan(
        cell("def tokenize(text):\n    return text.split()", ["export:text"]),
        cell("def count(text):\n    return len(tokenize(text))", ["export:stats"]),
    )
    stats = render(p).files["src/pkg/stats.py"]
    assert "from pkg.text import tokenize" in stats
    assert "import" not in render(p).files["src/pkg/text.py"].split("# nbprod")[0].split("def")[0]


def test_a_module_imports_only_what_it_uses() -> None:
    p = plan(
        cell("import os, json\nimport numpy as np\nfrom math import sqrt, pi", ["export"]),
        cell("def norm(v):\n    return sqrt(sum(x * x for x in v))", ["export"]),
    )
    code = module_code(p)
    assert "from math import sqrt\n" in code
    assert "numpy" not in code and "json" not in code and "pi" not in code


def test_nbdev_directives() -> None:
    p = plan(
        cell("#| default_exp utils"),
        cell("#| export\ndef f():\n    return 1"),
        cell("#|export extra\ndef g():\n    return 2"),
        cell("#| exporti\ndef _h():\n    return 3"),
        cell("# export the results to csv\nresults.to_csv('x')"),  # a comment, not a directive
    )
    assert {m.name: m.defines for m in p.modules} == {"utils": ["f", "_h"], "extra": ["g"]}
    assert "#|" not in module_code(p, "utils")


def test_magics_are_rewritten_never_copied() -> None:
    p = plan(
        cell("%matplotlib inline\n%time total = sum(values)\n!mkdir -p out\ntotal", ["export"]),
        cell("total"),
    )
    code = module_code(p)
    assert "%" not in code and "!" not in code
    assert "import subprocess" in code
    assert 'subprocess.run(["mkdir", "-p", "out"], check=True)' in code
    assert "total = sum(values)" in code


def test_test_cells_become_pytest_functions_and_chain_lifted_producers() -> None:
    p = plan(
        md("## Build"),
        cell("vocab = sorted(set(words))", ["export"]),
        cell("words = ['b', 'a', 'b']"),
        md("## Check"),
        cell("assert vocab == ['a', 'b']", ["test"]),
    )
    assert refusals(p) == [
        "nb: cell 5, line 1: reads 'words', which no exported cell above it returns; export the "
        "cell that computes it, or make the test self-contained"
    ]
    p = plan(
        cell("words = 'b a b'.split()", ["export:io:read_words"]),
        md("## Build"),
        cell("vocab = sorted(set(words))", ["export"]),
        md("## Check"),
        cell("assert vocab == ['a', 'b']", ["test"]),
    )
    tests = render(p).files["tests/test_pkg.py"]
    assert "def test_check() -> None:" in tests
    assert "    words = read_words()\n    vocab = build(words)\n" in tests
    assert "from pkg.core import build" in tests
    assert "from pkg.io import read_words" in tests


def test_regression_tests_from_recorded_results() -> None:
    p = plan(
        cell("def area(r):\n    return 3.14159 * r * r", ["export"]),
        cell("area(2)", result="12.56636"),
        cell("[area(1), area(0)]", result="[3.14159, 0.0]"),
        cell("str(area(1))", result="'3.14159'"),
        cell("{'a': [area(1)]}", result="{'a': [3.14159]}"),
        cell("len('abc')", result="3"),  # calls no exported function
        cell("area(radius)", result="12.56636"),  # reads an unknown variable
    )
    tests = render(p).files["tests/test_pkg.py"]
    assert "assert area(2) == pytest.approx(12.56636)" in tests
    assert "assert [area(1), area(0)] == pytest.approx([3.14159, 0.0])" in tests
    assert 'assert str(area(1)) == "3.14159"' in tests
    assert [t.name for t in p.tests if t.regression] == [
        "test_area_cell_2",
        "test_area_cell_3",
        "test_area_cell_4",
    ]
    assert any("nests floats" in n for n in p.notes)
    assert any("reads 'radius'" in n for n in p.notes)


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([cell("from math import *\nx = sqrt(2)", ["export"])], "cell 1, line 1: star import"),
        (
            [cell("def bump():\n    global n\n    n += 1", ["export"])],
            "cell 1, line 2: 'global' statement",
        ),
        (
            [cell("x = 1\n!ls | wc -l", ["export"])],
            "cell 1, line 2: shell command '!ls | wc -l' uses shell syntax",
        ),
        (
            [cell("%load_ext autoreload\n%run helpers.py", ["export"])],
            "cell 1, line 2: %run has no equivalent",
        ),
        ([cell("%%bash\necho hi", ["export"])], "cell 1, line 1: %%bash cell is not Python"),
        ([cell("display(df)", ["export"])], "cell 1, line 1: uses IPython's 'display'"),
        ([cell("x = (", ["export"])], "cell 1, line 1: syntax error"),
        (
            [cell("SEED = seed()", ["parameters"]), cell("x = SEED", ["export"])],
            "cell 1, line 1: parameter 'SEED' is not a literal",
        ),
        (
            [cell("SEED = 1", ["parameters"]), cell("SEED = 2", ["export"])],
            "cell 2, line 1: redefines the parameter 'SEED'",
        ),
        (
            [cell("SEED = 1", ["parameters"]), cell("SEED = SEED + 1", ["export"])],
            "cell 2, line 1: assigns the parameter 'SEED'",
        ),
        (
            [
                cell("rate = 0.1"),
                cell("class F:\n    def f(self, x):\n        return x * rate", ["export"]),
            ],
            "cell 2, line 3: 'F' reads 'rate', which cell 1 computes at run time",
        ),
        (
            [cell("SEED = 1", ["parameters"]), cell("def f(x=SEED):\n    return x", ["export"])],
            "cell 2, line 1: 'f' reads the parameter 'SEED' as a global",
        ),
        (
            [
                cell("def f():\n    return 1", ["export"]),
                cell("def f():\n    return 2", ["export"]),
            ],
            "cell 2, line 1: 'f' is already exported by cell 1",
        ),
        ([cell("x = 1", ["export:Bad-Name"])], "cell 1: tag 'export:Bad-Name'"),
        ([cell("print(1)")], "notebook: no cell is tagged 'export'"),
    ],
)
def test_refusals_name_the_cell_line_and_reason(
    cells: list[dict[str, object]], message: str
) -> None:
    found = refusals(plan(*cells))
    assert any(message in f for f in found), found


def test_only_changed_objects_later_cells_read_are_returned() -> None:
    p = plan(
        cell(
            "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
            "df = pd.read_csv('a.csv')\nmodel = LinearRegression()",
            ["export"],
        ),
        cell("df['ratio'] = df.a / df.b", ["export"]),
        cell("model.fit(df, df.ratio)", ["export"]),  # nothing reads the model later
        cell("summary = df.describe()", ["export"]),
        cell("summary"),
    )
    assert not p.refusals, refusals(p)
    assert [n.split(":")[0] for n in p.notes] == ["cell 2"]
    code = module_code(p)
    assert '    df["ratio"] = df.a / df.b\n    return df\n' in code
    assert "    return model.fit(df, df.ratio)\n" in code  # the cell's result


def test_rebinding_first_makes_a_new_object_and_is_fine() -> None:
    p = plan(
        cell("df = load()", ["export"]),
        cell("df = df.copy()\ndf['ratio'] = df.a / df.b", ["export"]),
        cell("summary = df.describe()", ["export"]),
    )
    assert not p.refusals


def test_mutating_a_package_level_constant_is_refused() -> None:
    p = plan(cell("NAMES = ['a']", ["export"]), cell("NAMES.append('b')", ["export"]))
    assert any("mutates the package-level 'NAMES'" in f for f in refusals(p))


def test_a_constant_mutated_in_its_own_cell_stays_local() -> None:
    p = plan(
        cell("rows = []\nfor i in range(3):\n    rows.append(i)", ["export"]), cell("print(rows)")
    )
    code = module_code(p)
    assert "    rows = []" in code and "return rows" in code


def test_module_cycles_are_refused() -> None:
    p = plan(
        cell("def a():\n    return b()", ["export:one"]),
        cell("def b():\n    return c()", ["export:two"]),
        cell("def c():\n    return 1", ["export:one"]),
    )
    assert any("modules import each other" in f for f in refusals(p))


@pytest.mark.parametrize(
    ("code", "how"),
    [
        ("for t in (a, b):\n    t.drop('y', axis=1, inplace=True)", "through 't'"),
        ("frames = [a, b]\nfor t in frames:\n    t['z'] = 0", "through 't'"),
        ("x = a\nx.drop('y', axis=1, inplace=True)", "through 'x'"),
        ("frames = [a, b]\nframes[0].drop('y', axis=1, inplace=True)", "through 'frames'"),
        ("values = a.values\nvalues.fill(0)", "through 'values'"),
        ("for name, t in {'a': a}.items():\n    t.loc[:, 'y'] = 0", "through 't'"),
    ],
)
def test_mutation_through_an_alias_is_a_mutation_of_the_object(code: str, how: str) -> None:
    p = plan(
        cell("a, b = load()", ["export"]),
        cell(code, ["export"]),
        cell("summary = a.describe()", ["export"]),
        cell("summary"),
    )
    assert not p.refusals, refusals(p)
    (note,) = changed(p)
    assert note.startswith("cell 2: ") and "changes 'a' in place (" in note and how in note, note
    assert "    return a\n" in module_code(p)


def test_mutating_the_items_of_a_received_container_mutates_the_container() -> None:
    p = plan(
        cell("frames = load()", ["export"]),
        cell("for df in frames:\n    df.dropna(inplace=True)", ["export"]),
        cell("sizes = [len(df) for df in frames]", ["export"]),
    )
    assert not p.refusals, refusals(p)
    (note,) = changed(p)
    assert "changes 'frames' in place (.dropna(inplace=True) through 'df')" in note, note


def test_an_alias_of_a_local_object_is_not_a_mutation_of_a_parameter() -> None:
    p = plan(
        cell("a, b = load()", ["export"]),
        cell("frames = [a.copy(), b.copy()]\nfor t in frames:\n    t['z'] = 0", ["export"]),
        cell("summary = a.describe()", ["export"]),
        cell("summary, frames"),
    )
    assert not p.refusals, refusals(p)


def test_a_mutated_object_is_shared_only_with_readers_of_the_same_binding() -> None:
    p = plan(
        cell("from sklearn.linear_model import LinearRegression\nX, y = load()", ["export"]),
        cell("m = LinearRegression()", ["export"]),
        cell("m.fit(X, y)", ["export"]),
        cell("m = LinearRegression(fit_intercept=False)", ["export"]),
        cell("m.fit(X, y)", ["export"]),
        cell("m.predict(X)"),
    )
    assert not p.refusals, refusals(p)
    p = plan(
        cell("from sklearn.linear_model import LinearRegression\nX, y = load()", ["export"]),
        cell("m = LinearRegression()", ["export"]),
        cell("m.fit(X, y)", ["export"]),
        cell("score = m.score(X, y)", ["export"]),  # reads the object cell 3 fitted
        cell("m = LinearRegression(fit_intercept=False)", ["export"]),
    )
    assert not p.refusals, refusals(p)
    assert [n.split(" (")[0] for n in changed(p)] == ["cell 3: train_model() changes 'm' in place"]


def test_tuple_unpacked_literals_are_constants() -> None:
    p = plan(cell("A, B = 1, 2\n(C, D) = [3, 'x']\n\ndef f():\n    return A + B + C", ["export"]))
    (module,) = p.modules
    assert [u.kind for u in module.units] == ["copy"]
    assert module.defines == ["A", "B", "C", "D", "f"]
    assert "A, B = 1, 2" in module_code(p)
    p = plan(cell("A, B = 1, load()\n\nclass K:\n    size = A", ["export"]))
    assert any("'K' reads 'A', which this cell computes at run time" in f for f in refusals(p))


def test_a_return_type_comes_from_the_cells_own_value_not_a_later_rebinding() -> None:
    p = plan(
        cell("import numpy as np\nimport pandas as pd", ["export"]),
        cell("arr = np.zeros(3)", ["export"]),
        cell("arr = pd.DataFrame(arr)"),
        cell("arr", html='<table class="dataframe"></table>'),
    )
    code = module_code(p)
    assert "-> pd.DataFrame" not in code
    assert "def make_arr() -> np.ndarray:" in code  # what np.zeros makes


def test_a_syntax_error_at_the_end_of_a_cell_names_the_line_python_blames() -> None:
    found = refusals(plan(cell("x = 1\n\n\n\n\nfor i in range(3):\n\n\n", ["export"])))
    assert found == [
        "nb: cell 1, line 6: syntax error: expected an indented block after 'for' statement on "
        "line 6"
    ]


def test_a_name_the_cell_reads_before_defining_it_is_not_said_to_come_from_another_cell() -> None:
    p = plan(
        cell("def f():\n    return 1"),
        cell("for i in range(2):\n    r = f()\n\n    def f():\n        return 2", ["export"]),
        cell("r"),
    )
    assert p.notes == [
        "cell 2: 'f' becomes a parameter because the cell reads it (line 2) before its own "
        "definition (line 4)"
    ]


def test_a_definition_read_from_a_cell_that_is_not_exported_asks_to_export_it() -> None:
    found = refusals(
        plan(
            cell("class Base:\n    pass"),
            cell("def helper():\n    return 1"),
            cell("Registry = make_registry()"),
            cell("class Model(Base):\n    pass", ["export"]),
            cell("def g():\n    return helper()", ["export"]),
            cell("@Registry.register\nclass Plugin:\n    pass", ["export"]),
        )
    )
    assert found == [
        "nb: cell 4, line 1: 'Model' reads 'Base', which cell 1 defines but is not exported; "
        "tag cell 1 'export'",
        "nb: cell 5, line 2: 'g' reads 'helper', which cell 2 defines but is not exported; "
        "tag cell 2 'export'",
        "nb: cell 6, line 1: 'Plugin' reads 'Registry' when it is defined, which cell 3 computes "
        "at run time: a class base or decorator cannot be a parameter; import it or define it "
        "with def or class in an exported cell",
    ]


def test_a_name_no_cell_defines_is_reported_as_undefined() -> None:
    p = plan(
        cell("import requests"),
        cell("try:\n    page = requests.get(URL)\nexcept HTTPError:\n    page = None", ["export"]),
        cell("URL = 'https://example.com'"),
        cell("page"),
    )
    assert p.notes == [
        "cell 2, line 3: 'HTTPError' is not defined: no cell imports or assigns it (a missing "
        "import?); it becomes a parameter"
    ]
    p = plan(cell("%run helpers.py"), cell("page = fetch(URL)", ["export"]), cell("page"))
    assert p.notes == []  # %run may define anything


def test_a_cell_that_mutates_a_received_object_later_cells_read_returns_it() -> None:
    p = plan(
        cell("import pandas as pd\ndf = pd.read_csv('a.csv')", ["export:io:load_frame"]),
        md("## Add the ratio"),
        cell("df['ratio'] = df.a / df.b\nn = len(df)", ["export"]),
        cell("summary = df.describe()", ["export"]),
        cell("assert summary is not None and n > 0", ["test"]),
    )
    code = module_code(p)
    assert "def add_ratio(df: pd.DataFrame) -> tuple[pd.DataFrame, Any]:" in code
    assert "return df, n" in code
    assert p.notes == [
        "cell 3: add_ratio() changes 'df' in place (item assignment) and later cells read "
        "it: it returns 'df' (df = add_ratio(...))"
    ]
    tests = render(p).files["tests/test_pkg.py"]
    assert "df = load_frame()\n    df, n = add_ratio(df)\n" in tests


def test_a_received_object_mutated_but_not_read_later_is_not_returned() -> None:
    p = plan(
        cell("import pandas as pd\ndf = pd.read_csv('a.csv')", ["export"]),
        cell("df.dropna(inplace=True)", ["export"]),
    )
    assert not p.notes
    assert "-> None:" in module_code(p)


def test_a_literal_another_cell_rebinds_becomes_a_parameter_of_its_readers() -> None:
    p = plan(
        cell("epochs = 100", ["export"]),
        cell("losses = train(epochs)", ["export:core:train_long"]),
        cell("epochs = 5", ["export"]),
        cell("more = train(epochs)", ["export:core:train_short"]),
        cell("losses, more"),
    )
    code = module_code(p)
    assert "\nepochs = " not in code  # not a module global either cell's functions would read
    assert "def train_long(train: Any, epochs: int) -> Any:" in code
    assert "def train_short(train: Any, epochs: int) -> Any:" in code


def test_a_literal_rebound_by_a_cell_that_is_not_exported_is_not_a_constant() -> None:
    p = plan(
        cell("EPOCHS = 100\n\ndef fit(model):\n    return model", ["export"]),
        cell("EPOCHS = 5"),
        cell("history = fit([1, 2, 3])[:EPOCHS]", ["export"]),
        cell("history"),
    )
    code = module_code(p)
    assert "\nEPOCHS = 100" not in code  # the notebook's later cells see 5
    assert "(EPOCHS: int) -> Any:" in code


def test_a_function_reading_a_value_its_own_cell_computes_takes_it_as_an_argument() -> None:
    p = plan(
        cell(
            "import pandas as pd\n\ndef width():\n    return df.shape[1]\n\n"
            "df = pd.read_csv('a.csv')\nw = width()",
            ["export:core:load"],
        ),
        cell("w"),
    )
    code = module_code(p)
    assert "def width(*, df):" in code and "    w = width(df=df)\n" in code


def test_a_function_that_reads_a_run_time_global_takes_it_as_an_argument() -> None:
    p = plan(
        cell("import numpy as np\ntrain_data = np.zeros((4, 3))", ["export:io:load"]),
        cell("def build_model():\n    return train_data.shape[1]", ["export"]),
        cell("width = build_model()", ["export:core:measure"]),
        cell("assert width == 3 == build_model()", ["test"]),
    )
    code = module_code(p)
    assert "def build_model(*, train_data):" in code
    assert "def measure(train_data: np.ndarray) -> Any:" in code
    assert "width = build_model(train_data=train_data)" in code
    tests = render(p).files["tests/test_pkg.py"]
    assert "train_data = load()\n    width = measure(train_data)\n" in tests
    assert "assert width == 3 == build_model(train_data=train_data)" in tests


def test_a_default_computed_at_run_time_becomes_an_argument_of_each_call() -> None:
    device = "import torch\ndevice = 'cuda' if torch.cuda.is_available() else 'cpu'"
    step = "def step(model, device: str = device):\n    return model.to(device)"
    p = plan(
        cell(device),
        cell(step, ["export"]),
        cell("model = step(make())", ["export:core:train"]),
        cell("model"),
    )
    code = module_code(p)
    assert "def step(model, device: str):" in code
    assert "def train(make: Any, device: Any) -> Any:" in code
    assert "model = step(make(), device=device)" in code
    # rebound later: calls after it would pass another device than the one the default kept
    p = plan(cell(device), cell(step, ["export"]), cell("device = 'cpu'"))
    assert refusals(p) == [
        "nb: cell 2, line 1: 'step' reads 'device' for a default value, and cells 1, 3 bind it: "
        "the default keeps the value of the definition time, which a package cannot rebuild; "
        "give the parameter no default and pass 'device' at each call"
    ]


def test_a_cells_result_is_returned_and_display_leftovers_are_dropped() -> None:
    p = plan(
        cell(
            "import numpy as np\nimport matplotlib.pyplot as plt\n"
            "X, y = np.ones((4, 2)), np.ones(4)",
            ["export:io:load"],
        ),
        md("## Evaluate"),
        cell(
            "pred = X @ np.ones(2)\nX.mean()\nmse = ((pred - y) ** 2).mean()\nrmse = np.sqrt(mse)",
            ["export"],
        ),
        md("## Shape"),
        cell("X.shape", ["export"]),
        md("## Loss curve"),
        cell("plt.plot(y)\nplt.show()", ["export"]),
        md("## Score"),
        cell("df = None\nnp.corrcoef(X[:, 0], y)", ["export"]),
    )
    code = module_code(p)
    assert "X.mean()" not in code
    assert "def evaluate(X: Any, y: Any) -> Any:" in code
    assert "    return rmse\n" in code  # a metric nothing reads yet is the cell's result
    assert "def shape" not in code
    assert "cell 5: only displays values: no function" in p.notes
    assert "def plot_loss_curve(y: Any) -> None:" in code
    assert "plt.show()" in code  # a plot function shows its figure
    assert "    return np.corrcoef(X[:, 0], y)\n" in code


def test_a_numeric_constant_only_lifted_code_reads_is_a_keyword_argument() -> None:
    p = plan(
        cell("import numpy as np\nk = 4\neta = 0.5\nNAMES = ['a']", ["export"]),
        cell("data = np.arange(8)", ["export:core:load_data"]),
        cell("def step(x):\n    return x * eta", ["export"]),  # a def reads eta: it stays
        md("## Train the model"),
        cell("folds = np.array_split(data, k)\nw = step(len(folds))", ["export"]),
        cell("assert len(folds) == k", ["test"]),
    )
    code = module_code(p)
    assert "\nk = 4" not in code and "eta = 0.5" in code
    assert "def train_model(data: np.ndarray, k: int = 4) -> Any:" in code
    assert any("'k' becomes an argument of train_model() with its value 4" in n for n in p.notes)
    tests = render(p).files["tests/test_pkg.py"]
    assert "    folds = train_model(data)\n    k = 4\n    assert len(folds) == k" in tests


def test_the_package_readme_says_how_to_run_it_and_where_each_function_came_from() -> None:
    p = plan(
        md("# Housing"),
        md("## Load the housing data"),
        cell("import pandas as pd\nhousing = pd.read_csv('housing.csv')", ["export"]),
        cell("def rooms_per_house(df):\n    return df.rooms / df.houses", ["export"]),
        md("## Train the model"),
        cell("ratio = rooms_per_house(housing)\nmodel = fit(ratio)", ["export"]),
        cell("model"),
    )
    files = render(p).files
    readme = files["README.md"]
    assert "housing = load_housing_data()\nmodel = train_model(housing, fit)\n" in readme
    assert "arguments: fit." in readme
    assert "| `load_housing_data` | 3 | Load the housing data |" in readme
    assert "| `rooms_per_house` | 4 | Load the housing data |" in readme
    tests = files["tests/test_pkg.py"]
    assert "def test_the_package_imports() -> None:" in tests and "import pkg\n" in tests


@pytest.mark.parametrize(
    ("imports", "value", "annotation"),
    [
        ("import pandas as pd", "pd.read_csv('a.csv')", "pd.DataFrame"),
        ("from pandas import read_csv", "read_csv('a.csv')", "pd.DataFrame"),
        ("import numpy as np", "np.zeros(3)", "np.ndarray"),
        ("import torch", "torch.tensor([1.0])", "torch.Tensor"),
        ("from sklearn.linear_model import LinearRegression", "LinearRegression()", "LinearRegression"),
        ("import xgboost as xgb", "xgb.XGBRegressor()", "xgb.XGBRegressor"),
        ("import numpy as np", "np.random.rand(3)", "Any"),  # not in the catalog
    ],
)  # fmt: skip
def test_a_value_made_by_a_known_constructor_has_its_type(
    imports: str, value: str, annotation: str
) -> None:
    p = plan(
        cell(f"{imports}\nimport pandas as pd\nimport numpy as np\nv = {value}"),
        cell("w = use(v)", ["export:core:step"]),
        cell("w"),
    )
    assert f"def step(use: Any, v: {annotation}) -> Any:" in module_code(p)


def test_copied_defs_are_annotated_where_a_default_says_the_type() -> None:
    p = plan(
        cell(
            "def smooth(points, factor=0.9, label='x', *, verbose=False, n=None):\n"
            "    return points\n\n"
            "def tagged(points, factor: str = 0.9):\n    return points\n\n"
            "def smooth_all(points, factor=0.9):\n    out = []\n    return out",
            ["export"],
        )
    )
    code = module_code(p)
    assert "factor: float = 0.9" in code
    assert 'label: str = "x"' in code and "verbose: bool = False" in code and "n=None" in code
    assert "factor: str = 0.9" in code  # the user's annotation stays
    assert "def smooth_all(points, factor=0.9):" in code  # mypy would ask what `out` holds


def test_a_def_reading_a_parameter_takes_it_and_lifted_callers_pass_the_config() -> None:
    p = plan(
        cell("NUM_EPOCHS = 3", ["parameters"]),
        cell(
            "def train(model):\n    for _ in range(NUM_EPOCHS):\n        model.step()", ["export"]
        ),
        cell("train(make())", ["export:core:run"]),
    )
    code = module_code(p)
    assert "def train(model, *, NUM_EPOCHS):" in code
    assert "train(make(), NUM_EPOCHS=config.NUM_EPOCHS)" in code
    assert "def run(make: Any, config: Config = Config()) -> None:" in code  # train: no value
