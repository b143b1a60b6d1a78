"""Output formats for ``nbprod check``: each renders a list of FileResults to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from nbprod.engine import FileResult

Reporter = Callable[[Sequence[FileResult], TextIO, bool], None]

FORMATS = ("text", "json", "sarif", "github")


def reporter(name: str) -> Reporter:
    if name == "json":
        from nbprod.reporters.json import render
    elif name == "sarif":
        from nbprod.reporters.sarif import render
    elif name == "github":
        from nbprod.reporters.github import render
    else:
        from nbprod.reporters.text import render
    return render
