"""``POST /nbprod/check`` returns each finding's fix as edits the sidebar can apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from nbprod.fixes.apply import apply_fixes
from nbprod.fixes.model import Fix
from tests.conftest import ROOT

from .test_handlers import notebook, post

REPORT_SCHEMA = json.loads((ROOT / "nbprod" / "schemas" / "report.schema.json").read_text())


def _unseeded() -> dict[str, Any]:
    nb = notebook(
        "from sklearn.cluster import KMeans",
        "",
        "model = KMeans(3)",
    )
    for count, cell in enumerate(nb["cells"], 1):
        cell["execution_count"] = count
    return nb


async def test_check_returns_fixes_as_cell_edits(jp_fetch: Any, jp_root_dir: Path) -> None:
    nb = _unseeded()
    report = json.loads((await post(jp_fetch, "check", {"path": "nb.ipynb", "notebook": nb})).body)
    jsonschema.validate(report, REPORT_SCHEMA)
    fixes = {f["code"]: f["fix"] for f in report["findings"]}
    assert fixes["NBP503"]["edits"] == [
        {"kind": "delete_cell", "cell_index": 1, "cell_id": "cell-1"}
    ]
    seed = fixes["NBP302"]
    assert seed["applicability"] == "safe"
    assert seed["edits"] == [
        {
            "kind": "replace",
            "cell_index": 2,
            "cell_id": "cell-2",
            "start": {"line": 1, "column": 17},
            "end": {"line": 1, "column": 17},
            "replacement": ", random_state=SEED",
        },
        {
            "kind": "insert_cell",
            "cell_index": 2,
            "cell_id": "parameters",
            "source": "SEED = 42",
            "tags": ["parameters"],
        },
    ]
    # the same edits, applied to the notebook the frontend holds, fix what was found
    applied = apply_fixes(nb, [Fix.from_json(fix) for fix in fixes.values() if fix])
    assert len(applied) == 2
    after = json.loads((await post(jp_fetch, "check", {"path": "nb.ipynb", "notebook": nb})).body)
    assert not {"NBP302", "NBP503"} & {f["code"] for f in after["findings"]}


async def test_unfixable_rules_come_without_fixes(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "pyproject.toml").write_text('[tool.nbprod]\nunfixable = ["NBP5"]\n')
    body = {"path": "nb.ipynb", "notebook": _unseeded()}
    report = json.loads((await post(jp_fetch, "check", body)).body)
    fixes = {f["code"]: f["fix"] for f in report["findings"]}
    assert fixes["NBP503"] is None and fixes["NBP302"] is not None
