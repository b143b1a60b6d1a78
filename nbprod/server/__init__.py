"""Jupyter server extension: the REST API behind the JupyterLab sidebar.

Enabled on install by ``etc/jupyter/jupyter_server_config.d/nbprod.json``; the
top-level ``nbprod`` package re-exports ``_jupyter_server_extension_points`` so the
extension is listed as ``nbprod``. jupyter_server is imported only when a server loads us.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from nbprod.server.app import NbprodServer

    return [{"module": "nbprod.server", "app": NbprodServer}]
