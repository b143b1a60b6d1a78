"""A real Jupyter server with the nbprod extension loaded, via pytest-jupyter."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip(
    "jupyter_server",
    reason="the server extras are not installed: pip install -e '.[lab]'",
)
pytest.importorskip("pytest_jupyter")

# pytest_plugins is only honoured in the root conftest; importing the plugin's fixtures
# and hooks here scopes them to tests/server/ instead.
from pytest_jupyter.jupyter_server import *  # noqa: E402,F401,F403


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    # Load the extension module directly, so these tests do not depend on the installed
    # jupyter-config file (test_config.py checks that file separately).
    return {
        "ServerApp": {"jpserver_extensions": {"nbprod.server": True}},
        "NbprodServer": {"workers": 1},  # one worker process per test server is enough
    }
