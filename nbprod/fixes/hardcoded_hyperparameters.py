"""NBP303 hardcoded-hyperparameters (unsafe): the call's numeric keyword literals become
named constants in the parameters cell.

``RandomForestClassifier(n_estimators=300, max_depth=12)`` becomes
``RandomForestClassifier(n_estimators=N_ESTIMATORS, max_depth=MAX_DEPTH)`` with
``N_ESTIMATORS = 300`` and ``MAX_DEPTH = 12`` in the parameters cell. One call per fix:
the rule reports a cell once, at its first call, so the next round fixes the next one.
A positional literal (no name to give it), or a name already set to another value,
means no fix. Unsafe: which settings are worth a parameter is the user's call.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

import libcst as cst

from nbprod.findings import Finding
from nbprod.fixes.codemod import PositionedCodemod, Skip, codemod_edits
from nbprod.fixes.model import Fix
from nbprod.fixes.parameters import assignment, define
from nbprod.notebook.model import Notebook

if TYPE_CHECKING:
    from libcst.codemod import CodemodContext

# Run-time settings, not hyper-parameters: they stay where they are.
_KEEP = frozenset(
    {"random_state", "seed", "random_seed", "n_jobs", "nthread", "thread_count", "verbose",
     "verbosity", "silent", "workers", "use_multiprocessing", "gpu_id", "device"}
)  # fmt: skip


class NameLiterals(PositionedCodemod):
    """Replace the numeric keyword literals of the call at ``line``:``column`` (1-based)
    with upper-case names; ``constants`` collects ``(NAME, literal)``."""

    def __init__(self, context: CodemodContext | None, line: int, column: int) -> None:
        super().__init__(context, line, column)
        self.constants: list[tuple[str, str]] = []

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if self.done or not self.at(original_node):
            return updated_node
        code = cst.Module([]).code_for_node
        args = []
        for arg in updated_node.args:
            literal = _numeric(code(arg.value))
            if literal is not None and arg.keyword is None and not arg.star:
                raise Skip("a positional literal has no name to give it")
            if literal is not None and arg.keyword is not None and arg.keyword.value not in _KEEP:
                name = arg.keyword.value.upper()
                self.constants.append((name, literal))
                arg = arg.with_changes(value=cst.Name(name))
            args.append(arg)
        if not self.constants:
            raise Skip("no literal to name")
        self.done = True
        return updated_node.with_changes(args=args)


def _numeric(text: str) -> str | None:
    """``text`` when it is a number, or a tuple or list of numbers (``(64, 32)``)."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    items = value if isinstance(value, (tuple, list)) and value else [value]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
        return text
    return None


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    cell = nb.cells[finding.cell_index]
    command = NameLiterals(None, finding.line, finding.column)
    edits = codemod_edits(cell, command)
    if edits is None:
        return None
    for name, literal in command.constants:
        existing = assignment(nb, name)
        if existing is not None and existing[1] != literal:
            return None  # the name holds another value: using it would change the model
    defined = define(nb, command.constants, cell.index)
    if defined is None or len({n for n, _ in command.constants}) < len(command.constants):
        return None
    names = ", ".join(f"`{n}`" for n, _ in command.constants)
    return Fix(f"move {names} to the parameters cell", "unsafe", (*edits, *defined))
