"""``python -m nbprod.rerun``: the same as ``nbprod rerun``."""

from __future__ import annotations

import os
import sys

from nbprod.rerun.cli import main

if __name__ == "__main__":
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        code = 1
    sys.stderr.flush()
    os._exit(code)
