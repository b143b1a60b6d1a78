"""Regenerate one area's expectations: `python -m tests.corpus_expectations.update AREA`.

The output is a proposal: read the diff against the notebooks before committing it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from nbprod.config import Settings
from nbprod.engine import check_file
from nbprod.rules.registry import all_rules

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "corpus"


def findings_for_area(area: str) -> dict[str, list[list[Any]]]:
    codes = tuple(r.code for r in all_rules() if r.area.value == area)
    if not codes:
        raise SystemExit(f"no rules in area {area!r}")
    out: dict[str, list[list[Any]]] = {}
    for path in sorted(FIXTURES.glob("*.ipynb")):
        result = check_file(path, Settings(select=codes))
        out[path.name] = [
            [f.code, f.cell_index, f.line, f.column, f.message] for f in result.findings
        ]
    return out


def main() -> None:
    area = sys.argv[1]
    target = HERE / f"{area}.json"
    target.write_text(
        json.dumps(findings_for_area(area), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
