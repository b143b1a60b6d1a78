from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms import Annotate


class AnnotateTest(CodemodTest):
    TRANSFORM = Annotate

    def test_adds_parameter_and_return_types(self) -> None:
        before = "def load(path, rows):\n    return read(path)[:rows]\n"
        after = "def load(path: str, rows: int) -> pd.DataFrame:\n    return read(path)[:rows]\n"
        self.assertCodemod(
            before,
            after,
            function="load",
            params={"path": "str", "rows": "int"},
            returns="pd.DataFrame",
        )

    def test_keeps_what_the_user_wrote_and_other_functions(self) -> None:
        before = "def f(a: float, b):\n    pass\ndef g(a):\n    pass\n"
        after = "def f(a: float, b: Any) -> None:\n    pass\ndef g(a):\n    pass\n"
        self.assertCodemod(
            before, after, function="f", params={"a": "int", "b": "Any"}, returns="None"
        )

    def test_tuple_returns(self) -> None:
        before = "def split(df):\n    return a, b\n"
        after = "def split(df: Any) -> tuple[int, str]:\n    return a, b\n"
        self.assertCodemod(
            before, after, function="split", params={"df": "Any"}, returns="tuple[int, str]"
        )
