"""Read a notebook file into the model, with one clear error per unreadable file.

Parsing is plain ``json.loads`` plus structural checks: full nbformat schema
validation costs more than the whole analysis, and the checks below give the user a
better message than a schema path. nbformat itself upgrades v3 notebooks.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from nbprod.notebook.model import Cell, CellKind, Notebook

_KINDS: dict[str, CellKind] = {"code": "code", "markdown": "markdown", "raw": "raw"}


class NotebookError(Exception):
    """A file that could not be read as a notebook; the message names the problem."""


# Bigger than any notebook a person writes; a larger file is refused before it is read.
MAX_FILE_BYTES = 1 << 30


def load_notebook(path: Path, display_name: str | None = None) -> Notebook:
    name = display_name or str(path)
    return notebook_from_bytes(read_regular_file(path), name)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in the words ``ls -l`` users know."""
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file; never blocks on a FIFO or device.

    The file is opened non-blocking and checked with ``fstat`` on the open descriptor,
    so a FIFO swapped in after a ``stat`` cannot make the read hang either.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise NotebookError(_os_reason(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookError(f"not a regular file: {file_kind(info.st_mode)}; not read")
        if info.st_size > limit:
            raise NotebookError(
                f"file is too large to be a notebook ({info.st_size:,} bytes; limit {limit:,})"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # grew while being read
                raise NotebookError(f"file is too large to be a notebook (over {limit:,} bytes)")
        return b"".join(chunks)
    except OSError as exc:
        raise NotebookError(_os_reason(exc)) from None
    finally:
        os.close(fd)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.ELOOP:
        return "cannot read file: too many levels of symbolic links (a symlink loop?)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read file: permission denied"
    return f"cannot read file: {exc.strerror or exc}"


def _parse_int(digits: str) -> int | float:
    """JSON integers longer than Python's int-from-text limit (4,300 digits) load as floats.

    A notebook never needs such a number; a value like that in an execution count or a
    metadata field must not make the whole file unreadable.
    """
    try:
        return int(digits)
    except ValueError:
        return float(digits)


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
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        problem = "truncated JSON" if exc.pos >= len(text.rstrip()) else "invalid JSON"
        raise NotebookError(
            f"{problem}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise NotebookError("invalid JSON: nested too deeply") from None
    except (ValueError, MemoryError) as exc:
        raise NotebookError(f"invalid JSON: {type(exc).__name__}: {exc}") from None
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
        digest = _digest(data)
        data = _upgrade(data, major)
        _stable_ids(data, digest)
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


def _digest(data: Any) -> str:
    try:
        text = json.dumps(data, sort_keys=True, default=repr, ensure_ascii=True)
    except (ValueError, TypeError, RecursionError):  # not plain JSON data: still stable
        text = repr(sorted(map(str, data)))
    return hashlib.sha256(text.encode("ascii", "backslashreplace")).hexdigest()[:16]


def _stable_ids(data: dict[str, Any], digest: str) -> None:
    """Replace the random ids nbformat gives upgraded v3 cells with ids derived from the
    file's content and each cell's position: the same file yields the same ``cell_id``
    in every JSON and SARIF report.
    """
    cells = data.get("cells")
    if not isinstance(cells, list):
        return
    for index, cell in enumerate(cells):
        if isinstance(cell, dict):
            cell["id"] = hashlib.sha256(f"{digest}:{index}".encode()).hexdigest()[:8]


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
            tuple(_output(o) for o in outputs if isinstance(o, dict))
            if isinstance(outputs, list)
            else ()
        ),
    )


_TEXT_FIELDS = ("text", "ename", "evalue")


def _output(output: dict[str, Any]) -> dict[str, Any]:
    """An output whose text fields are text, so rules never meet ``["a", 1]`` or ``null``.

    Multiline strings may be lists of strings (nbformat); anything else in such a list
    is dropped, and a non-text scalar becomes ``""``. Valid outputs are returned as is.
    """
    fixed: dict[str, Any] | None = None
    for key in _TEXT_FIELDS:
        if key in output and not _is_text(output[key]):
            fixed = fixed if fixed is not None else dict(output)
            fixed[key] = _as_text(output[key])
    traceback = output.get("traceback")
    if traceback is not None and not (
        isinstance(traceback, list) and all(isinstance(t, str) for t in traceback)
    ):
        fixed = fixed if fixed is not None else dict(output)
        fixed["traceback"] = (
            [t for t in traceback if isinstance(t, str)] if isinstance(traceback, list) else []
        )
    for key in ("data", "metadata"):
        bundle = output.get(key)
        if bundle is None:
            continue
        if not isinstance(bundle, dict):
            fixed = fixed if fixed is not None else dict(output)
            fixed[key] = {}
        elif key == "data" and not all(
            _is_text(v) or str(m).endswith("json") for m, v in bundle.items()
        ):
            fixed = fixed if fixed is not None else dict(output)
            fixed[key] = {
                mime: value if str(mime).endswith("json") else _as_text(value)
                for mime, value in bundle.items()
            }
    return fixed if fixed is not None else output


def _is_text(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""


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
