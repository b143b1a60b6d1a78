"""A real Jupyter server with the nbprod extension and its replay API, via pytest-jupyter."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

pytest.importorskip(
    "jupyter_server", reason="the server extras are not installed: pip install -e '.[lab]'"
)
pytest.importorskip("pytest_jupyter")

# pytest_plugins is only honoured in the root conftest; importing the plugin's fixtures
# and hooks here scopes them to tests/rerun/server/ instead.
from pytest_jupyter.jupyter_server import *  # noqa: E402,F401,F403


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"nbprod.server": True}},
        "NbprodServer": {"workers": 1},
    }


@pytest.fixture
def rerun_api(jp_serverapp: Any) -> Any:
    """The server, with ``/nbprod/rerun`` registered as nbprod/server/app.py registers it
    (added here while app.py does not yet do so itself)."""
    from jupyter_server.utils import url_path_join

    from nbprod.server.rerun import rerun_handlers, stop_rerun_jobs

    point = jp_serverapp.extension_manager.extension_points["nbprod"]
    app = point.app
    if getattr(app, "rerun_jobs", None) is None:
        specs = [
            (url_path_join(jp_serverapp.base_url, route), handler, options)
            for route, handler, options in rerun_handlers(app)
        ]
        jp_serverapp.web_app.add_handlers(".*$", specs)
    yield jp_serverapp
    asyncio.get_event_loop().run_until_complete(stop_rerun_jobs(app))


async def wait_for(jp_fetch: Any, job_id: str, until: Any, limit: float = 60) -> dict[str, Any]:
    """Poll ``GET /nbprod/rerun/<id>`` until ``until(job)``."""
    deadline = time.monotonic() + limit
    while True:
        response = await jp_fetch("nbprod", "rerun", job_id)
        job: dict[str, Any] = json.loads(response.body)
        if until(job) or time.monotonic() > deadline:
            return job
        await asyncio.sleep(0.2)
