from __future__ import annotations

from libcst.codemod import CodemodTest

from nbprod.export.transforms import AssertRecordedResult


class AssertRecordedResultTest(CodemodTest):
    TRANSFORM = AssertRecordedResult

    def test_numbers_compare_with_tolerance(self) -> None:
        before = "n = 5\ncalc_collision_prob(n, 1000)\n"
        after = (
            "n = 5\nassert calc_collision_prob(n, 1000) == pytest.approx(0.009965049976000118)\n"
        )
        self.assertCodemod(before, after, expected="0.009965049976000118", approx=True)

    def test_other_values_compare_exactly(self) -> None:
        before = 'split_words("a b.")\n'
        after = "assert split_words(\"a b.\") == ['a', 'b', '.']\n"
        self.assertCodemod(before, after, expected="['a', 'b', '.']", approx=False)

    def test_a_cell_without_a_final_expression_is_left_alone(self) -> None:
        before = "x = f(1)\n"
        self.assertCodemod(
            before,
            before,
            expected="1",
            approx=False,
            expected_warnings=["the cell does not end with an expression"],
        )
