"""``python -m nbprod.rerun``: the same as ``nbprod rerun``."""

from __future__ import annotations

import sys

from nbprod.cli import entry

if __name__ == "__main__":
    sys.argv[1:1] = ["rerun"]
    entry()
