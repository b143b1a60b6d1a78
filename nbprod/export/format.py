"""black + isort through their Python APIs, with the settings written into the package.

The generated pyproject.toml carries the same settings, so ``black --check`` and
``isort --check`` run inside the package agree with what was written here.
"""

from __future__ import annotations

import black
import isort

TARGET = black.mode.TargetVersion.PY310


def isort_config(package: str) -> isort.Config:
    return isort.Config(profile="black", known_first_party=[package])


def format_python(code: str, package: str) -> str:
    """isort then black, repeated until both agree (at most three rounds)."""
    config = isort_config(package)
    mode = black.mode.Mode(target_versions={TARGET})
    for _ in range(3):
        sorted_code = isort.code(code, config=config)
        formatted = black.format_str(sorted_code, mode=mode)
        if formatted == code:
            break
        code = formatted
    return code
