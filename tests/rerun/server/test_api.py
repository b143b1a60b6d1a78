"""``/nbprod/rerun`` against a real Jupyter server and real kernels."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tornado.httpclient import HTTPClientError

from tests.conftest import ROOT

from ..conftest import alive, cell, notebook_json, stdout, write
from .conftest import wait_for

FINISHED = ("done", "error", "cancelled")
SCHEMA = ROOT / "nbprod" / "schemas" / "report.schema.json"


async def start(jp_fetch: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await jp_fetch("nbprod", "rerun", method="POST", body=json.dumps(body))
    assert response.code == 202
    job: dict[str, Any] = json.loads(response.body)
    assert response.headers["Location"].endswith(f"/nbprod/rerun/{job['id']}")
    return job


async def test_a_replay_reports_findings_of_the_editors_content(
    rerun_api: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # the saved file reproduces; the editor's unsaved version reads a name no cell defines
    write(jp_root_dir / "work" / "nb.ipynb", cell("print(1)", 1, [stdout("1\n")]))
    editor = notebook_json(
        cell("print(1)", 1, [stdout("1\n")]), cell("rows = 2\nprint(df_clean)", 2)
    )
    job = await start(jp_fetch, {"path": "work/nb.ipynb", "notebook": editor, "timeout": 30})
    assert job["status"] in ("queued", "running") and job["report"] is None
    job = await wait_for(jp_fetch, job["id"], lambda j: j["status"] in FINISHED)
    assert job["status"] == "done", job
    assert job["progress"]["phase"] == "finished"
    assert (job["progress"]["done"], job["progress"]["total"]) == (1, 2)  # cell 2 failed
    jsonschema.validate(job["report"], json.loads(SCHEMA.read_text()))  # as --format json
    assert job["notes"] == []
    (finding,) = job["report"]["findings"]
    assert finding["code"] == "NBP110" and finding["filename"] == "work/nb.ipynb"
    assert (finding["cell_index"], finding["line"], finding["column"]) == (1, 2, 7)
    assert "defined in no cell" in finding["message"]
    listed = json.loads((await jp_fetch("nbprod", "rerun")).body)
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]
    assert [r["code"] for r in listed["rules"]] == ["NBP110", "NBP111", "NBP112"]


async def test_cancel_kills_the_kernel_at_once(
    rerun_api: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    write(
        jp_root_dir / "slow.ipynb",
        cell("import os\nopen('kernel.pid', 'w').write(str(os.getpid()))"),
        cell("import time\ntime.sleep(300)"),
    )
    job = await start(jp_fetch, {"path": "slow.ipynb"})
    pid_file = jp_root_dir / "kernel.pid"
    job = await wait_for(
        jp_fetch, job["id"], lambda j: pid_file.exists() and j["progress"].get("done") == 1
    )
    kernel = int(pid_file.read_text())
    assert job["status"] == "running" and alive(kernel)
    assert job["progress"]["phase"] == "running" and job["progress"]["cell"] == 1
    response = await jp_fetch("nbprod", "rerun", job["id"], method="DELETE")
    assert json.loads(response.body)["status"] == "cancelled"
    deadline = time.monotonic() + 5
    while alive(kernel) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not alive(kernel)
    job = await wait_for(jp_fetch, job["id"], lambda j: True)
    assert job["status"] == "cancelled" and job["report"] is None


@pytest.mark.parametrize(
    "body, message",
    [
        ({"path": "../x.ipynb"}, "escapes the server root"),
        ({"path": "notes.txt"}, "not a notebook"),
        ({"path": "missing.ipynb"}, "not a notebook file"),
        ({"path": "nb.ipynb", "repeat": 9}, "'repeat' must be an integer from 1 to 3"),
        ({"path": "nb.ipynb", "timeout": -1}, "'timeout' must be a positive number"),
        ({"path": "nb.ipynb", "parameters": {"1x": 2}}, "is not a Python name"),
        ({"path": "nb.ipynb", "notebook": [1]}, "'notebook' must be"),
    ],
)
async def test_bad_requests_are_400(
    rerun_api: Any, jp_fetch: Any, jp_root_dir: Path, body: dict[str, Any], message: str
) -> None:
    write(jp_root_dir / "nb.ipynb", cell("print(1)"))
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("nbprod", "rerun", method="POST", body=json.dumps(body))
    assert info.value.code == 400
    assert info.value.response is not None
    assert message in json.loads(info.value.response.body)["message"]


async def test_unknown_jobs_are_404(rerun_api: Any, jp_fetch: Any) -> None:
    for method in ("GET", "DELETE"):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("nbprod", "rerun", "0" * 32, method=method)
        assert info.value.code == 404


@pytest.mark.parametrize(
    "path, method, body",
    [("rerun", "GET", None), ("rerun", "POST", "{}"), (f"rerun/{'0' * 32}", "DELETE", None)],
)
async def test_every_replay_endpoint_requires_authentication(
    rerun_api: Any,
    http_server_client: Any,
    jp_base_url: str,
    path: str,
    method: str,
    body: str | None,
) -> None:
    url = f"{jp_base_url}nbprod/{path}"
    response = await http_server_client.fetch(url, method=method, body=body, raise_error=False)
    assert response.code == 403


async def test_replays_beyond_the_queue_get_429(
    rerun_api: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    point = rerun_api.extension_manager.extension_points["nbprod"]
    point.app.rerun_jobs.settings.max_queued = 1
    write(jp_root_dir / "slow.ipynb", cell("import time\ntime.sleep(300)"))
    job = await start(jp_fetch, {"path": "slow.ipynb"})
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("nbprod", "rerun", method="POST", body=json.dumps({"path": "slow.ipynb"}))
    assert info.value.code == 429
    await jp_fetch("nbprod", "rerun", job["id"], method="DELETE")
    job = await wait_for(jp_fetch, job["id"], lambda j: j["status"] in FINISHED)
    assert job["status"] == "cancelled"
