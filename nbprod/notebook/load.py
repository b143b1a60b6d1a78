"""Read a notebook file into the model, with one clear error per unreadable file.

Parsing is plain ``json.loads`` plus structural checks: full nbformat schema
validation costs more than the whole analysis, and the checks below give the user a
better message than a schema path. nbformat itself upgrades v3 notebooks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nbprod.notebook.model import Cell, CellKind, Notebook

_KINDS: dict[str, CellKind] = {"code": "code", "markdown": "markdown", "raw": "raw"}


class NotebookError(Exception):
    """A file that could not be read as a notebook; the message names the problem."""


def load_notebook(path: Path, display_name: str | None = None) -> Notebook:
    name = display_name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"cannot read file: {exc.strerror or exc}") from None
    return notebook_from_bytes(raw, name)


def notebook_from_bytes(raw: bytes, filename: str) -> Notebook:
    if not raw.strip():
        raise NotebookError("file is empty, not a notebook")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(
            f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = "truncated JSON" if exc.pos >= len(text.rstrip()) else "invalid JSON"
        raise NotebookError(
            f"{problem}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise NotebookError("invalid JSON: nested too deeply") from None
    return notebook_from_data(data, filename)


def notebook_from_data(data: Any, filename: str) -> Notebook:
    """Build the model from parsed notebook JSON (a file's or the frontend's)."""
    if not isinstance(data, dict):
        raise NotebookError(f"not a notebook: top-level JSON is {_json_type(data)}, not an object")
    major = data.get("nbformat")
    if major is None and "cells" not in data and "worksheets" not in data:
        raise NotebookError("not a notebook: no 'nbformat' or 'cells' field")
    if major is not None and (not isinstance(major, int) or isinstance(major, bool)):
        raise NotebookError(f"invalid 'nbformat' field: {major!r}")
    if isinstance(major, int) and major < 4:
        data = _upgrade(data, major)
        major = 4
    elif isinstance(major, int) and major > 4:
        raise NotebookError(f"unsupported nbformat {major} (nbprod reads 3 and 4)")
    cells_data = data.get("cells")
    if not isinstance(cells_data, list):
        raise NotebookError("invalid notebook: 'cells' is missing or not a list")
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    cells = tuple(_cell(i, c) for i, c in enumerate(cells_data))
    return Notebook(
        filename=filename,
        cells=cells,
        metadata=metadata,
        nbformat=major if isinstance(major, int) else 4,
        language=_language(metadata),
    )


def _upgrade(data: dict[str, Any], major: int) -> dict[str, Any]:
    if major != 3:
        raise NotebookError(f"unsupported nbformat {major} (nbprod reads 3 and 4)")
    import nbformat  # only v3 files pay for importing it

    try:
        node = nbformat.from_dict(data)  # type: ignore[no-untyped-call]
        upgraded: dict[str, Any] = nbformat.convert(node, 4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises many types on malformed v3 input
        raise NotebookError(f"invalid nbformat 3 notebook: {exc}") from None
    return upgraded


def _cell(index: int, data: Any) -> Cell:
    if not isinstance(data, dict):
        raise NotebookError(
            f"invalid notebook: cell {index + 1} is {_json_type(data)}, not an object"
        )
    kind = _KINDS.get(str(data.get("cell_type")))
    if kind is None:
        raise NotebookError(
            f"invalid notebook: cell {index + 1} has unknown cell_type {data.get('cell_type')!r}"
        )
    source = _text(data.get("source", ""), f"cell {index + 1} 'source'")
    metadata = data.get("metadata")
    tags: tuple[str, ...] = ()
    if isinstance(metadata, dict) and isinstance(metadata.get("tags"), list):
        tags = tuple(t for t in metadata["tags"] if isinstance(t, str))
    count = data.get("execution_count")
    outputs = data.get("outputs")
    cell_id = data.get("id")
    return Cell(
        index=index,
        id=cell_id if isinstance(cell_id, str) else None,
        kind=kind,
        source=source.replace("\r\n", "\n").replace("\r", "\n"),
        tags=tags,
        execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        outputs=(
            tuple(o for o in outputs if isinstance(o, dict)) if isinstance(outputs, list) else ()
        ),
    )


def _text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    raise NotebookError(f"invalid notebook: {what} is {_json_type(value)}, not text")


def _language(metadata: dict[str, Any]) -> str:
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return str(info["name"])
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and isinstance(spec.get("language"), str):
        return str(spec["language"])
    return "python"


def _json_type(value: Any) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
        dict: "an object",
    }.get(type(value), type(value).__name__)
