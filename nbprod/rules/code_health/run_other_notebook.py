from __future__ import annotations

import shlex
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Example, Invalid, Rule

# Packages whose only purpose is importing notebooks as modules.
_NOTEBOOK_IMPORTERS = frozenset({"import_ipynb", "nbimporter", "ipynb"})
_DATABRICKS = "application/vnd.databricks.v1+notebook"


class RunOtherNotebook(Rule):
    """## What it does
    Flags code that pulls another notebook into this one: `%run other.ipynb` (with any
    options), `%run ./other` in a Databricks notebook (where `%run` includes notebooks),
    and imports through `import_ipynb`, `nbimporter` or `ipynb.fs`.

    Not reported: `%run script.py`, `%run -m module`, and explicit pipelines
    (`papermill.execute_notebook`, `dbutils.notebook.run`), which pass inputs and keep
    outputs separate.

    ## Why is this bad?
    Names defined in the other notebook appear here without any definition you can
    read; its cells' order and state decide what this one computes. Nothing packages
    it, tests it or pins it, and moving either file breaks both. Rules of ML #32:
    reuse code between training and production through a module, not by running
    notebooks.

    ## Example
        %run helpers.ipynb
        df = clean(raw)

    ## Use instead
    Move the shared code into a module (`nbprod export` tags the cells) and import it.
        from churn.helpers import clean
    """

    code = "NBP405"
    name = "run-other-notebook"
    area = ChecklistArea.CODE_HEALTH
    severity = Severity.WARNING
    checklist_item = "Rules of ML #32: reuse code between training and production"

    valid = [
        ["%run helpers.py", "%run -m package.tool -- --flag"],
        ["import papermill as pm\npm.execute_notebook('a.ipynb', 'out.ipynb', parameters={})"],
        ["%run ./setup"],  # outside Databricks, `%run` without an extension runs no notebook
        ["# %run helpers.ipynb"],
    ]
    invalid = [
        Invalid(["%run helpers.ipynb"], at=[(0, 1, 1)]),
        Invalid(["x = 1\n%run -i 'shared code.ipynb'"], at=[(0, 2, 1)]),
        Invalid(["import import_ipynb\nimport helpers"], at=[(0, 1, 8)]),
        Invalid(["from ipynb.fs.defs.helpers import clean"], at=[(0, 1, 35)]),
        Invalid(["def setup():\n    import nbimporter"], at=[(0, 1, 1)]),
        Example(["%run ./setup"], at=[(0, 1, 1)], metadata={_DATABRICKS: {"language": "python"}}),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        databricks = _DATABRICKS in nb.notebook.metadata
        for facts in nb.cells:
            for magic in facts.magics:
                if magic.kind == "line" and magic.name == "run":
                    target = _run_target(magic.args)
                    if target is not None and (
                        target.endswith(".ipynb")
                        or (databricks and not target.endswith((".py", ".ipy")))
                    ):
                        yield self.finding(
                            nb,
                            facts.cell,
                            f"`%run {target}` runs another notebook: its names and state are a"
                            " hidden dependency; import the shared code from a module instead",
                            magic.line,
                            magic.column,
                        )
            yield from self._imports(nb, facts)

    def _imports(self, nb: AnalyzedNotebook, facts: CellFacts) -> Iterator[Finding]:
        for alias, qualified in facts.imports.items():
            if qualified.split(".", 1)[0] not in _NOTEBOOK_IMPORTERS:
                continue
            # imports inside a function have no module-level binding: point at the cell
            where = next(
                (
                    (b.line, b.column)
                    for b in facts.bindings
                    if b.kind == "import" and b.name == alias
                ),
                (1, 1),
            )
            yield self.finding(
                nb,
                facts.cell,
                f"`{qualified}` imports code from other notebooks: a hidden dependency"
                " no package or test covers; move the shared code into a module",
                *where,
            )


def _run_target(args: str) -> str | None:
    """The file `%run` executes; None for `%run -m module`."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    for word in words:
        if word == "-m":
            return None
        if not word.startswith("-"):
            return word
    return None
