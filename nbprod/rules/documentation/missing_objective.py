from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from nbprod.analysis import AnalyzedNotebook, CellFacts
from nbprod.analysis.cell import dotted_name
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import ExampleCell, Invalid, Rule, markdown_cell

_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+\S")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_HTML_HEADING = re.compile(r"<h([1-6])[^>]*>.*?</h\1\s*>", re.I | re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_BARE_URL = re.compile(r"\b(?:https?|ftp)://\S+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_BOILERPLATE = re.compile(r"copyright|licen[cs]ed under|all rights reserved", re.I)
_CREDIT = re.compile(r"\bthanks to\b|\backnowledge?ments?\b|\binspired by\b", re.I)


class MissingObjective(Rule):
    """## What it does
    Flags a notebook that does not open with its objective: a markdown heading and some
    text before the first code cell. Some text means at least `min-objective-words`
    words (default 8, a short sentence) outside headings, links' targets, images,
    lists of links, credit lines ("thanks to", "inspired by") and copyright or license
    notices.
    Code cells holding only comments or blanks do not count as code, nor do setup cells
    above the title (installs, magics, imports with version or date prints); notebooks
    without code are skipped.

    ## Why is this bad?
    The first item of the production checklist is to frame the problem: what is
    predicted, for whom, and how success is measured. Without it a reader cannot judge
    the results, and the notebook cannot be turned into a maintained pipeline.

    ## Example
        [1] import pandas as pd
        [2] df = pd.read_csv("data/raw/customers.csv")

    ## Use instead
        # Customer churn: who will cancel next quarter?
        Rank current customers by churn risk so the retention team calls the riskiest
        first. Metric: ROC AUC on a held-out 20 % split.
    """

    code = "NBP501"
    name = "missing-objective"
    area = ChecklistArea.DOCUMENTATION
    scope = "notebook"
    severity = Severity.WARNING
    checklist_item = "Frame the problem: state the objective and the metric first"
    options = {"min-objective-words": 8}

    valid = [
        [
            markdown_cell(
                "# Churn\n\nPredict which customers cancel next quarter; metric: ROC AUC on a held-out split."
            ),
            "import pandas as pd",
        ],
        [
            markdown_cell("Copyright 2024 Acme. Licensed under the Apache License, Version 2.0."),
            "# @title License\n# comments only",
            markdown_cell(
                "Customer churn\n==============\nThis notebook ranks customers by their risk of leaving the service."
            ),
            "import pandas as pd",
        ],
        [
            markdown_cell(
                "<h1>Sales forecast</h1>\n<p>We forecast weekly sales per store for the next quarter.</p>"
            ),
            "x = 1",
        ],
        [markdown_cell("# Notes"), markdown_cell("Only text here, no code at all.")],
        # setup cells above the title: installs, version prints
        [
            "!pip install -q torchmetrics\n%matplotlib inline",
            "import torch\nprint(torch.__version__)",
            markdown_cell(
                "# Food vision\n\nWe classify photos of food into one of 101 classes, measured by top-1 accuracy."
            ),
            "model = build()",
        ],
        # a date print above the title; a title and one short sentence
        [
            "import datetime\nprint(f'Last updated: {datetime.datetime.now()}')",
            markdown_cell(
                "# A quick PyTorch 2.0 tutorial\n\nPyTorch 2.0 is out, and it trains models faster."
            ),
            "model = build()",
        ],
        [markdown_cell("# Apple Stock\n\nWe are going to use Apple's stock price."), "x = 1"],
    ]
    invalid = [
        Invalid(
            [ExampleCell("---\ntitle: churn\n---", "raw", None), "import pandas as pd"], at=[(1, 1)]
        ),
        Invalid(
            [
                "import pandas as pd",
                markdown_cell("# Churn\n\nPredict which customers cancel next quarter."),
            ],
            at=[(0, 1)],
        ),
        Invalid(
            [
                markdown_cell("# Pokemon"),
                markdown_cell("### Introduction:\n\nThis time you will create the data."),
                "x = 1",
            ],
            at=[(0, 1)],
        ),
        Invalid(
            [
                markdown_cell(
                    "This is a companion notebook for the book, with code blocks and section titles only."
                ),
                "x = 1",
            ],
            at=[(0, 1)],
        ),
        Invalid(
            [
                markdown_cell(
                    "Copyright (c) Microsoft Corporation. All rights reserved.\nLicensed under the MIT License."
                ),
                markdown_cell(
                    "![Impressions](https://example.org/pixel.png)\n# Spark session on a pool"
                ),
                "!pip install azureml",
            ],
            at=[(0, 1)],
        ),
        # thanks and a list of links state no objective
        Invalid(
            [
                markdown_cell(
                    "# Regiment\n\nSpecial thanks to: http://chrisalbon.com/ for sharing the dataset and materials."
                ),
                "x = 1",
            ],
            at=[(0, 1)],
        ),
        Invalid(
            [
                markdown_cell(
                    "# Quick intro\n\n* [The official documentation](https://x)\n* [The launch blog post](https://y)"
                ),
                "x = 1",
            ],
            at=[(0, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        cells = nb.notebook.cells
        code = [f for f in nb.cells if f.cell.has_code]
        first = next((f for f in code if not _setup_only(f)), code[0] if code else None)
        if first is None:
            return
        first_code = first.cell
        leading = [c.source for c in cells[: first_code.index] if c.kind == "markdown"]
        minimum = int(self.option("min-objective-words"))
        heading, words = _heading_and_words("\n\n".join(leading), minimum)
        if heading and words >= minimum:
            return
        if not leading:
            problem = f"no markdown before the first code cell (cell {first_code.number})"
        elif not heading:
            problem = (
                f"the markdown before the first code cell (cell {first_code.number}) has no heading"
            )
        else:
            problem = (
                f"the markdown before the first code cell (cell {first_code.number}) has"
                f" {words} word{'s' if words != 1 else ''} of text besides headings (fewer than {minimum})"
            )
        yield self.finding(
            nb,
            next(c for c in cells if c.kind != "raw"),  # the top of the notebook
            f"no objective stated up front: {problem}; open with a title and a few sentences on"
            " what is predicted, why, and with which metric",
        )


def _setup_only(facts: CellFacts) -> bool:
    """A cell people put above the title: installs and magics (`!pip install`, `%matplotlib`),
    or imports that print versions or the date (`import torch; print(torch.__version__)`)."""
    if facts.tree is None:
        return False
    printed = False
    for stmt in facts.tree.body:
        if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom)):
            continue  # a magic or shell line, or an import
        if isinstance(stmt, ast.Expr) and (
            ("__version__" in facts.cell.source and "__version__" in ast.unparse(stmt))
            or (isinstance(stmt.value, ast.Call) and dotted_name(stmt.value.func) == "print")
        ):
            printed = True
            continue
        return False
    return bool(facts.magics) or printed


def _references(lines: list[str]) -> bool:
    """A list of links: every line that is not blank is a URL with a short label."""
    filled = [line for line in lines if line.strip()]
    return bool(filled) and all(
        (_LINK.search(line) or _BARE_URL.search(line))
        and len(_WORD.findall(_BARE_URL.sub(" ", _LINK.sub(r"\1", line)))) <= 5
        for line in filled
    )


def _heading_and_words(markdown: str, enough: int) -> tuple[bool, int]:
    """Whether ``markdown`` has a heading, and how many words of prose it has (counted
    until there is a heading and ``enough`` words: a long introduction is not read to its
    end)."""
    heading = _HTML_HEADING.search(markdown) is not None
    markdown = _HTML_HEADING.sub("\n\n", markdown)
    words = 0
    for paragraph in re.split(r"\n[ \t]*\n", markdown):
        lines = paragraph.split("\n")
        prose: list[str] = []
        for i, line in enumerate(lines):
            if _ATX.match(line):
                heading = True
            elif i + 1 < len(lines) and line.strip() and _SETEXT.match(lines[i + 1]):
                heading = True  # the text line of a setext heading
            elif not _SETEXT.match(line) and not _CREDIT.search(line):
                prose.append(line)
        text = "\n".join(prose)
        if _BOILERPLATE.search(text) or _references(prose):
            continue
        text = _BARE_URL.sub(" ", _TAG.sub(" ", _LINK.sub(r"\1", _IMAGE.sub(" ", text))))
        words += len(_WORD.findall(text))
        if heading and words >= enough:
            break
    return heading, words
