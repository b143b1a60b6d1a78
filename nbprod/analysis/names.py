"""Names that exist in every IPython kernel without a cell defining them."""

from __future__ import annotations

import builtins
import re

_IPYTHON_NAMES = frozenset(
    {
        "get_ipython", "display", "In", "Out", "exit", "quit",
        "_", "__", "___", "_i", "_ii", "_iii", "_ih", "_oh", "_dh", "_sh",
        "__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__",
        "__builtin__", "__IPYTHON__",
    }
)  # fmt: skip
_HISTORY = re.compile(r"_i?\d+")

# Python's own builtins, without what an IPython shell in this process adds to the module
# (`display`, `get_ipython`): code exported from a notebook runs without IPython.
PYTHON_BUILTINS = frozenset(dir(builtins)) - {
    "display", "get_ipython", "__IPYTHON__", "__IPYTHON__active", "dreload"
}  # fmt: skip
BUILTIN_NAMES = PYTHON_BUILTINS | _IPYTHON_NAMES


def is_kernel_name(name: str) -> bool:
    """True for builtins and IPython's namespace (``In``, ``_3``, ``_i3``, ...)."""
    return name in BUILTIN_NAMES or _HISTORY.fullmatch(name) is not None
