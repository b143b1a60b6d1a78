"""The REST API against a real Jupyter server: auth, confinement, bad input, real checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError, HTTPResponse

from tests.conftest import code

FINDING_KEYS = {
    "code", "name", "message", "severity", "area", "filename", "cell_index", "cell_id",
    "line", "column", "end_line", "end_column", "fix", "scope",
}  # fmt: skip


def notebook(*sources: str) -> dict[str, Any]:
    cells = [dict(code(source), id=f"cell-{i}") for i, source in enumerate(sources)]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "language": "python",
                "display_name": "Python 3",
            }
        },
        "cells": cells,
    }


async def post(jp_fetch: Any, endpoint: str, body: object) -> HTTPResponse:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    # generous: the big-cell tests analyse megabytes, and CI machines can be busy
    response: HTTPResponse = await jp_fetch(
        "nbprod", endpoint, method="POST", body=raw, request_timeout=120
    )
    return response


async def status_of(jp_fetch: Any, endpoint: str, body: object) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HTTPClientError) as info:
        await post(jp_fetch, endpoint, body)
    assert info.value.response is not None
    return info.value.code, json.loads(info.value.response.body)


def names(report: dict[str, Any]) -> list[str]:
    return [f["name"] for f in report["findings"]]


async def test_rules_lists_the_catalog_with_docs(jp_fetch: Any) -> None:
    response = await jp_fetch("nbprod", "rules")
    rules = json.loads(response.body)["rules"]
    by_code = {rule["code"]: rule for rule in rules}
    assert by_code["NBP104"]["name"] == "use-before-definition"
    assert by_code["NBP104"]["area"] == "execution"
    assert "## Why is this bad?" in by_code["NBP104"]["docs"]


async def test_check_round_trip_reports_what_the_cli_reports(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    nb = notebook("print(df.shape)", "df = load()")
    response = await post(jp_fetch, "check", {"path": "work/churn.ipynb", "notebook": nb})
    report = json.loads(response.body)
    assert set(report) == {"version", "files_checked", "findings", "errors", "skipped"}
    assert report["files_checked"] == 1
    [finding] = [f for f in report["findings"] if f["code"] == "NBP104"]
    assert set(finding) == FINDING_KEYS
    # the file is named as the frontend knows it, located in the cell the frontend sent
    assert finding["filename"] == "work/churn.ipynb"
    assert (
        finding["cell_index"],
        finding["cell_id"],
        finding["line"],
        finding["column"],
    ) == (0, "cell-0", 1, 7)


async def test_check_sees_unsaved_content_not_the_file(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "nb.ipynb").write_text(json.dumps(notebook("print(x)", "x = 1")))
    fixed = notebook("x = 1", "print(x)")  # the edit in the browser, not saved yet
    report = json.loads(
        (await post(jp_fetch, "check", {"path": "nb.ipynb", "notebook": fixed})).body
    )
    assert "use-before-definition" not in names(report)


async def test_check_uses_the_nearest_pyproject(jp_fetch: Any, jp_root_dir: Path) -> None:
    quiet = jp_root_dir / "quiet"
    quiet.mkdir()
    (quiet / "pyproject.toml").write_text('[tool.nbprod]\nignore = ["NBP104"]\n')
    nb = notebook("print(df.shape)", "df = load()")
    loud = json.loads((await post(jp_fetch, "check", {"path": "nb.ipynb", "notebook": nb})).body)
    silenced = json.loads(
        (await post(jp_fetch, "check", {"path": "quiet/nb.ipynb", "notebook": nb})).body
    )
    assert "use-before-definition" in names(loud)
    assert "use-before-definition" not in names(silenced)


async def test_check_reports_a_broken_config_as_a_file_error(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    (jp_root_dir / "pyproject.toml").write_text("[tool.nbprod]\nno-such-option = 1\n")
    report = json.loads(
        (await post(jp_fetch, "check", {"path": "nb.ipynb", "notebook": notebook("x = 1")})).body
    )
    [error] = report["errors"]
    assert error["filename"] == "nb.ipynb"
    assert "no-such-option" in error["message"]


async def test_check_reports_an_unreadable_notebook_as_a_file_error(
    jp_fetch: Any,
) -> None:
    report = json.loads(
        (await post(jp_fetch, "check", {"path": "nb.ipynb", "notebook": {"cells": 3}})).body
    )
    assert report["findings"] == []
    assert [e["filename"] for e in report["errors"]] == ["nb.ipynb"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"notebook": {}}, "'path'"),
        ({"path": "", "notebook": {}}, "'path'"),
        ({"path": 3, "notebook": {}}, "'path'"),
        ({"path": "nb.ipynb"}, "'notebook'"),
        ({"path": "nb.ipynb", "notebook": "{}"}, "'notebook'"),
    ],
)
async def test_check_rejects_a_malformed_body(jp_fetch: Any, body: object, message: str) -> None:
    status, error = await status_of(jp_fetch, "check", body)
    assert status == 400
    assert message in error["message"]


@pytest.mark.parametrize(
    "path",
    ["../outside.ipynb", "a/../../outside.ipynb", "/etc/passwd", "link/nb.ipynb"],
)
async def test_check_refuses_paths_outside_the_root(
    jp_fetch: Any,
    jp_root_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    path: str,
) -> None:
    (jp_root_dir / "link").symlink_to(tmp_path_factory.mktemp("elsewhere"))
    status, error = await status_of(
        jp_fetch, "check", {"path": path, "notebook": notebook("x = 1")}
    )
    assert status == 400
    assert "escapes the server root" in error["message"]


@pytest.mark.parametrize(
    "endpoint, method, body",
    [("rules", "GET", None), ("check", "POST", "{}"), ("export", "POST", "{}")],
)
async def test_every_endpoint_requires_authentication(
    jp_serverapp: Any,
    http_server_client: Any,
    jp_base_url: str,
    endpoint: str,
    method: str,
    body: str | None,
) -> None:
    url = f"{jp_base_url}nbprod/{endpoint}"
    response = await http_server_client.fetch(url, method=method, body=body, raise_error=False)
    assert response.code == 403


def tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


@pytest.mark.parametrize("output", ["../pkg", "/tmp/nbprod-pkg", "out/../../pkg", "link/pkg", "."])
async def test_export_refuses_an_output_outside_the_root_and_writes_nothing(
    jp_fetch: Any,
    jp_root_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    output: str,
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (jp_root_dir / "link").symlink_to(elsewhere)
    (jp_root_dir / "nb.ipynb").write_text(json.dumps(notebook("x = 1")))
    before, parent_before = tree(jp_root_dir), tree(jp_root_dir.parent)
    status, error = await status_of(jp_fetch, "export", {"path": "nb.ipynb", "output": output})
    assert status == 400
    assert "'output'" in error["message"]
    assert tree(jp_root_dir) == before and tree(jp_root_dir.parent) == parent_before
    assert list(elsewhere.iterdir()) == []


async def test_export_refuses_a_notebook_outside_the_root(jp_fetch: Any, jp_root_dir: Path) -> None:
    outside = jp_root_dir.parent / "secret.ipynb"
    outside.write_text(json.dumps(notebook("x = 1")))
    status, error = await status_of(
        jp_fetch, "export", {"path": "../secret.ipynb", "output": "pkg"}
    )
    assert status == 400
    assert not (jp_root_dir / "pkg").exists()


async def test_export_rejects_a_malformed_body(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "nb.ipynb").write_text(json.dumps(notebook("x = 1")))
    assert (await status_of(jp_fetch, "export", "nope"))[0] == 400
    assert (
        await status_of(jp_fetch, "export", {"path": "nb.ipynb", "output": "pkg", "force": "yes"})
    )[0] == 400
    assert (await status_of(jp_fetch, "export", {"path": "missing.ipynb", "output": "pkg"}))[
        0
    ] == 400


def calc_notebook() -> dict[str, Any]:
    nb = notebook("def add(a: int, b: int) -> int:\n    return a + b", "print(add(1, 2))")
    nb["cells"][0]["metadata"]["tags"] = ["export"]
    return nb


async def test_export_reports_paths_relative_to_the_root(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "calc.ipynb").write_text(json.dumps(calc_notebook()))
    body = {"path": "calc.ipynb", "output": "dist/pkg", "package": "calc"}
    result = json.loads((await post(jp_fetch, "export", body)).body)
    assert result["notebook"] == "calc.ipynb" and result["out_dir"] == "dist/pkg"
    assert "src/calc/__init__.py" in result["written"]
    assert (jp_root_dir / "dist" / "pkg" / "src" / "calc" / "__init__.py").is_file()


async def test_export_never_overwrites_a_hand_edited_file_without_force(
    jp_fetch: Any, jp_root_dir: Path
) -> None:
    (jp_root_dir / "calc.ipynb").write_text(json.dumps(calc_notebook()))
    body = {"path": "calc.ipynb", "output": "pkg", "package": "calc"}
    await post(jp_fetch, "export", body)
    readme = jp_root_dir / "pkg" / "README.md"
    readme.write_text(readme.read_text() + "\nmy notes\n")
    result = json.loads((await post(jp_fetch, "export", body)).body)
    assert result["exit_code"] == 2
    assert [r["path"] for r in result["refused"]] == ["README.md"]
    assert "edited by hand" in result["refused"][0]["reason"]
    assert readme.read_text().endswith("my notes\n")
    forced = json.loads((await post(jp_fetch, "export", {**body, "force": True})).body)
    assert "README.md" in forced["written"] and "my notes" not in readme.read_text()


async def test_export_writes_a_package_inside_the_root(jp_fetch: Any, jp_root_dir: Path) -> None:
    pytest.importorskip("nbprod.export")
    nb = notebook("def add(a: int, b: int) -> int:\n    return a + b", "print(add(1, 2))")
    nb["cells"][0]["metadata"]["tags"] = ["export"]
    (jp_root_dir / "calc.ipynb").write_text(json.dumps(nb))
    response = await post(jp_fetch, "export", {"path": "calc.ipynb", "output": "calc-pkg"})
    result = json.loads(response.body)
    assert result["out_dir"] == "calc-pkg"
    assert result["written"], result
    written = [jp_root_dir / "calc-pkg" / path for path in result["written"]]
    assert all(path.is_file() for path in written)
