"""The replay rules in the rule catalog: listed, explained and documented as *rerun only*,
accepted by ``nbprod check --select`` with a warning, never reported by it."""

from __future__ import annotations

import json
from pathlib import Path

from nbprod.rules.docs import rules_markdown
from nbprod.rules.registry import catalog
from tests.conftest import ROOT, run_cli

from .conftest import cell, write

REPLAY = ("NBP110", "NBP111", "NBP112")


def test_rules_lists_the_replay_rules_as_rerun_only() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0
    lines = {ln.split()[0]: ln for ln in listing.stdout.splitlines()}
    assert "[rerun only]" in lines["NBP110"] and "fails-from-scratch" in lines["NBP110"]
    assert all("[rerun only]" in lines[code] for code in REPLAY)
    assert "[rerun only]" not in lines["NBP104"]
    as_json = {r["code"]: r for r in json.loads(run_cli("rules", "--format", "json").stdout)}
    assert [c for c, r in as_json.items() if r["rerun_only"]] == list(REPLAY)
    assert as_json == {r["code"]: r for r in catalog()}  # what GET /nbprod/rules serves


def test_explain_a_replay_rule_by_code_and_name() -> None:
    explain = run_cli("explain", "NBP110")
    assert explain.returncode == 0
    assert explain.stdout.startswith("# NBP110 (fails-from-scratch)")
    assert "## Why is this bad?" in explain.stdout
    assert run_cli("explain", "nondeterministic").stdout.startswith("# NBP112 (nondeterministic)")


def test_docs_rules_md_documents_them() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(
        encoding="utf-8"
    )  # current: tests/test_docs.py
    generated = rules_markdown()
    for code, name in zip(REPLAY, ("fails-from-scratch", "output-differs", "nondeterministic")):
        assert f"### {code} {name}\n" in committed
        section = generated.split(f"### {code} {name}\n", 1)[1]
        assert (
            section.lstrip()
            .split("\n", 1)[0]
            .endswith("Rerun only: reported by `nbprod rerun`, never by `nbprod check`.")
        )
        assert f"| {name} | execution |" in committed


def test_check_select_of_a_replay_rule_warns_and_reports_nothing(tmp_path: Path) -> None:
    # this notebook fails from scratch, but only a replay can tell: check stays static
    nb = write(tmp_path / "nb.ipynb", cell("print(df_clean)", 1))
    proc = run_cli("check", "--select", "NBP110", str(nb))
    assert proc.returncode == 0, proc.stderr
    assert (
        "nbprod: warning: selection `NBP110` has no effect: NBP110 (fails-from-scratch)"
        " is reported by `nbprod rerun`, not `nbprod check`"
    ) in proc.stderr
    assert "NBP110" not in proc.stdout
    # a selection with a static rule in it works as before, without that warning
    both = run_cli("check", "--select", "NBP110,NBP105", str(nb))
    assert both.returncode == 1 and "NBP105" in both.stdout
    assert "selection `NBP110` has no effect" in both.stderr
    prefix = run_cli("check", "--select", "NBP1", str(nb))
    assert "has no effect" not in prefix.stderr and "NBP105" in prefix.stdout
    assert run_cli("check", "--select", "NBP999", str(nb)).returncode == 2
