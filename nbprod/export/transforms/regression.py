"""Turn a cell's displayed result into an assertion against the recorded output."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand


class AssertRecordedResult(VisitorBasedCodemodCommand):
    """Replace the cell's final expression ``f(x)`` by ``assert f(x) == <recorded>``.

    The notebook stored what ``f(x)`` displayed; the test fails when the exported
    code stops computing it. Numbers compare with ``pytest.approx`` (floating-point
    results drift in the last digits across platforms), everything else exactly.
    ``pytest`` is imported by the test module (``HoistImports``), not here: this
    code is about to be wrapped in a test function.
    """

    DESCRIPTION = "Assert a recorded cell result."

    def __init__(self, context: CodemodContext, expected: str, approx: bool) -> None:
        super().__init__(context)
        self.expected = expected
        self.approx = approx

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = list(updated_node.body)
        last = body[-1] if body else None
        if (
            not isinstance(last, cst.SimpleStatementLine)
            or len(last.body) != 1
            or not isinstance(last.body[0], cst.Expr)
        ):
            self.warn("the cell does not end with an expression")
            return updated_node
        expected = cst.parse_expression(self.expected)
        if self.approx:
            expected = cst.Call(cst.parse_expression("pytest.approx"), [cst.Arg(expected)])
        check = cst.Comparison(last.body[0].value, [cst.ComparisonTarget(cst.Equal(), expected)])
        body[-1] = last.with_changes(body=[cst.Assert(check)])
        return updated_node.with_changes(body=body)
