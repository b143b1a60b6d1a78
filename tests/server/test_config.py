"""The jupyter-config file shipped in the wheel enables an importable server extension."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

pytest.importorskip("jupyter_server")

CONFIG = Path(__file__).resolve().parents[2] / "jupyter-config" / "nbprod.json"


def test_shipped_config_enables_a_module_with_extension_points() -> None:
    enabled = json.loads(CONFIG.read_text())["ServerApp"]["jpserver_extensions"]
    assert enabled == {"nbprod": True}
    points = importlib.import_module("nbprod")._jupyter_server_extension_points()
    assert [importlib.import_module(p["module"]).__name__ for p in points] == ["nbprod.server"]
    assert [p["app"].name for p in points] == ["nbprod"]
