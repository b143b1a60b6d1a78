"""The README's before/after of ``check --fix`` is what nbprod prints on that notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..conftest import ROOT, run_cli


def _churn(path: Path) -> None:
    def code(source: str, count: int) -> dict[str, object]:
        return {
            "cell_type": "code",
            "execution_count": count,
            "id": f"c{count}",
            "metadata": {},
            "outputs": [],
            "source": source,
        }

    title = (
        "# Churn\n\nPredict which customers cancel next month from their usage, to target"
        " retention offers; measured by ROC AUC on a held-out month."
    )
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": title},
        code(
            "%pip install scikit-learn\nimport pandas as pd\n"
            "from sklearn.model_selection import train_test_split\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.metrics import roc_auc_score",
            1,
        ),
        code(
            'df = pd.read_csv("data/raw/customers.csv")\nassert df.notna().all().all()\n'
            'X, y = df.drop(columns="churn"), df.churn',
            2,
        ),
        code('try:\n    df["signup"] = pd.to_datetime(df["signup"])\nexcept:\n    pass', 3),
        code("X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)", 4),
        code("", 5),
        code(
            "model = LogisticRegression().fit(X_train, y_train)\n"
            "print(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))",
            6,
        ),
    ]
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1, sort_keys=True) + "\n")


def test_the_readme_shows_real_output(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Fixes", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    _churn(tmp_path / "churn.ipynb")
    shown = []
    for command in ("check", "check --diff --unsafe-fixes", "check --fix"):
        result = run_cli(*command.split(), "--no-cache", "churn.ipynb", cwd=tmp_path)
        shown.append(f"$ nbprod {command} churn.ipynb\n{result.stdout}{result.stderr}")
    version = re.compile(r"scikit-learn==[\d.]+")
    assert version.sub("scikit-learn==V", "".join(shown)) == version.sub("scikit-learn==V", block)
