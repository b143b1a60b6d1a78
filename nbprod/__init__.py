"""nbprod: take ML notebooks from prototype to production."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The server extension lives in nbprod.server (enabled by the shipped jupyter-config)."""
    return [{"module": "nbprod.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """For `jupyter labextension develop . --overwrite` (symlinks the build for development)."""
    return [{"src": "labextension", "dest": "nbprod"}]
