"""Jupyter server extension: the REST API behind the JupyterLab sidebar.

Enabled on install by ``etc/jupyter/jupyter_server_config.d/nbprod.json``; the
top-level ``nbprod`` package re-exports ``_jupyter_server_extension_points`` so the
extension is listed as ``nbprod``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # jupyter_server is only needed when a server actually loads us
    from jupyter_server.serverapp import ServerApp


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nbprod.server"}]


def _load_jupyter_server_extension(server_app: ServerApp) -> None:
    from nbprod.server.handlers import setup_handlers

    setup_handlers(server_app.web_app)
    server_app.log.info("nbprod: REST API registered under %snbprod/", server_app.base_url)
