"""The replay rules NBP110-NBP112: documentation and examples, as for the static rules.

Their findings come from running the notebook, not from analysing it, so they are not in
the static registry (``nbprod check`` never reports them); they share the static rules'
contract (:class:`nbprod.rules.base.Rule`: code, name, area, docs with the four sections,
VALID/INVALID examples) so selectors, suppression comments and ``nbprod explain`` treat
them like any other rule. ``tests/rerun/test_rule_examples.py`` runs the examples in real
kernels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Example, Invalid, Rule, code_cell


def _stdout(text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": "stdout", "text": text}


class ReplayRule(Rule):
    """Base of the rules whose findings come from ``nbprod rerun``."""

    area = ChecklistArea.EXECUTION
    repeat = 1  # runs its examples need (NBP112 compares two fresh runs)

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        return iter(())  # reported by nbprod.rerun, never by the static checker


class FailsFromScratch(ReplayRule):
    """## What it does
    Reports the first cell that fails when a copy of the notebook runs top to bottom in a
    fresh kernel (`nbprod rerun`). The message gives the exception and the likely cause
    from the static analysis: a name only a deleted cell defined, a cell that must run before
    another, a missing module or file, a call to `input()`. A kernel that dies, a cell
    that runs past `--timeout` and a run past `--total-timeout` are reported here too.

    ## Why is this bad?
    The stored outputs cannot be reproduced: the notebook only worked because of state
    left in a kernel by cells run out of order, edited or deleted. Anyone who restarts the
    kernel, and every scheduled or CI run, stops at this cell.

    ## Example
        [1] print(df_clean.shape)   # df_clean came from a cell that was deleted
        [2] model.fit(X, y)         # model is defined in the cell below
        [3] model = LinearRegression()

    ## Use instead
    Restore the missing definitions and order the cells so that "Restart & Run All"
    works, then re-run `nbprod rerun` until it passes.
        [1] df_clean = df.dropna()
        [2] model = LinearRegression()
        [3] model.fit(X, y)
    """

    code = "NBP110"
    name = "fails-from-scratch"
    severity = Severity.ERROR
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [["x = 1", "print(x + 1)"]]
    invalid = [Invalid(["print(df.shape)", "df = 1"], at=[(0, 1, 7)])]


class OutputDiffers(ReplayRule):
    """## What it does
    Reports a cell whose output in a fresh run differs from the output stored in the
    notebook. Only text/plain and stdout are compared, beyond noise, and the finding
    shows a short diff. Numbers are compared with a relative tolerance (`--rtol`, default 1e-6);
    memory addresses, timings, progress bars, warnings, dates, temporary paths and home
    folders are masked (see docs/rerun.md); images are compared by presence and size;
    stderr is not compared. Cells that run shell commands or install packages (`!cmd`,
    `%pip`, `%%bash`, `%%writefile`) and cells tagged `nbval-ignore-output` are not compared.

    ## Why is this bad?
    The numbers in the notebook are not the numbers the code produces: they came from an
    earlier version of a cell, from other data, or from state a clean run does not have.
    A reader who trusts the stored metric trusts a result nobody can reproduce.

    ## Example
        [1] print(accuracy)
        accuracy: 0.91            # stored; a fresh run prints 0.87

    ## Use instead
    Re-run the notebook from a fresh kernel and commit the outputs it produces (or
    clear the outputs), so the stored results are the code's results.
    """

    code = "NBP111"
    name = "output-differs"
    severity = Severity.WARNING
    checklist_item = "Reproducible results: stored outputs match a clean run"

    valid = [Example([code_cell("print(2 * 0.5)", outputs=[_stdout("1.0\n")])])]
    invalid = [Invalid([code_cell("print(1 + 1)", outputs=[_stdout("3\n")])], at=[(0, 1)])]


class Nondeterministic(ReplayRule):
    """## What it does
    Reports a cell whose output differs between two fresh runs (`nbprod rerun --repeat 2`,
    two new kernels; the same masking and tolerance as NBP111). The message names the unseeded source of randomness when the static
    analysis finds one: `np.random`, `random`, `torch` draws without a seed, unseeded
    generators, `time.time()`, `uuid.uuid4()`.

    ## Why is this bad?
    "Reproducible results: code, environment, data, seeds". An output that changes on
    every run cannot be compared with the last one: a better metric may be noise, and
    nobody can reproduce the number in the notebook.

    ## Example
        import numpy as np
        print(np.random.rand(3).mean())

    ## Use instead
        import numpy as np
        rng = np.random.default_rng(42)
        print(rng.random(3).mean())
    """

    code = "NBP112"
    name = "nondeterministic"
    severity = Severity.WARNING
    checklist_item = "Reproducible results: code, environment, data, seeds"
    repeat = 2

    valid = [["import random\nrandom.seed(0)", "print(random.random())"]]
    invalid = [Invalid(["import random", "print(random.random())"], at=[(1, 1)])]


RERUN_RULES: tuple[type[ReplayRule], ...] = (FailsFromScratch, OutputDiffers, Nondeterministic)


def replay_only_selections(selectors: Iterable[str]) -> list[str]:
    """``nbprod check``'s warnings for selectors that name replay rules and no static rule:
    accepted (a shared config may list them for ``nbprod rerun``) but without effect, as ruff
    warns about a selection that has no effect."""
    from nbprod.rules.registry import all_rules
    from nbprod.selection import specificity

    warnings = []
    for selector in selectors:
        if selector == "ALL" or any(specificity(selector, r) is not None for r in all_rules()):
            continue
        named = [
            f"{r.code} ({r.name})" for r in RERUN_RULES if specificity(selector, r) is not None
        ]
        if named:
            warnings.append(
                f"selection `{selector}` has no effect: {', '.join(named)}"
                f" {'is' if len(named) == 1 else 'are'} reported by `nbprod rerun`, not `nbprod check`"
            )
    return warnings


def rerun_rules_markdown() -> str:
    """The replay rules' catalog, in the format of docs/rules.md (shown in docs/rerun.md)."""
    parts = ["| code | name | severity | what it does |\n|---|---|---|---|\n"]
    for r in RERUN_RULES:
        parts.append(f"| {r.code} | {r.name} | {r.severity.value} | {r.summary()} |\n")
    for r in RERUN_RULES:
        body = r.docs().replace("## ", "#### ")
        parts.append(
            f"\n### {r.code} {r.name}\n\n"
            f"Severity: {r.severity.value}. Checklist: {r.checklist_item}.\n\n{body}\n"
        )
    return "".join(parts)
