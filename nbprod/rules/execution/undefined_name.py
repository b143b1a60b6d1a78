from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, NameRef
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell


class UndefinedName(Rule):
    """## What it does
    Flags a name that is read but defined in no cell of the notebook, and is neither a
    builtin nor part of IPython's namespace. It stays silent for cells below (or run
    after) a cell that may define names it cannot see: `from x import *`, `%run`,
    `%pylab`, `%store -r`, `exec`, a cell that does not parse.

    An exercise template (at least a third of the code cells blank or only comments)
    is not checked: the missing definitions are the reader's to write.

    ## Why is this bad?
    The value lives only in the kernel: it came from a cell that was deleted or edited
    since it ran. The stored outputs depend on it, and nobody can reproduce them.

    ## Example
        [5] model.fit(X_train, y_train)   # the cell that defined `model` was deleted

    ## Use instead
    Restore the definition in a cell above its use.
    """

    code = "NBP105"
    name = "undefined-name"
    area = ChecklistArea.EXECUTION
    severity = Severity.ERROR
    checklist_item = "Reproducible results: code, environment, data"

    valid = [
        ["print(len([1, 2]))", "display(In[0])", "_ + 1", "_3"],
        ["from helpers import *", "clean(df)"],
        ["%run setup.py", "clean(df)"],
        # a Databricks notebook exported with a plain Python kernelspec
        ["displayHTML('<b>hi</b>')", "rdd = sc.parallelize([1, 2])"],
        # a cell with a syntax error still defines what its other statements define, and
        # what its broken statements seem to bind
        [
            "from helpers import load\ndata = load()\nprint data.shape\nsize = (len(data)",
            "print(data, size)",
        ],
        [code_cell("clean(df)", count=2), code_cell("%run setup.py", count=1)],
        ["files = !ls", "%%capture out\nprint(files)", "out.show()"],
        ["def f():\n    global counter\n    counter = 1", "f()\nprint(counter)"],
        ["try:\n    import ujson as json\nexcept ImportError:\n    import json", "json.dumps({})"],
        ["import os.path", "os.path.join('a', 'b')"],
        ["x = (y := 3) + y"],
        # an exercise template: the reader writes the definitions
        ["# Load the data into X and y", "# Split the data", "", "print(X.shape)"],
    ]
    invalid = [
        Invalid(["df = raw.dropna()"], at=[(0, 1, 6)]),
        Invalid(["def score(y):\n    return metric(y)"], at=[(0, 2, 12)]),
        Invalid(["a = 1", "print(a, b)"], at=[(1, 1, 10)]),
        Invalid(["print(df_clean)", "%run helpers.ipynb"], at=[(0, 1, 7)]),
        # one unparsable cell does not silence the rule for the cells below it
        Invalid(
            ["from helpers import load\ndata = load()\nprint data.shape", "print(dta)"],
            at=[(1, 1, 7)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        if nb.skeleton:
            return  # an exercise template: the reader writes the missing definitions
        for facts in nb.cells:
            if facts.syntax_error is not None or nb.names_uncertain(facts):
                continue  # an unparsable cell is NBP000's; what it reads is not all known
            reported: set[str] = set()
            refs: list[NameRef] = [*facts.reads, *facts.anonymous_deferred]
            for body in facts.deferred.values():
                refs.extend(body)
            refs.sort(key=lambda r: (r.line, r.column))
            for ref in refs:
                if ref.name in reported or ref.name in nb.definitions or nb.is_ambient(ref.name):
                    continue
                reported.add(ref.name)
                consequence = (
                    "this cell fails when run"
                    if facts.cell.execution_count is None
                    else "hidden state from a deleted or edited cell"
                )
                yield self.at_ref(
                    nb, facts, ref, f"'{ref.name}' is not defined in any cell: {consequence}"
                )
