from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.stateless import displays_only
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell, markdown_cell


class UnexecutedCell(Rule):
    """## What it does
    Flags a code cell that was never run although cells below it were. Cells that are
    optional by nature are left alone: installing packages, logging in or mounting a
    drive, uploading a file, launching a demo UI, and any cell under a markdown cell that
    calls it optional or an alternative ("Option 2: ..."), and a `parameters` cell of
    assignments (papermill injects its values; `--fix` may add one). So are cells that stored an
    output (they ran; the count was cleared) and cells that only display something
    (`df.head()`, `print(x)`).

    An exercise template (at least a third of the code cells blank or only comments)
    is not checked: its cells are the reader's to write and run.

    ## Why is this bad?
    The outputs below were computed without this cell: either it is dead code, or
    "Restart & Run All" will run code that the stored results never saw, and may fail
    or change them.

    ## Example
        [1] df = load()
        [ ] df = df[df.age > 0]
        [2] model.fit(df)

    ## Use instead
    Run every cell in order, or delete the cell if it is not needed.
    """

    code = "NBP102"
    name = "unexecuted-cell"
    area = ChecklistArea.EXECUTION
    severity = Severity.WARNING
    checklist_item = "Reproducible results: the notebook runs top to bottom"

    valid = [
        ["a = 1", "b = 2"],
        [code_cell("a = 1", count=None), code_cell("b = 2", count=None)],
        [
            code_cell("a = 1", count=1),
            code_cell("b = 2", count=None),
        ],  # not run yet: work in progress
        [
            code_cell("a = 1", count=1),
            code_cell("\n# just a note\n", count=None),
            code_cell("c = 3", count=2),
        ],
        # optional by nature, or said to be optional
        [
            code_cell("!pip install -q transformers", count=None),
            code_cell("from huggingface_hub import notebook_login\nnotebook_login()", count=None),
            code_cell("from google.colab import files\nuploaded = files.upload()", count=None),
            markdown_cell("**Option 2**: read the data from a local copy instead"),
            code_cell("df = pd.read_csv('local.csv')", count=None),
            code_cell("import pandas as pd", count=1),
            code_cell("demo.launch(share=True)", count=None),
            code_cell("# Create a bucket if you don't have one\n!gsutil mb gs://x", count=None),
            code_cell("print(pd.__version__)", count=2),
        ],
        # an exercise template: the reader is to write and run the cells
        [
            code_cell("import torch", count=1),
            code_cell("# Make X and y", count=None),
            code_cell("# Split them", count=None),
            code_cell("model = train(X, y)", count=None),
            code_cell("# Plot the predictions", count=2),
        ],
        # ran (its output is stored, its count was lost); only displays
        [
            code_cell("a = 1", count=1),
            code_cell(
                "b = a + 1\nb",
                count=None,
                outputs=[{"output_type": "stream", "name": "stdout", "text": "2"}],
            ),
            code_cell("df.head()", count=None),
            code_cell("c = 3", count=2),
        ],
        # a parameters cell of assignments (papermill injects its values)
        [
            code_cell("import numpy as np", count=1),
            code_cell("SEED = 42\nDATA_DIR = 'data'", count=None, tags=["parameters"]),
            code_cell("rng = np.random.default_rng(SEED)", count=2),
        ],
    ]
    invalid = [
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("b = a", count=None),
                code_cell("c = 3", count=2),
            ],
            at=[(1, 1)],
        ),
        # an install line does not make the rest of the cell optional
        Invalid(
            [
                code_cell("a = 1", count=1),
                code_cell("!pip install x\nb = a * 2", count=None),
                code_cell("c = 3", count=2),
            ],
            at=[(1, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        if nb.skeleton:
            return  # an exercise template: the reader is to write and run the cells
        later_executed = False
        for facts in reversed(nb.cells):
            cell = facts.cell
            if cell.execution_count is not None:
                later_executed = True
            elif (
                later_executed
                and cell.has_code
                and not cell.outputs  # it ran: its count was lost, its output is there
                and not displays_only(facts)
                and not _optional(nb, facts)
            ):
                yield self.finding(
                    nb, cell, "code cell was never executed, but cells below it were"
                )


# Calls that set up a session rather than compute: a notebook is often run without them.
_SETUP_CALLS = frozenset(
    {"login", "notebook_login", "mount", "upload", "authenticate_user", "launch"}
)
_SETUP_SHELL = re.compile(r"^(pip3?|conda|mamba|apt(-get)?|gcloud auth|huggingface-cli login)\b")
_OPTIONAL_NOTE = re.compile(
    r"\boptional\b|\boption \d\b|\balternative(ly)?\b|\bonly need to run\b"
    r"|\bif you (don'?t|do not) (already )?have\b|\b(run|do) (this|it) (only )?once\b",
    re.I,
)


def _assignments_only(facts: CellFacts) -> bool:
    """Assignments and imports only (`SEED = 42`, `DATA_DIR = os.getenv(...)`)."""
    return facts.tree is not None and all(
        isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom))
        for stmt in facts.tree.body
    )


def _optional(nb: AnalyzedNotebook, facts: CellFacts) -> bool:
    """An install, login, upload or demo-launch cell, one its note calls optional (the
    markdown cell above, or the comment lines the cell starts with), or a `parameters`
    cell of assignments (papermill injects its values; a fix may have just added it)."""
    if "parameters" in facts.cell.tags and _assignments_only(facts):
        return True
    above = nb.notebook.cells[facts.cell.index - 1] if facts.cell.index > 0 else None
    if above is not None and above.kind == "markdown" and _OPTIONAL_NOTE.search(above.source):
        return True
    lines = facts.cell.source.lstrip().split("\n")
    comments = "\n".join(itertools.takewhile(lambda line: line.lstrip().startswith("#"), lines))
    if _OPTIONAL_NOTE.search(comments):
        return True
    if facts.tree is None:
        return False
    for magic in facts.magics:
        command = magic.args if magic.kind == "shell" else f"{magic.name} {magic.args}"
        if not _SETUP_SHELL.match(command.strip()):
            return False
    for stmt in facts.tree.body:
        if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom)):
            continue  # `pass` is where a magic line was
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        if not (
            isinstance(value, ast.Call)
            and isinstance(value.func, (ast.Attribute, ast.Name))
            and (value.func.attr if isinstance(value.func, ast.Attribute) else value.func.id)
            in _SETUP_CALLS
        ):
            return False
    return True
