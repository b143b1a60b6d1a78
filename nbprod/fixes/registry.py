"""Which fix answers which rule, by rule code (the rules know nothing of their fixes)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module

from nbprod.findings import Finding
from nbprod.fixes.model import Fix
from nbprod.notebook.model import Notebook

Fixer = Callable[[Notebook, Finding], "Fix | None"]

# rule code -> the module in nbprod.fixes whose `fix` answers it; imported on first use,
# since several need libcst (most of a second to import) and a check may need none.
MODULES: dict[str, str] = {
    "NBP503": "empty_cell",
    "NBP107": "clear_outputs",
    "NBP502": "clear_outputs",
    "NBP302": "unseeded_randomness",
    "NBP403": "unpinned_install",
    "NBP406": "function_not_exported",
    "NBP401": "silent_failure",
    "NBP404": "hardcoded_secret",
    "NBP202": "absolute_path",
    "NBP303": "hardcoded_hyperparameters",
}

# Rules whose fixes need a look (the fixes say "unsafe"): a plain check does not compute
# them, so a text report on many notebooks does not pay for their codemods.
UNSAFE = frozenset({"NBP202", "NBP303", "NBP401", "NBP404"})


def fixer(code: str) -> Fixer | None:
    """The fix function for rule ``code``, or None when the rule has no fix."""
    module = MODULES.get(code)
    if module is None:
        return None
    found: Fixer = import_module(f"nbprod.fixes.{module}").fix
    return found


def describe(code: str) -> str | None:
    """What the fix of rule ``code`` does, from its module's first sentence, for
    ``nbprod explain``; None when the rule has no fix."""
    found = fixer(code)
    module = sys.modules[found.__module__] if found is not None else None
    if module is None or not module.__doc__:
        return None
    head, _, what = module.__doc__.split("\n\n", 1)[0].partition(": ")
    how = (
        "unsafe: `nbprod check --fix --unsafe-fixes`"
        if "(unsafe)" in head
        else "`nbprod check --fix`"
    )
    return f"Fix ({how}): {' '.join(what.replace('``', '`').split())}"
