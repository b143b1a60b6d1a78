"""Code-health rules (NBP4xx) beyond their VALID/INVALID examples."""

from __future__ import annotations

import re

import pytest

from nbprod.config import Settings
from nbprod.engine import check_file, check_notebook_data
from nbprod.notebook.ipython import mask
from nbprod.rules.code_health.hardcoded_secret import HardcodedSecret
from nbprod.rules.code_health.unpinned_install import _unpinned
from nbprod.selection import enabled_rules

from .conftest import ROOT


def test_shell_continuation_lines_are_joined_into_the_magic() -> None:
    masked = mask("!pip install pandas==2.2.2 \\\n    numpy \\\n    scipy==1.13\nx = 1")
    assert masked.text == "pass\n\n\nx = 1"
    (magic,) = masked.magics
    assert magic.line == 1 and magic.args.split() == [
        "pip",
        "install",
        "pandas==2.2.2",
        "numpy",
        "scipy==1.13",
    ]


@pytest.mark.parametrize(
    ("command", "unpinned"),
    [
        ("pip install pandas scikit-learn", ["pandas", "scikit-learn"]),
        ("pip install -q pandas==2.2 && pip install shap > /dev/null 2>&1", ["shap"]),
        ("python3 -m pip install --user 'torch>=2'", ["torch"]),
        ("pip install --index-url https://x.org/simple torch==2.3.0", []),
        (
            "pip install -e git+https://github.com/a/b.git#egg=b",
            ["git+https://github.com/a/b.git#egg=b"],
        ),
        ("pip install git+https://github.com/a/b.git@0a1b2c3#egg=b", []),
        (
            "pip install https://github.com/a/b/archive/master.zip",
            ["https://github.com/a/b/archive/master.zip"],
        ),
        ("pip install https://github.com/a/b/archive/v1.2.zip", []),
        ("conda install -c conda-forge numpy=1.26 pandas", ["pandas"]),
        ("conda install 'numpy 1.26'", []),
        ("pip install pandas  # a comment naming xgboost", ["pandas"]),
        ("pip download pandas", []),
        ("pip install --upgrade pip", []),
    ],
)
def test_unpinned_packages_of_an_install_command(command: str, unpinned: list[str]) -> None:
    assert _unpinned(command) == unpinned


def test_secret_findings_never_show_the_secret() -> None:
    for example in HardcodedSecret.invalid:
        data = example.notebook_json()
        result = check_notebook_data(data, "e.ipynb", Settings(select=("NBP404",)))
        assert result.findings
        secrets = re.findall(r"[A-Za-z0-9_+/=-]{16,}", str(data["cells"]))
        for finding in result.findings:
            for secret in secrets:
                assert secret[4:] not in finding.message, finding.message


def test_function_not_exported_is_opt_in() -> None:
    codes = {rule.code for rule in enabled_rules(Settings())}
    assert "NBP406" not in codes and "NBP401" in codes
    assert "NBP406" in {rule.code for rule in enabled_rules(Settings(extend_select=("NBP406",)))}


def test_clean_example_exports_every_function() -> None:
    result = check_file(ROOT / "examples" / "churn_clean.ipynb", Settings(select=("NBP4",)))
    assert result.findings == []
