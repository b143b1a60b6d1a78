"""Build the wheel a user receives and install it into a fresh venv: ``build/wheel-venv``.

``python -m tests.wheel_venv`` (``make wheel-venv``) copies the files git would ship
(tracked plus untracked, not ignored) that can affect the wheel into a temporary folder,
builds the wheel there with the frontend build hook enabled, as the README says, and
installs it with the ``lab`` extra into a new venv. The wheel test and the browser tests
run against that install, never against the checkout: a file the build leaves out of the
wheel is missing there too. The build is redone only when those files change.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
VENV = BUILD / "wheel-venv"
WHEELHOUSE = BUILD / "wheel"
KEY_FILE = VENV / ".source-key"

# What the wheel is built from. The browser tests' own files are excluded: the UI test run
# rewrites its screenshots, which must not force a rebuild.
_SOURCES = ("pyproject.toml", "README.md", "nbprod/", "jupyter-config/", "labextension/")
_NOT_SOURCES = ("labextension/ui-tests/",)


def source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8", "surrogateescape")
    return sorted(
        path
        for path in set(listed.split("\0"))
        if path.startswith(_SOURCES)
        and not path.startswith(_NOT_SOURCES)
        and (ROOT / path).is_file()
    )


def source_key(files: list[str]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update((ROOT / path).read_bytes() + b"\0")
    return digest.hexdigest()


def venv_bin(name: str) -> Path:
    return VENV / "bin" / name


def ensure() -> Path:
    """The wheel venv for the current sources, (re)built if needed; returns the venv."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".wheel-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent runs (make, pytest) build once
        return _ensure_locked()


def _ensure_locked() -> Path:
    files = source_files()
    key = source_key(files)
    if KEY_FILE.is_file() and KEY_FILE.read_text() == key and venv_bin("jupyter").exists():
        return VENV
    with tempfile.TemporaryDirectory(prefix="nbprod-wheel-") as tmp:
        copy = Path(tmp) / "src"
        for path in files:
            target = copy / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, target)
        shutil.rmtree(WHEELHOUSE, ignore_errors=True)
        env = {**os.environ, "HATCH_BUILD_HOOKS_ENABLE": "1"}
        print(f"wheel_venv: building the wheel from a clean copy of {len(files)} files", flush=True)
        _run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", WHEELHOUSE, copy],
            env,
        )
    wheels = sorted(WHEELHOUSE.glob("nbprod-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"wheel_venv: expected one nbprod wheel in {WHEELHOUSE}, found {wheels}")
    shutil.rmtree(VENV, ignore_errors=True)
    print(f"wheel_venv: installing {wheels[0].name}[lab] into a fresh {VENV}", flush=True)
    _run([sys.executable, "-m", "venv", VENV])
    _run([venv_bin("python"), "-m", "pip", "install", "--quiet", f"{wheels[0]}[lab]"])
    KEY_FILE.write_text(key)
    return VENV


def wheel() -> Path:
    return sorted(WHEELHOUSE.glob("nbprod-*.whl"))[0]


def _run(cmd: list[str | Path], env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(c) for c in cmd], env=env, cwd=BUILD)
    if result.returncode != 0:
        raise SystemExit(f"wheel_venv: {' '.join(map(str, cmd))} exited {result.returncode}")


if __name__ == "__main__":
    print(ensure())
