"""Jupyter server for the UI tests: galata's test setup plus nbprod as installed.

By default (and in CI) the server is the wheel venv's (``$NBPROD_WHEEL_VENV``, built by
``make wheel-venv``): its installed nbprod serves ``/nbprod/*`` and its
``share/jupyter/labextensions/nbprod`` is the frontend, exactly what a user gets. This
file only checks that, and fails the start if anything would come from elsewhere.

``NBPROD_UI_DEV=1`` is an explicit opt-in for iterating on the frontend: this checkout's
package and its fresh ``jlpm build`` instead (never what test.sh runs by default).

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


def fail(message: str) -> None:
    sys.exit(f"jupyter_server_test_config: {message}")


if os.environ.get("NBPROD_UI_DEV") == "1":
    # The checkout's module and fresh build ahead of any installed copy (the first
    # extension of a name found wins).
    sys.path.insert(0, str(REPO))
    import nbprod.server  # noqa: E402,F401  (fail fast if the checkout cannot be imported)

    c.ServerApp.jpserver_extensions.update({"nbprod": False, "nbprod.server": True})
    labextensions = HERE / ".labextensions"
    labextensions.mkdir(exist_ok=True)
    link = labextensions / "nbprod"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(REPO / "nbprod" / "labextension", target_is_directory=True)
    galata = c.LabServerApp.extra_labextensions_path
    c.LabServerApp.extra_labextensions_path = [str(labextensions), galata]
else:
    venv_setting = os.environ.get("NBPROD_WHEEL_VENV")
    if not venv_setting:
        fail("NBPROD_WHEEL_VENV is not set; build the wheel venv with `make wheel-venv`")
    venv = Path(venv_setting).resolve()
    if Path(sys.prefix).resolve() != venv:
        fail(f"this server runs from {sys.prefix}, not the wheel venv {venv}")
    import nbprod  # noqa: E402

    module = Path(nbprod.__file__).resolve()
    if not module.is_relative_to(venv) or module.is_relative_to(REPO / "nbprod"):
        fail(f"nbprod is imported from {module}, not from the wheel installed in {venv}")
    if not (venv / "share" / "jupyter" / "labextensions" / "nbprod" / "package.json").is_file():
        fail(f"the wheel installed no JupyterLab extension into {venv}/share/jupyter/labextensions/nbprod")
