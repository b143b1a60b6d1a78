"""The result cache: trusted only for the same file, settings and nbprod; safe when shared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from nbprod import cache as cache_module
from nbprod.cache import ResultCache
from nbprod.config import Settings
from nbprod.engine import check_file
from nbprod.results import FileResult
from tests.conftest import code, write_notebook


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "nb.ipynb", [code("print(df)", 1)])


def check_and_store(cache: ResultCache, path: Path, settings: Settings) -> FileResult:
    stat = path.stat()
    result = check_file(path, settings, "nb.ipynb")
    cache.put(path, settings, result, stat)
    return result


def test_an_unchanged_file_is_a_hit_with_the_same_findings(tmp_path: Path, notebook: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    settings = Settings()
    assert cache.get(notebook, "nb.ipynb", settings) is None
    fresh = check_and_store(cache, notebook, settings)
    assert fresh.findings
    cached = cache.get(notebook, "shown/as.ipynb", settings)
    assert cached is not None
    assert [replace(f, filename="nb.ipynb") for f in cached.findings] == fresh.findings
    assert {f.filename for f in cached.findings} == {"shown/as.ipynb"}
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()


def test_an_edit_or_a_touch_is_a_miss(tmp_path: Path, notebook: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    check_and_store(cache, notebook, Settings())
    stat = notebook.stat()
    os.utime(notebook, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert cache.get(notebook, "nb.ipynb", Settings()) is None
    check_and_store(cache, notebook, Settings())
    write_notebook(notebook, [code("x = 1", 1)])
    assert cache.get(notebook, "nb.ipynb", Settings()) is None


def test_other_settings_are_a_miss(tmp_path: Path, notebook: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    check_and_store(cache, notebook, Settings())
    assert cache.get(notebook, "nb.ipynb", Settings(ignore=("NBP105",))) is None
    assert cache.get(notebook, "nb.ipynb", Settings()) is not None


def test_another_nbprod_is_a_miss_and_its_entries_are_dropped(
    tmp_path: Path, notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_and_store(ResultCache(tmp_path / "cache"), notebook, Settings())
    old = ResultCache(tmp_path / "cache").root
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "9.9.9-0123456789abcdef")
    upgraded = ResultCache(tmp_path / "cache")
    assert upgraded.get(notebook, "nb.ipynb", Settings()) is None
    check_and_store(upgraded, notebook, Settings())
    assert not old.exists() and upgraded.root.is_dir()


def test_unreadable_files_and_files_changed_while_checked_are_not_stored(
    tmp_path: Path, notebook: Path
) -> None:
    cache = ResultCache(tmp_path / "cache")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    check_and_store(cache, broken, Settings())
    assert cache.get(broken, "broken.ipynb", Settings()) is None
    stat = notebook.stat()
    result = check_file(notebook, Settings(), "nb.ipynb")
    write_notebook(notebook, [code("y = 2", 1)])  # edited during the check
    cache.put(notebook, Settings(), result, stat)
    assert cache.get(notebook, "nb.ipynb", Settings()) is None


def test_a_torn_entry_is_a_miss(tmp_path: Path, notebook: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    check_and_store(cache, notebook, Settings())
    (entry,) = cache.root.rglob("*.json")
    entry.write_text(entry.read_text()[:20])
    assert cache.get(notebook, "nb.ipynb", Settings()) is None


WRITER = """
import sys
from pathlib import Path
from nbprod.cache import ResultCache
from nbprod.config import Settings
from nbprod.engine import check_file
cache, path = ResultCache(Path(sys.argv[1])), Path(sys.argv[2])
for _ in range(40):
    stat = path.stat()
    cache.put(path, Settings(), check_file(path, Settings(), "nb.ipynb"), stat)
    hit = cache.get(path, "nb.ipynb", Settings())
    assert hit is None or hit.findings, "a reader saw an empty or torn entry"
"""


def test_concurrent_writers_never_leave_a_torn_entry(tmp_path: Path, notebook: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "cache"), str(notebook)], env=env
        )
        for _ in range(4)
    ]
    assert [w.wait(120) for w in writers] == [0, 0, 0, 0]
    (entry,) = ResultCache(tmp_path / "cache").root.rglob("*.json")
    assert json.loads(entry.read_text())["findings"]
    assert not list(ResultCache(tmp_path / "cache").root.rglob("*.tmp"))


def cli(cwd: Path, *args: str, cache_dir: Path | None = None) -> str:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    if cache_dir is not None:
        env["NBPROD_CACHE_DIR"] = str(cache_dir)
    done = subprocess.run(
        [sys.executable, "-m", "nbprod", "check", "--format", "json", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_the_cli_reads_and_writes_the_cache_unless_told_not_to(
    tmp_path: Path, notebook: Path
) -> None:
    first = json.loads(cli(tmp_path, "nb.ipynb"))
    (entry,) = (tmp_path / ".nbprod_cache").rglob("*.json")
    stored = json.loads(entry.read_text())
    stored["findings"][0]["message"] = "from the cache"
    entry.write_text(json.dumps(stored))
    second = json.loads(cli(tmp_path, "nb.ipynb"))
    assert second["findings"][0]["message"] == "from the cache"  # read, not re-checked
    uncached = json.loads(cli(tmp_path, "--no-cache", "nb.ipynb"))
    assert uncached["findings"] == first["findings"]
    assert "from the cache" in entry.read_text()  # --no-cache does not write either


def test_nbprod_cache_dir_moves_the_cache(tmp_path: Path, notebook: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    cli(tmp_path, "nb.ipynb", cache_dir=elsewhere)
    assert not (tmp_path / ".nbprod_cache").exists()
    assert list(elsewhere.rglob("*.json"))
