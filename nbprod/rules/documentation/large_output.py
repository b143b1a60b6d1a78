from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nbprod.analysis import AnalyzedNotebook
from nbprod.findings import ChecklistArea, Finding, Severity
from nbprod.rules.base import Invalid, Rule, code_cell

_PNG = "iVBORw0KGgo" + "A" * 600_000  # a 600 kB base64 picture, as Jupyter stores it


def _figure(data: str) -> dict[str, Any]:
    return {
        "output_type": "display_data",
        "data": {"image/png": data, "text/plain": "<Figure>"},
        "metadata": {},
    }


class LargeOutput(Rule):
    """## What it does
    Flags a code cell whose stored outputs exceed `max-output-bytes` (default 500 000).
    Sizes are measured as stored in the notebook file: the length of the text, or of the
    base64 string for pictures. The message names the kind of output that weighs most.

    ## Why is this bad?
    Large outputs bloat the repository and every diff, slow the notebook down in the
    browser and in review, and often hide data (a dumped DataFrame, a training log)
    that belongs in a file or an experiment tracker.

    ## Example
        [7] df                  # 40 000 rows rendered as HTML, 3 MB
        [8] for epoch in ...:   # verbose training log, 1.2 MB of text

    ## Use instead
        df.head()                       # and write the full table to a file
        model.fit(..., verbose=0)       # log metrics to the tracker instead
    """

    code = "NBP502"
    name = "large-output"
    area = ChecklistArea.DOCUMENTATION
    severity = Severity.WARNING
    checklist_item = "Pre-commit hygiene: keep notebooks small and reviewable"
    options = {"max-output-bytes": 500_000}

    valid = [
        [code_cell("plot()", outputs=[_figure("iVBORw0KGgo" + "A" * 40_000)])],
        [
            code_cell(
                "print('x')",
                outputs=[{"output_type": "stream", "name": "stdout", "text": ["x\n"] * 1000}],
            )
        ],
    ]
    invalid = [
        Invalid(
            [
                code_cell("import pandas as pd", count=1),
                code_cell("plot()", outputs=[_figure(_PNG)]),
            ],
            at=[(1, 1)],
        ),
        Invalid(
            [
                code_cell(
                    "for i in range(n):\n    print(i)",
                    outputs=[
                        {
                            "output_type": "stream",
                            "name": "stdout",
                            "text": ["0123456789\n"] * 50_000,
                        }
                    ],
                )
            ],
            at=[(0, 1)],
        ),
    ]

    def check(self, nb: AnalyzedNotebook) -> Iterator[Finding]:
        limit = int(self.option("max-output-bytes"))
        for facts in nb.cells:
            outputs = facts.cell.outputs
            if not outputs:
                continue
            sizes: dict[str, int] = {}
            for output in outputs:
                for kind, size in _sizes(output):
                    sizes[kind] = sizes.get(kind, 0) + size
            total = sum(sizes.values())
            if total <= limit:
                continue
            kind = max(sizes, key=lambda k: sizes[k])
            yield self.finding(
                nb,
                facts.cell,
                f"stored output is {_human(total)}, mostly {kind} ({_human(sizes[kind])}), over the"
                f" {_human(limit)} limit: clear it before committing, or write large results to a file",
            )


def _sizes(output: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """(kind, stored size) of an output's parts: mime types, stream names, tracebacks."""
    kind = output.get("output_type")
    if kind == "stream":
        yield f"{output.get('name', 'stream')} text", _length(output.get("text", ""))
    elif kind == "error":
        yield "error traceback", _length(output.get("traceback", []))
    else:
        data = output.get("data")
        if isinstance(data, dict):
            for mime, value in data.items():
                yield str(mime), _length(value)


def _length(value: object) -> int:
    """Characters stored in a JSON value, walked without recursion: an output's JSON data
    may nest as deep as the parser allowed."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list) and all(type(line) is str for line in value):
        return sum(map(len, value))  # the usual shape: text as a list of lines
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                total += len(str(key))
                stack.append(child)
        else:
            total += len(str(item))
    return total


def _human(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1000:.0f} kB"
