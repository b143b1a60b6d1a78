"""``nbprod export`` through ``register``/``run`` as nbprod.cli will wire them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from nbprod.export.api import export_notebook
from nbprod.export.cli import register, run

from .conftest import cell, md, write


def main(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="nbprod")
    register(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["export", *argv]))


def _stdlib_notebook(path: Path) -> Path:
    return write(
        path,
        md("# Words\n\nCount words."),
        cell("SEP = ' '", ["parameters"]),
        cell(
            "import collections\n\ndef count(text):\n    return collections.Counter(text.split())",
            ["export"],
        ),
        md("## Counting"),
        cell("counts = count('a b a'.replace(' ', SEP))", ["export"]),
        cell("assert counts['a'] == 2", ["test"]),
        cell("count('x y x')['x']", result="2"),
    )


def test_export_check_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = _stdlib_notebook(tmp_path / "words.ipynb")
    out = tmp_path / "pkg"
    assert main(str(nb), "--out", str(out), "--check") == 1
    assert main(str(nb), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "package words exported" in printed
    assert main(str(nb), "--out", str(out), "--check") == 0
    assert "up to date" in capsys.readouterr().out


def test_refusals_exit_2_and_name_cell_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = write(tmp_path / "bad.ipynb", cell("x = 1\nfrom os import *", ["export"]))
    assert main(str(nb), "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "bad.ipynb: cell 1, line 2: star import" in err
    assert not (tmp_path / "out").exists()


def test_unreadable_notebook_and_bad_package_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.ipynb").write_text("{")
    assert main(str(tmp_path / "broken.ipynb")) == 2
    assert "truncated JSON" in capsys.readouterr().err
    nb = _stdlib_notebook(tmp_path / "words.ipynb")
    assert main(str(nb), "--package", "Not-Valid") == 2
    assert main(str(nb), "--package", "os", "--out", str(tmp_path / "pkg")) == 2
    assert "shadow the standard library" in capsys.readouterr().err
    assert not (tmp_path / "pkg").exists()


def test_settings_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nbprod.export]\npackage = "wordcount"\nmodule = "lib"\nversion = "1.2.3"\nout = "build/pkg"\n'
    )
    nb = _stdlib_notebook(tmp_path / "words.ipynb")
    result = export_notebook(nb, None)
    assert result.exit_code == 0, result.to_json()
    out = tmp_path / "build" / "pkg"
    assert (out / "src/wordcount/lib.py").exists()
    assert 'version = "1.2.3"' in (out / "pyproject.toml").read_text()


def test_verify_runs_black_isort_mypy_and_pytest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = _stdlib_notebook(tmp_path / "words.ipynb")
    assert main(str(nb), "--out", str(tmp_path / "pkg"), "--verify") == 0
    printed = capsys.readouterr().out
    for step in ("black", "isort", "mypy", "pytest"):
        assert f"verify {step:<6} ok" in printed
    tests = (tmp_path / "pkg/tests/test_words.py").read_text()
    assert "def test_counting() -> None:" in tests and "counts = counting()" in tests
    assert 'assert count("x y x")["x"] == 2' in tests
    core = (tmp_path / "pkg/src/words/core.py").read_text()
    assert "def counting(config: Config = Config()) -> Any:" in core


def test_several_notebooks_skip_those_without_export_tags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tagged = _stdlib_notebook(tmp_path / "words.ipynb")
    untagged = write(tmp_path / "scratch.ipynb", cell("x = 1"))
    assert main(str(tagged), str(untagged), "--check") == 1  # words/ does not exist yet
    assert main(str(tagged), str(untagged)) == 0
    assert (tmp_path / "words" / "pyproject.toml").is_file()
    assert not (tmp_path / "scratch").exists()
    assert main(str(tagged), str(untagged), "--check") == 0
    capsys.readouterr()
    assert main(str(tagged), str(untagged), "--out", "x") == 2
    assert "--out and --package need a single notebook" in capsys.readouterr().err


def test_the_summary_never_says_up_to_date_or_exported_when_a_file_was_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = _stdlib_notebook(tmp_path / "words.ipynb")
    out = tmp_path / "pkg"
    assert main(str(nb), "--out", str(out)) == 0
    core = out / "src/words/core.py"
    core.write_text(core.read_text() + "# my edit\n")
    capsys.readouterr()
    assert main(str(nb), "--out", str(out), "--check") == 2
    printed = capsys.readouterr()
    assert "up to date" not in printed.out and "exported" not in printed.out
    assert "1 file(s) refused" in printed.err
    assert main(str(nb), "--out", str(out)) == 2
    printed = capsys.readouterr()
    assert "exported" not in printed.out
    assert "1 file(s) refused; nothing was written (--force overwrites files edited by hand)" in (
        printed.err
    )


def test_verify_names_the_extra_when_a_tool_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbprod.export import verify

    real = verify.find_spec
    monkeypatch.setattr(verify, "find_spec", lambda name: None if name == "mypy" else real(name))
    nb = _stdlib_notebook(tmp_path / "words.ipynb")
    assert main(str(nb), "--out", str(tmp_path / "pkg"), "--verify") == 1
    printed = capsys.readouterr().out
    assert "verify mypy   FAILED" in printed
    assert "mypy is not installed" in printed and "pip install 'nbprod[verify]'" in printed
    assert "verify pytest ok" in printed


def test_verify_tells_a_missing_package_from_a_defect(tmp_path: Path) -> None:
    from nbprod.export.verify import verify

    package = tmp_path / "pkg"
    (package / "tests").mkdir(parents=True)
    (package / "tests/test_a.py").write_text("import not_installed_anywhere\n")
    (package / "tests/test_b.py").write_text("def test_b() -> None:\n    assert 1 == 2\n")
    (step,) = verify(package, ("pytest",))
    assert not step.ok and step.missing == ("not_installed_anywhere",)
    assert "missing package not_installed_anywhere" in step.status
    (package / "tests/test_a.py").unlink()
    (step,) = verify(package, ("pytest",))
    assert not step.ok and step.missing == () and step.status == "FAILED"
