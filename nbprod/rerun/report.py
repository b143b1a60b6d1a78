"""Reporting replay findings with nbprod's own reporters.

The SARIF reporter describes every rule of a run from the static registry, which does not
hold the replay rules (``nbprod check`` never reports them). :func:`with_replay_rules`
lets it see NBP110-NBP112 for the length of one report; it does nothing once the SARIF
reporter knows them already.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def with_replay_rules() -> Iterator[None]:
    import nbprod.reporters.sarif as sarif
    from nbprod.rerun.rules import RERUN_RULES

    original = getattr(sarif, "all_rules")
    known = {r.code for r in original()}
    if all(r.code in known for r in RERUN_RULES):
        yield
        return

    def rules() -> tuple[Any, ...]:
        return tuple(sorted((*original(), *RERUN_RULES), key=lambda r: r.code))

    setattr(sarif, "all_rules", rules)
    try:
        yield
    finally:
        setattr(sarif, "all_rules", original)
