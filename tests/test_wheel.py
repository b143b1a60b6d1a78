"""What a user receives: the wheel built from a clean copy, installed into a fresh venv.

The sidebar once passed every browser test and never reached a user: the tests linked the
checkout's build and the wheel shipped without it. These tests look only at the installed
wheel (``tests/wheel_venv.py``; ``make test`` builds it first, else the first test here does).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import wheel_venv


@pytest.fixture(scope="module")
def venv() -> Path:
    return wheel_venv.ensure()


def run(venv: Path, *args: str, cwd: Path) -> str:
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(cwd), "JUPYTER_PLATFORM_DIRS": "1"}
    result = subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)  # no colours


def test_the_wheel_ships_the_built_extension_and_the_server_config(venv: Path) -> None:
    names = zipfile.ZipFile(wheel_venv.wheel()).namelist()
    data = "nbprod-0.1.0.data/data/"
    shipped = data + "share/jupyter/labextensions/nbprod/"
    assert shipped + "package.json" in names
    assert shipped + "install.json" in names
    assert any(
        re.fullmatch(re.escape(shipped) + r"static/remoteEntry\.[0-9a-f]+\.js", n) for n in names
    )
    assert any(n.startswith(shipped + "schemas/nbprod/") for n in names)
    assert data + "etc/jupyter/jupyter_server_config.d/nbprod.json" in names
    assert not any(n.startswith(("tests/", "labextension/")) for n in names)


def test_the_installed_package_is_the_wheel_not_the_checkout(venv: Path, tmp_path: Path) -> None:
    where = run(venv, "python", "-c", "import nbprod; print(nbprod.__file__)", cwd=tmp_path)
    assert where.strip().startswith(str(venv / "lib"))
    assert "usage: nbprod" in run(venv, "nbprod", "--help", cwd=tmp_path)


def test_jupyter_lists_both_extensions_enabled(venv: Path, tmp_path: Path) -> None:
    labextensions = run(venv, "jupyter", "labextension", "list", cwd=tmp_path)
    assert re.search(r"nbprod v0\.1\.0 enabled OK", labextensions), labextensions
    assert str(venv / "share" / "jupyter" / "labextensions") in labextensions
    server = run(venv, "jupyter", "server", "extension", "list", cwd=tmp_path)
    assert re.search(r"^\s*nbprod enabled$", server, re.M), server
    assert re.search(r"^\s*nbprod 0\.1\.0 OK$", server, re.M), server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def lab(venv: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab from the wheel venv on a free port, with a token; yields (url, token)."""
    port, token = free_port(), secrets.token_hex(16)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    server = subprocess.Popen(
        [
            str(venv / "bin" / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"jupyter lab did not start: {server.stderr.read()!r}")  # type: ignore[union-attr]
                time.sleep(0.5)
        yield url, token
    finally:
        server.terminate()
        server.wait(30)


def test_the_lab_page_loads_the_sidebar_and_the_api_answers(lab: tuple[str, str]) -> None:
    url, token = lab
    page = urllib.request.urlopen(f"{url}/lab?token={token}", timeout=30).read().decode()
    config = json.loads(
        re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1)  # type: ignore[union-attr]
    )
    federated = {ext["name"]: ext for ext in config["federated_extensions"]}
    assert "nbprod" in federated, sorted(federated)
    assert federated["nbprod"]["load"].startswith("static/remoteEntry.")
    entry = urllib.request.urlopen(
        f"{url}/lab/extensions/nbprod/{federated['nbprod']['load']}?token={token}", timeout=30
    )
    assert entry.status == 200 and b"nbprod" in entry.read()

    request = urllib.request.Request(
        f"{url}/nbprod/rules", headers={"Authorization": f"token {token}"}
    )
    rules = json.loads(urllib.request.urlopen(request, timeout=30).read())["rules"]
    assert {r["code"]: r["name"] for r in rules}["NBP104"] == "use-before-definition"
    unauthenticated = urllib.request.Request(f"{url}/nbprod/rules")
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(unauthenticated, timeout=30)
    assert denied.value.code == 403
