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


def test_prototype_example_shows_every_hidden_state_problem() -> None:
    result = check_file(EXAMPLES / "churn_prototype.ipynb", Settings())
    codes = {f.code for f in result.findings}
    assert {"NBP101", "NBP102", "NBP103", "NBP104", "NBP105", "NBP106", "NBP107"} <= codes
    undefined = [f for f in result.findings if f.code == "NBP105"]
    assert [(f.cell_index, f.message.split("'")[1]) for f in undefined] == [(17, "df_clean")]
