"""REST handlers under ``<base_url>/nbprod/``: ``GET rules``, ``POST check``, ``POST export``.

Every handler is an authenticated ``APIHandler``: a request without a token gets 403
and errors come back as JSON (``{"message": ..., "reason": ...}``). Paths in request
bodies are API paths relative to the server root; one that resolves outside it
(``..``, an absolute path, a symlink) is a 400 before anything is read or written.
The analysis is CPU-bound, so it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.web import HTTPError


class NbprodHandler(APIHandler):
    """Shared request parsing and path confinement."""

    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPError(400, f"request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise HTTPError(400, "request body must be a JSON object")
        return body

    @property
    def root_dir(self) -> Path:
        return Path(self.settings["server_root_dir"]).expanduser().resolve()

    def confined(self, value: object, field: str) -> Path:
        """Resolve an API path against the server root; 400 if it is not inside it."""
        if not isinstance(value, str) or not value.strip():
            raise HTTPError(400, f"'{field}' must be a non-empty path relative to the server root")
        if "\0" in value:
            raise HTTPError(400, f"'{field}' contains a NUL byte")
        root = self.root_dir
        # An absolute value replaces root in the join, and resolve() follows symlinks and
        # "..": whatever the spelling, only the final location is judged.
        target = (root / value).resolve()
        if not target.is_relative_to(root):
            raise HTTPError(400, f"'{field}' escapes the server root: {value!r}")
        return target

    def write_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))


class RulesHandler(NbprodHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        from nbprod.rules.registry import catalog

        rules = await asyncio.to_thread(catalog)  # the first call imports every rule module
        self.write_json({"rules": rules})


class CheckHandler(NbprodHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.json_body()
        path = body.get("path")
        location = self.confined(path, "path")
        notebook = body.get("notebook")
        if not isinstance(notebook, dict):
            raise HTTPError(400, "'notebook' must be the notebook's JSON object")
        assert isinstance(path, str)  # confined() checked it
        report = await asyncio.to_thread(run_check, notebook, path, location)
        self.write_json(report)


def run_check(notebook: dict[str, Any], api_path: str, location: Path) -> dict[str, Any]:
    """What ``nbprod check --format json`` prints for this notebook, named by its API path."""
    from nbprod.config import ConfigError, load_settings
    from nbprod.engine import FileResult, check_notebook_data
    from nbprod.reporters.json import report_dict

    # The engine matches per-file-ignores against the filename it is given, so it gets
    # the real location; the response names the file as the frontend knows it.
    filename = str(location)
    try:
        settings = load_settings(location.parent)
    except ConfigError as exc:
        result = FileResult(filename, error=str(exc))
    else:
        result = check_notebook_data(notebook, filename, settings)
    report: dict[str, Any] = report_dict([result])
    for key in ("findings", "errors", "skipped"):
        for entry in report.get(key, []):
            if entry.get("filename") == filename:
                entry["filename"] = api_path
    return report


class ExportHandler(NbprodHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.json_body()
        notebook = self.confined(body.get("path"), "path")
        output = self.confined(body.get("output"), "output")
        if output == self.root_dir:
            raise HTTPError(
                400,
                "'output' must be a directory below the server root, not the root itself",
            )
        force = body.get("force", False)
        if not isinstance(force, bool):
            raise HTTPError(400, "'force' must be a boolean")
        options: dict[str, Any] = {"force": force}
        package = body.get("package")
        if package is not None:
            if not isinstance(package, str) or not package:
                raise HTTPError(400, "'package' must be a non-empty string")
            options["package"] = package
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise HTTPError(400, f"'path' is not a notebook file: {body.get('path')!r}")

        try:
            exporter = importlib.import_module("nbprod.export")
        except ModuleNotFoundError as exc:
            if exc.name not in ("nbprod.export", "nbprod"):
                raise  # a missing dependency of the exporter is a real error, not "absent"
            exporter = None
        export_notebook = getattr(exporter, "export_notebook", None)
        if export_notebook is None:
            self.write_json(
                {
                    "message": "export is not available in this version of nbprod (nbprod.export is missing)"
                },
                status=501,
            )
            return

        # Refusals (cells that cannot be exported, files edited by hand) are part of the
        # result; an exporter that raises ExportError instead gets a 422 with its reason.
        refused: type[BaseException] | tuple[()] = getattr(exporter, "ExportError", ())
        try:
            result = await asyncio.to_thread(export_notebook, notebook, output, **options)
        except refused as exc:
            raise HTTPError(422, str(exc)) from None
        payload = result.to_json() if hasattr(result, "to_json") else result
        self.write_json(self._relative(payload))

    def _relative(self, payload: Any) -> Any:
        """Report written paths relative to the server root, as the frontend names files."""
        root = str(self.root_dir)
        if isinstance(payload, str) and payload.startswith(root + "/"):
            return payload[len(root) + 1 :]
        if isinstance(payload, list):
            return [self._relative(item) for item in payload]
        if isinstance(payload, dict):
            return {key: self._relative(value) for key, value in payload.items()}
        return payload


def setup_handlers(web_app: tornado.web.Application) -> None:
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, "nbprod", "rules"), RulesHandler),
            (url_path_join(base_url, "nbprod", "check"), CheckHandler),
            (url_path_join(base_url, "nbprod", "export"), ExportHandler),
        ],
    )
