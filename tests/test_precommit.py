"""The `nbcheck` hook under the real pre-commit, in throwaway git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT, code, write_notebook

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
pytestmark = pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is not installed")


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=_env(cwd))


def _env(cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
        PRE_COMMIT_HOME=str(_HOME[0]), NO_COLOR="1",
    )  # fmt: skip
    return env


_HOME: list[Path] = []  # set once per module run: pre-commit's cache of hook environments


@pytest.fixture(scope="module", autouse=True)
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _HOME[:] = [tmp_path_factory.mktemp("pre-commit-home")]
    yield


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A committed snapshot of this working tree, so pre-commit installs the code under test once."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    tracked = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, tracked):
        source = ROOT / rel
        if source.is_file() and not rel.startswith(("labextension/", "tests/", "examples/")):
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / rel)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    assert _git(snapshot, "commit", "-qm", "snapshot").returncode == 0
    sha = _git(snapshot, "rev-parse", "HEAD").stdout.strip()
    yield snapshot, sha


def _project(tmp_path: Path, hook_repo: tuple[Path, str], cells: list[dict[str, object]]) -> Path:
    repo, sha = hook_repo
    _git(tmp_path, "init", "-q")
    config = f"repos:\n- repo: {repo.as_uri()}\n  rev: {sha}\n  hooks:\n  - id: nbcheck\n"
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    # the hook reads the project's configuration, as `nbprod check` does
    (tmp_path / "pyproject.toml").write_text('[tool.nbprod]\nselect = ["NBP1"]\n')
    write_notebook(tmp_path / "analysis.ipynb", cells)
    _git(tmp_path, "add", "-A")
    install = subprocess.run(
        [str(PRE_COMMIT), "install"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
    )
    assert install.returncode == 0, install.stderr
    return tmp_path


def test_commit_with_a_violation_is_rejected(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    project = _project(tmp_path, hook_repo, [code("print(df)", 1), code("df = 1", 2)])
    commit = _git(project, "commit", "-m", "add notebook")
    assert commit.returncode != 0
    output = commit.stdout + commit.stderr
    assert "analysis.ipynb:cell 1:1:7: NBP104 [use-before-definition]" in output
    assert _git(project, "rev-parse", "HEAD").returncode != 0  # nothing was committed


def test_clean_commit_passes(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    project = _project(tmp_path, hook_repo, [code("df = 1", 1), code("print(df)", 2)])
    commit = _git(project, "commit", "-m", "add notebook")
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert (
        "nbprod check" in commit.stdout + commit.stderr
        and "Passed" in commit.stdout + commit.stderr
    )


def test_suppressed_violation_passes(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    cells = [code("print(df)  # nbprod: ignore[NBP104]", 1), code("df = 1", 2)]
    project = _project(tmp_path, hook_repo, cells)
    commit = _git(project, "commit", "-m", "add notebook")
    assert commit.returncode == 0, commit.stdout + commit.stderr


def test_try_repo_runs_the_working_tree(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    write_notebook(tmp_path / "messy.ipynb", [code("print(df); y = 1", 2), code("df = 1", 1)])
    _git(tmp_path, "add", "-A")
    result = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(ROOT), "nbcheck", "--files", "messy.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, env=_env(tmp_path), timeout=900,
    )  # fmt: skip
    assert result.returncode == 1
    assert "NBP101 [out-of-order-execution]" in result.stdout


def test_stale_export_is_rejected(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    repo, sha = hook_repo
    _git(tmp_path, "init", "-q")
    config = f"repos:\n- repo: {repo.as_uri()}\n  rev: {sha}\n  hooks:\n  - id: nbexport-check\n"
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    cells = [
        {**code("def double(x):\n    return 2 * x", 1), "metadata": {"tags": ["export"]}},
        code("double(2)", 2),
    ]
    nb = write_notebook(tmp_path / "maths.ipynb", cells)
    env = _env(tmp_path)
    nbprod = Path(sys.executable).parent / "nbprod"
    assert subprocess.run([str(nbprod), "export", str(nb)], cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "maths" / "src" / "maths" / "core.py").is_file()
    _git(tmp_path, "add", "-A")
    install = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=tmp_path, env=env, capture_output=True
    )
    assert install.returncode == 0
    assert _git(tmp_path, "commit", "-qm", "fresh export").returncode == 0
    cells[0] = {**code("def double(x):\n    return x + x", 3), "metadata": {"tags": ["export"]}}
    write_notebook(nb, cells)  # the notebook changes, the package does not
    _git(tmp_path, "add", "maths.ipynb")
    stale = _git(tmp_path, "commit", "-m", "change the notebook only")
    assert stale.returncode != 0
    assert "nbprod export --check" in stale.stdout + stale.stderr
