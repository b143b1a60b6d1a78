"""The README's first command, `make demo`, from a fresh clone: works, twice, without Node.js.

It clones the committed HEAD (uncommitted changes are not part of a clone, as for a user)
and runs `make demo` with a PATH that has no `node`, so a frontend build would fail.
`make test` itself is what CI runs from a fresh clone, so it is not repeated here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_demo_from_a_fresh_clone_needs_only_python(tmp_path: Path) -> None:
    if shutil.which("make") is None or not (ROOT / ".git").exists():
        pytest.skip("needs make and a git checkout")
    clone = tmp_path / "nbprod"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    bin_dir = tmp_path / "bin"  # Python, make and a shell's basics; no node, npm or jlpm
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(Path(getattr(sys, "_base_executable", sys.executable)))
    for tool in ("make", "sh", "rm", "touch", "test", "mkdir"):
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    env = {
        "PATH": str(bin_dir),
        "HOME": os.environ.get("HOME", str(tmp_path)),  # pip's cache
        "NO_COLOR": "1",
    }
    assert shutil.which("node", path=env["PATH"]) is None

    def demo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=900
        )

    first = demo()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "examples/churn_prototype.ipynb:cell" in first.stdout
    assert "Found " in first.stdout
    assert not (clone / "nbprod" / "labextension").exists()  # no frontend was built

    second = demo()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "pip install" not in second.stdout  # idempotent: nothing reinstalled
    assert second.stdout.count("Found ") == 1
