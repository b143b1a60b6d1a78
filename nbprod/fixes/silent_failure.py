"""NBP401 silent-failure (unsafe): a broad handler re-raises after what it logs.

``except:`` becomes ``except Exception:`` (Ctrl-C and ``sys.exit`` are not the notebook's
errors to catch), and the handler ends with ``raise``; ``pass``, ``...`` and ``continue``
make way for it. Unsafe: the cell now stops where it used to go on, which is the point,
but the user decides. A blanket warnings filter gets no fix: which warnings to silence
is the user's reading.
"""

from __future__ import annotations

import libcst as cst

from nbprod.findings import Finding
from nbprod.fixes.codemod import PositionedCodemod, codemod_edits
from nbprod.fixes.model import Fix
from nbprod.notebook.model import Notebook

_QUIET = (cst.Pass, cst.Continue)


class ReraiseInHandler(PositionedCodemod):
    """Make the handler at ``line``:``column`` (1-based) re-raise what it catches."""

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        if self.done or not self.at(original_node):
            return updated_node
        self.done = True
        if updated_node.type is None:
            updated_node = updated_node.with_changes(
                type=cst.Name("Exception"), whitespace_after_except=cst.SimpleWhitespace(" ")
            )
        body = updated_node.body
        if isinstance(body, cst.SimpleStatementSuite):
            kept = [s for s in body.body if not _quiet(s)]
            return updated_node.with_changes(body=body.with_changes(body=[*kept, cst.Raise()]))
        assert isinstance(body, cst.IndentedBlock)
        lines = list(body.body)
        quiet = [s for s in lines if _quiet_line(s)]
        raise_line = cst.SimpleStatementLine([cst.Raise()])
        if quiet:  # the `raise` takes the first quiet line's comments
            assert isinstance(quiet[0], cst.SimpleStatementLine)
            raise_line = raise_line.with_changes(
                leading_lines=quiet[0].leading_lines,
                trailing_whitespace=quiet[0].trailing_whitespace,
            )
        kept_lines = [s for s in lines if not _quiet_line(s)]
        return updated_node.with_changes(body=body.with_changes(body=[*kept_lines, raise_line]))


def _quiet(statement: cst.BaseSmallStatement) -> bool:
    """``pass``, ``continue``, ``...`` or a lone string: statements that do nothing here."""
    if isinstance(statement, _QUIET):
        return True
    return isinstance(statement, cst.Expr) and isinstance(
        statement.value, (cst.Ellipsis, cst.SimpleString)
    )


def _quiet_line(line: cst.BaseStatement) -> bool:
    return isinstance(line, cst.SimpleStatementLine) and all(_quiet(s) for s in line.body)


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    lines = cell.source.split("\n")
    if not lines[finding.line - 1][finding.column - 1 :].startswith("except"):
        return None  # a warnings filter
    edits = codemod_edits(cell, ReraiseInHandler(None, finding.line, finding.column))
    if edits is None:
        return None
    return Fix("catch `Exception` and re-raise it after any logging", "unsafe", edits)
