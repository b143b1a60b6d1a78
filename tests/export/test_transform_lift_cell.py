from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms import LiftCellToFunction


class LiftCellToFunctionTest(CodemodTest):
    TRANSFORM = LiftCellToFunction

    def test_free_variables_become_parameters(self) -> None:
        before = "df = raw.dropna()\nn = len(df)\n"
        after = "def clean(raw):\n    df = raw.dropna()\n    n = len(df)\n    return df, n\n"
        self.assertCodemod(before, after, name="clean", returns=["df", "n"])

    def test_read_before_assignment_is_a_parameter(self) -> None:
        before = "total = total + step\n"
        after = "def add(total, step):\n    total = total + step\n    return total\n"
        self.assertCodemod(before, after, name="add", returns=["total"])

    def test_excluded_names_builtins_and_names_bound_first_are_not_parameters(self) -> None:
        before = "values = [np.sqrt(v) for v in data]\nprint(len(values), SEED)\n"
        after = "def roots(data):\n    values = [np.sqrt(v) for v in data]\n    print(len(values), SEED)\n"
        self.assertCodemod(before, after, name="roots", exclude={"np", "SEED"})

    def test_reads_in_function_bodies_count_when_nothing_in_the_cell_binds_them(self) -> None:
        before = "def scale(x):\n    return x * factor\nout = [scale(v) for v in items]\n"
        after = (
            "def step(factor, items):\n    def scale(x):\n        return x * factor\n"
            "    out = [scale(v) for v in items]\n    return out\n"
        )
        self.assertCodemod(before, after, name="step", returns=["out"])

    def test_docstring_comments_and_trailing_display(self) -> None:
        before = "# load\n\nrows = read(path)\nrows\n"
        after = 'def load(path):\n    """Load the data."""\n    # load\n    rows = read(path)\n    return rows\n'
        self.assertCodemod(
            before,
            after,
            name="load",
            returns=["rows"],
            exclude={"read"},
            docstring="Load the data.",
        )

    def test_trailing_call_is_kept(self) -> None:
        before = "model.fit(X, y)\n"
        after = "def train(model, X, y):\n    model.fit(X, y)\n"
        self.assertCodemod(before, after, name="train")

    def test_a_trailing_expression_is_the_result_when_nothing_else_is_returned(self) -> None:
        before = "score = model.evaluate(X, y)\nscore[1]\n"
        after = (
            "def evaluate(model, X, y):\n    score = model.evaluate(X, y)\n    return score[1]\n"
        )
        self.assertCodemod(before, after, name="evaluate", result=True)
        for shown in ("print(model)", "df.dropna(inplace=True)", "rows.append(1)"):
            before = f"model.fit(X, y)\n{shown}\n"  # shows or changes something: no result
            after = f"def train():\n    model.fit(X, y)\n    {shown}\n"
            self.assertCodemod(before, after, name="train", result=True, params=[])
