"""A one-line progress bar on stderr, shown only on a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

_MIN_FILES = 20


class Progress:
    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total >= _MIN_FILES and stream.isatty()

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // self.total
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} notebooks"
        )
        if done == self.total:
            self.stream.write("\r" + " " * (width + 30) + "\r")
        self.stream.flush()
