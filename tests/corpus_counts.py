"""Findings per rule on the two shared corpora: `python -m tests.corpus_counts` rewrites
`tests/corpus_counts.json`.

The reviewed expectations (tests/corpus_expectations/) pin every finding on 35 fixture
notebooks; these counts cover all 255 notebooks beside the developers' checkout, so that
no rule's volume grows, or shrinks, unnoticed. After a rule change, read the findings
it adds or removes (docs/accuracy.md's sample is the place to judge them), then rewrite.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nbprod.config import Settings
from nbprod.engine import check_file
from nbprod.rules.registry import all_rules

HERE = Path(__file__).parent
COUNTS = HERE / "corpus_counts.json"
SHARED = HERE.parent.parent / "shared"
CORPORA = ("corpus", "corpus-heavy")


def counts() -> dict[str, dict[str, int]]:
    """{corpus: {rule code: findings}} with every rule selected (opt-in ones too)."""
    settings = Settings(select=("ALL",))
    codes = sorted(rule.code for rule in all_rules())
    out: dict[str, dict[str, int]] = {}
    for corpus in CORPORA:
        found: Counter[str] = Counter()
        for path in sorted((SHARED / corpus / "notebooks").glob("*.ipynb")):
            found.update(f.code for f in check_file(path, settings).findings)
        out[corpus] = {code: found[code] for code in codes}
    return out


def main() -> None:
    COUNTS.write_text(json.dumps(counts(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {COUNTS}")


if __name__ == "__main__":
    main()
