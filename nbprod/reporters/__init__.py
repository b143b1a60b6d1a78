"""Output formats for ``nbprod check``: each renders a list of FileResults to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TextIO

from nbprod.results import FileResult

Reporter = Callable[[Sequence[FileResult], TextIO, bool], None]

FORMATS = ("text", "json", "sarif", "github")


def clean(text: str) -> str:
    """``text`` that encodes as UTF-8: a lone surrogate (from a notebook's JSON, or an
    undecodable file name) is written as its ``\\udXXX`` escape."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def clean_data(value: Any) -> Any:
    """``value`` (JSON data) with every string passed through :func:`clean`."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(v) for v in value]
    return value


def reporter(name: str) -> Reporter:
    if name == "json":
        from nbprod.reporters import json

        return json.render
    if name == "sarif":
        from nbprod.reporters import sarif

        return sarif.render
    if name == "github":
        from nbprod.reporters import github

        return github.render
    from nbprod.reporters import text

    return text.render
