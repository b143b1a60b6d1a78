"""NBP302 unseeded-randomness: pass ``SEED`` to the call, and define ``SEED = 42`` in the
parameters cell (created if missing, tagged ``parameters``).

The argument is the one the finding names: ``random_state=SEED`` for scikit-learn and
``scipy.stats`` (replacing ``random_state=None``), ``seed=`` / ``random_seed=`` for
Hugging Face datasets and PyMC, the first argument of a generator made without a seed
(``np.random.default_rng(SEED)``). No fix for draws from a global generator
(``np.random.rand``: no argument to seed) nor for ``DataLoader(generator=)``, which
takes a generator object, not a number.
"""

from __future__ import annotations

import re

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile

from nbprod.findings import Finding
from nbprod.fixes.codemod import PositionedCodemod, codemod_edits
from nbprod.fixes.model import Fix
from nbprod.fixes.parameters import define
from nbprod.notebook.model import Notebook

SEED = "SEED"
_NUMBER_SEEDS = frozenset({"random_state", "seed", "random_seed"})
_NAMED = re.compile(r"without `(random_state)`|without a seed \(`(\w+)=`\)")
_GENERATOR = re.compile(r"\(\)` without a seed:")


class AddSeed(PositionedCodemod):
    """Seed the call that starts at ``line``:``column`` (1-based) with ``name``, as the
    ``keyword`` argument, or as the first argument when ``keyword`` is None."""

    def __init__(
        self,
        context: CodemodContext,
        line: int,
        column: int,
        keyword: str | None = "random_state",
        name: str = SEED,
    ) -> None:
        super().__init__(context, line, column)
        self.keyword = keyword
        self.name = name

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if self.done or not self.at(original_node):
            return updated_node
        self.done = True
        seed = cst.Name(self.name)
        if self.keyword is None:
            if updated_node.args:
                raise SkipFile("already given a seed")
            return updated_node.with_changes(args=[cst.Arg(seed)])
        args = list(updated_node.args)
        for i, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == self.keyword:
                args[i] = arg.with_changes(value=seed)
                return updated_node.with_changes(args=args)
        new = cst.Arg(
            seed,
            keyword=cst.Name(self.keyword),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        if args and isinstance(args[-1].comma, cst.Comma):
            # a trailing comma (one argument per line): the new argument gets it, and
            # the one before gets the separator its predecessor has
            before = (
                args[-2].comma
                if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
                else cst.Comma(whitespace_after=updated_node.whitespace_before_args)
            )
            new = new.with_changes(comma=args[-1].comma)
            args[-1] = args[-1].with_changes(comma=before)
        return updated_node.with_changes(args=[*args, new])


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    named = _NAMED.search(finding.message)
    keyword = (named.group(1) or named.group(2)) if named else None
    if keyword is not None and keyword not in _NUMBER_SEEDS:
        return None  # `generator=` takes an object: which one is the user's choice
    if keyword is None and not _GENERATOR.search(finding.message):
        return None  # a draw from a global generator: there is no argument to seed
    cell = nb.cells[finding.cell_index]
    edits = codemod_edits(cell, AddSeed(CodemodContext(), finding.line, finding.column, keyword))
    if edits is None:
        return None
    defined = define(nb, [(SEED, "42")], cell.index)
    if defined is None:
        return None
    return Fix("seed the call with `SEED` (a parameter, 42)", "safe", (*edits, *defined))
