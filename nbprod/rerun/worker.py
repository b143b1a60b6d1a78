"""``python -m nbprod.rerun.worker``: one replay for the Jupyter server, as a child process.

Reads one JSON request on stdin::

    {"filename": "<API path>", "location": "<absolute path>", "notebook": {...} | null,
     "options": {"timeout": 600, "total_timeout": null, "repeat": 1, "allow_errors": false,
                 "rtol": 1e-6, "kernel": null, "parameters": [["name", "source"], ...]}}

and writes JSON lines on stdout: progress events (``{"event": "kernel", "pid": ...}``,
``{"event": "cell", "run": 1, "done": 3, "total": 12, ...}``), then exactly one of
``{"event": "report", "report": <the --format json report>, "notes": [...], "seconds": s}`` or
``{"event": "error", "message": ...}``. The server kills this process (and the kernel,
whose process group it learns from the ``kernel`` event) to cancel.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def _run(request: dict[str, Any]) -> dict[str, Any]:
    from nbprod.config import ConfigError, load_settings
    from nbprod.notebook.load import (
        NotebookError,
        notebook_from_bytes,
        notebook_from_data,
        read_regular_file,
    )
    from nbprod.reporters.json import report_dict
    from nbprod.rerun.replay import RerunOptions, _to_v4, replay_notebook
    from nbprod.results import FileResult

    filename = str(request["filename"])
    location = Path(str(request["location"]))
    raw_options = request.get("options") or {}
    options = RerunOptions(
        kernel=raw_options.get("kernel"),
        timeout=raw_options.get("timeout", 600.0),
        total_timeout=raw_options.get("total_timeout"),
        allow_errors=bool(raw_options.get("allow_errors", False)),
        parameters=tuple((str(k), str(v)) for k, v in raw_options.get("parameters", [])),
        rtol=float(raw_options.get("rtol", 1e-6)),
        repeat=int(raw_options.get("repeat", 1)),
    )
    try:
        data = request.get("notebook")
        if data is None:
            raw = read_regular_file(location)
            model = notebook_from_bytes(raw, filename)
            data = json.loads(raw.decode("utf-8-sig"))
        else:
            model = notebook_from_data(data, filename)
        node = _to_v4(data)
        settings = load_settings(location)
    except (NotebookError, ConfigError) as exc:
        return {"report": report_dict([FileResult(filename, error=str(exc))]), "notes": []}
    outcome = await replay_notebook(
        model,
        node,
        location.parent,
        options,
        _emit,
        extra_ignores=[*settings.ignore, *settings.ignores_for(str(location))],
    )
    report: dict[str, Any] = report_dict([outcome.result])
    return {
        "report": report,
        "notes": outcome.notes,
        "seconds": round(sum(r.seconds for r in outcome.runs), 3),
    }


def main() -> int:
    from nbprod.rerun.execute import skip_slow_imports

    skip_slow_imports()
    from nbprod.rerun.replay import run_sync

    try:
        request = json.loads(sys.stdin.read())
        outcome = run_sync(_run(request))
    except Exception as exc:  # reported to the server, which answers with it
        _emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    _emit({"event": "report", **outcome})
    return 0


if __name__ == "__main__":
    sys.exit(main())
