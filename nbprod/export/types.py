"""Type expressions from literal values and from outputs a notebook recorded.

Only what is certain: a literal's type, ``pandas.DataFrame`` for a recorded HTML
table, ``pandas.Series`` / ``numpy.ndarray`` for their unmistakable reprs.
Anything else is ``Any``, which mypy accepts and a reader sees as "unknown".
"""

from __future__ import annotations

import ast
from typing import Any

# Mutable literals cannot be dataclass defaults; they need a default_factory.
MUTABLE_PREFIXES = ("list[", "dict[", "set[")


def literal_type(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "bool"
    for kind in (int, float, complex, str, bytes):
        if isinstance(value, kind):
            return kind.__name__
    if isinstance(value, list):
        return f"list[{_union(value)}]"
    if isinstance(value, set):
        return f"set[{_union(value)}]"
    if isinstance(value, frozenset):
        return f"frozenset[{_union(value)}]"
    if isinstance(value, tuple):
        if not value:
            return "tuple[()]"
        if len(value) > 8:
            return f"tuple[{_union(value)}, ...]"
        return "tuple[" + ", ".join(literal_type(v) for v in value) + "]"
    if isinstance(value, dict):
        return f"dict[{_union(value.keys())}, {_union(value.values())}]"
    return "Any"


def _union(values: Any) -> str:
    names: list[str] = []
    for value in values:
        name = literal_type(value)
        if name not in names:
            names.append(name)
    if not names:
        return "Any"
    if "int" in names and "float" in names:
        names.remove("int")  # mypy's numeric tower: an int is accepted where float is
    if "Any" in names:
        return "Any"
    return " | ".join(names)


def source_literal_type(code: str) -> str | None:
    """The type of a literal written in source (``[1, 2]``), or ``None`` if not a literal."""
    try:
        value = ast.literal_eval(code.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return literal_type(value)


def recorded_value(data: dict[str, Any]) -> tuple[bool, object]:
    """(True, value) when an output's ``text/plain`` is a Python literal."""
    text = data.get("text/plain")
    if isinstance(text, list):
        text = "".join(t for t in text if isinstance(t, str))
    if not isinstance(text, str):
        return False, None
    try:
        return True, ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def recorded_type(data: dict[str, Any]) -> tuple[str, str] | str | None:
    """The type of a displayed value: a builtin name, or (module, attribute) for a library type."""
    html = data.get("text/html")
    if isinstance(html, list):
        html = "".join(t for t in html if isinstance(t, str))
    text = data.get("text/plain")
    if isinstance(text, list):
        text = "".join(t for t in text if isinstance(t, str))
    if isinstance(html, str) and 'class="dataframe"' in html:
        return ("pandas", "DataFrame")
    if not isinstance(text, str):
        return None
    ok, value = recorded_value(data)
    if ok:
        return literal_type(value)
    last = text.rstrip().rsplit("\n", 1)[-1]
    if "\n" in text.strip() and (last.startswith("Name: ") or last.startswith("dtype: ")):
        if ", dtype: " in last or last.startswith("dtype: "):
            return ("pandas", "Series")
    if text.startswith("array("):
        return ("numpy", "ndarray")
    return None
