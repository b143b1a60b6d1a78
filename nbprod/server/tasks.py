"""What the server's worker processes run: a check and an export, in plain JSON types."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def check(notebook: dict[str, Any], api_path: str, location: str) -> dict[str, Any]:
    """What ``nbprod check --format json`` prints for this notebook, named by its API path,
    fixes included: the sidebar applies their edits through the notebook model."""
    from dataclasses import replace

    from nbprod.config import ConfigError, load_settings
    from nbprod.engine import check_notebook_data
    from nbprod.reporters.json import report_dict
    from nbprod.results import FileResult

    # The engine matches per-file-ignores against the filename it is given, so it gets
    # the real location; the response names the file as the frontend knows it.
    try:
        settings = load_settings(Path(location).parent)
    except ConfigError as exc:
        result = FileResult(location, error=str(exc))
    else:
        # every fix, the unsafe ones too: the sidebar offers them behind a confirmation
        every_fix = replace(settings, unsafe_fixes=True)
        result = check_notebook_data(notebook, location, every_fix, fixes=True)
    report: dict[str, Any] = report_dict([result])
    for key in ("findings", "errors", "skipped"):
        for entry in report.get(key, []):
            if entry.get("filename") == location:
                entry["filename"] = api_path
    return report


def export(notebook: str, output: str, options: dict[str, Any]) -> dict[str, Any]:
    from nbprod.export import export_notebook

    result: dict[str, Any] = export_notebook(notebook, output, **options).to_json()
    return result


def warm_up() -> None:
    """Import what a check needs, so the first request does not pay for it (the fixes
    bring libcst: most of a second, which would count against the check's timeout)."""
    import nbprod.fixes.codemod  # noqa: F401  (libcst, for the fixes that need it)
    from nbprod.rules.registry import all_rules

    all_rules()
