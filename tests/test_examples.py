"""The bundled examples show what they claim: one clean notebook, one full of problems."""

from __future__ import annotations

from nbprod.config import Settings
from nbprod.engine import check_file

from .conftest import ROOT

EXAMPLES = ROOT / "examples"


def test_clean_example_has_no_findings() -> None:
    result = check_file(EXAMPLES / "churn_clean.ipynb", Settings())
    assert result.error is None
    assert result.findings == []


# (code, cell_index, line) of the problems examples/README.md lists, beyond hidden state
PROTOTYPE_PROBLEMS = {
    ("NBP201", 17, 2), ("NBP202", 5, 2), ("NBP204", 4, 1),
    ("NBP301", 13, 3), ("NBP302", 12, 1), ("NBP302", 13, 2), ("NBP303", 13, 2),
    ("NBP304", 13, 3), ("NBP306", 9, 1),
    ("NBP401", 1, 4), ("NBP401", 8, 4), ("NBP402", 15, 1), ("NBP403", 0, 1),
    ("NBP404", 2, 2), ("NBP405", 18, 1),
    ("NBP501", 0, 1),
}  # fmt: skip


def test_prototype_example_shows_the_checklist_problems() -> None:
    result = check_file(EXAMPLES / "churn_prototype.ipynb", Settings())
    found = {(f.code, f.cell_index, f.line) for f in result.findings}
    assert PROTOTYPE_PROBLEMS <= found, PROTOTYPE_PROBLEMS - found
    secret = next(f for f in result.findings if f.code == "NBP404")
    source = result.findings and (EXAMPLES / "churn_prototype.ipynb").read_text()
    assert "3f9a" in source and "3f9a" not in secret.message  # the finding never prints the key


def test_clean_example_is_clean_with_optional_rules_too() -> None:
    result = check_file(EXAMPLES / "churn_clean.ipynb", Settings(select=("ALL",)))
    assert result.findings == []


def test_prototype_example_shows_every_hidden_state_problem() -> None:
    result = check_file(EXAMPLES / "churn_prototype.ipynb", Settings())
    codes = {f.code for f in result.findings}
    assert {"NBP101", "NBP102", "NBP103", "NBP104", "NBP105", "NBP106", "NBP107"} <= codes
    undefined = [f for f in result.findings if f.code == "NBP105"]
    assert [(f.cell_index, f.message.split("'")[1]) for f in undefined] == [(17, "df_clean")]
