"""Jupyter server for the UI tests: galata's test setup plus this checkout's nbprod.

Never use this configuration outside tests: galata turns off authentication.
"""

import os
import sys
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

c = get_config()  # noqa: F821  (provided by traitlets when loading a config file)
configure_jupyter_server(c)

c.ServerApp.allow_root = True  # CI and developer containers run as root
c.ServerApp.port = int(os.environ.get("NBPROD_UI_PORT", "8917"))

# Test this checkout: its Python package first on sys.path, its fresh frontend build
# ahead of any installed copy (the first extension of a name found wins).
sys.path.insert(0, str(REPO))
import nbprod.server  # noqa: E402  (fail fast if the checkout cannot be imported)

# The checkout's module, once: not also an installed copy enabled as "nbprod".
c.ServerApp.jpserver_extensions.update({"nbprod": False, "nbprod.server": True})
labextensions = HERE / ".labextensions"
labextensions.mkdir(exist_ok=True)
link = labextensions / "nbprod"
if link.is_symlink() or link.exists():
    link.unlink()
link.symlink_to(REPO / "nbprod" / "labextension", target_is_directory=True)
galata = c.LabServerApp.extra_labextensions_path
c.LabServerApp.extra_labextensions_path = [str(labextensions), galata]
