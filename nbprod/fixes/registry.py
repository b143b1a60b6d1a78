"""Which fix answers which rule, by rule code (the rules know nothing of their fixes)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from nbprod.findings import Finding
from nbprod.fixes import (
    absolute_path,
    clear_outputs,
    empty_cell,
    function_not_exported,
    hardcoded_hyperparameters,
    hardcoded_secret,
    silent_failure,
    unpinned_install,
    unseeded_randomness,
)
from nbprod.fixes.model import Fix
from nbprod.notebook.model import Notebook

Fixer = Callable[[Notebook, Finding], Fix | None]

FIXERS: dict[str, Fixer] = {
    "NBP503": empty_cell.fix,
    "NBP107": clear_outputs.fix,
    "NBP502": clear_outputs.fix,
    "NBP302": unseeded_randomness.fix,
    "NBP403": unpinned_install.fix,
    "NBP406": function_not_exported.fix,
    "NBP401": silent_failure.fix,
    "NBP404": hardcoded_secret.fix,
    "NBP202": absolute_path.fix,
    "NBP303": hardcoded_hyperparameters.fix,
}


def describe(code: str) -> str | None:
    """What the fix of rule ``code`` does, from its module's first sentence, for
    ``nbprod explain``; None when the rule has no fix."""
    fixer = FIXERS.get(code)
    module = sys.modules[fixer.__module__] if fixer is not None else None
    if module is None or not module.__doc__:
        return None
    head, _, what = module.__doc__.split("\n\n", 1)[0].partition(": ")
    how = (
        "unsafe: `nbprod check --fix --unsafe-fixes`"
        if "(unsafe)" in head
        else "`nbprod check --fix`"
    )
    return f"Fix ({how}): {' '.join(what.replace('``', '`').split())}"
