"""The per-class cache of libcst visitor methods answers what libcst itself answers."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ExpressionContextProvider, ParentNodeProvider, ScopeProvider

from nbprod.export import libcst_speedup
from nbprod.export.mutations import find_mutations
from nbprod.export.scope import CellScope


def test_the_cache_matches_libcsts_own_answer_per_provider() -> None:
    libcst_speedup.install()
    for provider in (ScopeProvider, ExpressionContextProvider, ParentNodeProvider):
        instance = provider()
        cached = instance.get_visitors()
        original = libcst_speedup._original(instance)
        assert cached.keys() == original.keys() and cached
        assert all(cached[name] == original[name] for name in cached)  # bound to the instance


def test_scopes_are_the_same_with_the_cache() -> None:
    code = "import os\nx = os.getcwd()\ndef f():\n    return x + y\nprint(f(), z)\n"
    scope = CellScope(cst.parse_module(code))
    assert scope.free_names() == ["y", "z"]
    mutations = find_mutations(cst.parse_module("import pandas as pd\nrows.append(1)\n"))
    assert [(m.name, m.line) for m in mutations] == [("rows", 2)]
