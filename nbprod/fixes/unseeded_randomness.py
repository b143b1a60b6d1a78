"""NBP302 unseeded-randomness: pass ``SEED`` to the call, and define ``SEED = 42`` in the
parameters cell (created if missing, tagged ``parameters``).

The argument is the one the finding names: ``random_state=SEED`` for scikit-learn and
``scipy.stats`` (replacing ``random_state=None``), ``seed=`` / ``random_seed=`` for
Hugging Face datasets and PyMC, the first argument of a generator made without a seed
(``np.random.default_rng(SEED)``). No fix for draws from a global generator
(``np.random.rand``: no argument to seed) nor for ``DataLoader(generator=)``, which
takes a generator object, not a number.

The most common safe fix, so it is a text edit placed with the standard ``ast``, not a
libcst codemod: a plain ``nbprod check`` would otherwise import libcst (0.4 s per worker
process) for a few milliseconds of work.
"""

from __future__ import annotations

import ast
import re
import warnings

from nbprod.findings import Finding
from nbprod.fixes.model import Fix
from nbprod.fixes.parameters import define
from nbprod.fixes.text import parses, source_edits
from nbprod.notebook.ipython import mask
from nbprod.notebook.model import Notebook

SEED = "SEED"
_NUMBER_SEEDS = frozenset({"random_state", "seed", "random_seed"})
_NAMED = re.compile(r"without `(random_state)`|without a seed \(`(\w+)=`\)")
_GENERATOR = re.compile(r"\(\)` without a seed:")


def add_seed(
    source: str,
    start: tuple[int, int],
    end: tuple[int, int],
    keyword: str | None = "random_state",
    name: str = SEED,
) -> str | None:
    """``source`` with the call spanning ``start``..``end`` (1-based lines, columns in
    code points, end exclusive) seeded with ``name``: as the ``keyword`` argument
    (replacing its value if given), or as the only argument when ``keyword`` is None.
    None when there is no such call, a generator already has an argument, or the result
    would not parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning: not ours to report here
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    lines = source.split("\n")
    if not (0 < start[0] <= len(lines) and 0 < end[0] <= len(lines)):
        return None
    starts = [0]
    for text in lines:
        starts.append(starts[-1] + len(text) + 1)

    def index(line: int, byte_col: int) -> int:
        """The string index of an ast position (a UTF-8 byte column)."""
        return starts[line - 1] + len(lines[line - 1].encode()[:byte_col].decode(errors="replace"))

    def node_span(node: ast.expr | ast.keyword) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return index(node.lineno, node.col_offset), index(node.end_lineno, node.end_col_offset)

    wanted = (starts[start[0] - 1] + start[1] - 1, starts[end[0] - 1] + end[1] - 1)
    call = next(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call) and node_span(n) == wanted),
        None,
    )
    if call is None:
        return None
    close = wanted[1] - 1  # the call's closing parenthesis
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    arguments.sort(key=lambda a: (a.lineno, a.col_offset))
    if keyword is None:
        new = None if arguments else source[:close] + name + source[close:]
    else:
        given = next((k for k in call.keywords if k.arg == keyword), None)
        if given is not None:
            value_start, value_end = node_span(given.value)
            new = source[:value_start] + name + source[value_end:]
        elif not arguments:
            new = source[:close] + f"{keyword}={name}" + source[close:]
        else:
            new = _append(source, node_span(arguments[-1]), close, f"{keyword}={name}")
    return new if new is not None and parses(new) else None


def _append(source: str, last: tuple[int, int], close: int, argument: str) -> str:
    """``source`` with ``argument`` added after the last argument (spanning ``last``),
    keeping a trailing comma and one-argument-per-line layout."""
    after = last[1]
    tail = source[after:close]
    comma = tail.find(",")
    if comma < 0:
        return source[:after] + f", {argument}" + source[after:]
    newline = tail.find("\n", comma)
    if newline < 0:  # `f(a, b, )`: on the same line
        at = after + comma + 1
        return source[:at] + f" {argument}," + source[at:]
    # one argument per line: a new line indented like the last argument's
    last_line = source[source.rfind("\n", 0, last[0]) + 1 : last[1]]
    indent = last_line[: len(last_line) - len(last_line.lstrip())]
    at = after + newline + 1
    return source[:at] + f"{indent}{argument},\n" + source[at:]


def fix(nb: Notebook, finding: Finding) -> Fix | None:
    named = _NAMED.search(finding.message)
    keyword = (named.group(1) or named.group(2)) if named else None
    if keyword is not None and keyword not in _NUMBER_SEEDS:
        return None  # `generator=` takes an object: which one is the user's choice
    if keyword is None and not _GENERATOR.search(finding.message):
        return None  # a draw from a global generator: there is no argument to seed
    cell = nb.cells[finding.cell_index]
    masked = mask(cell.source)
    if not masked.python:
        return None
    new = add_seed(
        masked.text,
        (finding.line, finding.column),
        (finding.end_line, finding.end_column),
        keyword,
    )
    edits = None if new is None else source_edits(cell, masked.text, new)
    if edits is None:
        return None
    defined = define(nb, [(SEED, "42")], cell.index)
    if defined is None:
        return None
    return Fix("seed the call with `SEED` (a parameter, 42)", "safe", (*edits, *defined))
