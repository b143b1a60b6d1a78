"""nbprod: take ML notebooks from prototype to production."""

from typing import Any

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The server extension lives in nbprod.server (enabled by the shipped jupyter-config)."""
    from nbprod.server import _jupyter_server_extension_points as points

    return points()


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """For `jupyter labextension develop . --overwrite` (symlinks the build for development)."""
    return [{"src": "labextension", "dest": "nbprod"}]
