"""Bad input gets one clear message per file, never a traceback."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from nbprod.notebook import NotebookError, load_notebook
from nbprod.notebook.load import notebook_from_bytes

from .conftest import FIXTURES


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "file is empty"),
        (b"   \n", "file is empty"),
        (b'{"nbformat": 4, "cells": [', "truncated JSON"),
        (b"{nbformat: 4}", "invalid JSON"),
        (b"[1, 2]", "top-level JSON is an array"),
        (b'{"hello": "world"}', "no 'nbformat' or 'cells'"),
        (b'{"nbformat": 4, "metadata": {}}', "'cells' is missing"),
        (b'{"nbformat": 4, "cells": [42]}', "cell 1 is a number"),
        (
            b'{"nbformat": 4, "cells": [{"cell_type": "banana", "source": ""}]}',
            "unknown cell_type 'banana'",
        ),
        (
            b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}',
            "cell 1 'source' is a number",
        ),
        (b'{"nbformat": 5, "cells": []}', "unsupported nbformat 5"),
        (b'{"nbformat": 2, "cells": []}', "unsupported nbformat 2"),
        (b'{"nbformat": "4", "cells": []}', "invalid 'nbformat' field"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8"),
        ('{"nbformat": 4, "cells": []}'.encode("utf-16"), "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_input_has_one_clear_message(raw: bytes, message: str) -> None:
    with pytest.raises(NotebookError) as excinfo:
        notebook_from_bytes(raw, "bad.ipynb")
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_empty_notebook_is_valid() -> None:
    nb = notebook_from_bytes(
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "e.ipynb"
    )
    assert nb.cells == ()


def test_missing_optional_fields_are_tolerated() -> None:
    nb = notebook_from_bytes(
        b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a = 1\\n", "b = a"]}]}',
        "m.ipynb",
    )
    (cell,) = nb.cells
    assert cell.source == "a = 1\nb = a" and cell.execution_count is None and cell.outputs == ()


def test_crlf_sources_are_normalised_and_bom_accepted() -> None:
    raw = '\ufeff{"nbformat": 4, "cells": [{"cell_type": "code", "source": "a = 1\\r\\nb = 2\\r\\n"}]}'
    nb = notebook_from_bytes(raw.encode("utf-8"), "crlf.ipynb")
    assert nb.cells[0].source == "a = 1\nb = 2\n"


def test_nbformat3_is_upgraded_in_memory() -> None:
    path = FIXTURES / "nbformat3.ipynb"
    before = path.read_bytes()
    nb = load_notebook(path)
    assert nb.nbformat == 4
    kinds = [c.kind for c in nb.cells]
    assert kinds == ["markdown", "code", "code"]
    assert nb.cells[1].execution_count == 2 and "import math" in nb.cells[1].source
    assert path.read_bytes() == before  # never modified


def test_non_python_kernel_is_detected() -> None:
    nb = load_notebook(FIXTURES / "r_kernel.ipynb")
    assert not nb.is_python and nb.language == "R"


def test_huge_outputs_load(tmp_path: Path) -> None:
    image = base64.b64encode(b"\x00" * (1 << 20)).decode()
    outputs = [{"output_type": "display_data", "data": {"image/png": image}, "metadata": {}}]
    cells = [
        {
            "cell_type": "code",
            "execution_count": i + 1,
            "metadata": {},
            "outputs": outputs,
            "source": f"x{i} = {i}",
        }
        for i in range(38)
    ]
    path = tmp_path / "huge.ipynb"
    path.write_text(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    )
    assert path.stat().st_size > 50_000_000
    nb = load_notebook(path)
    assert len(nb.cells) == 38
