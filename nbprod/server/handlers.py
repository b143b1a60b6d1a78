"""REST handlers under ``<base_url>/nbprod/``: ``GET rules``, ``POST check``, ``POST export``.

Every handler is an authenticated ``APIHandler``: a request without a token gets 403
and errors come back as JSON (``{"message": ..., "reason": ...}``). Paths in request
bodies are API paths relative to the server root; one that resolves outside it
(``..``, an absolute path, a symlink) is a 400 before anything is read or written, and
the exporter refuses to write through a symlink below the output folder. A body larger
than ``c.NbprodServer.max_body_bytes`` is a 413, refused before it is read. Checks and
exports run in the worker processes of :mod:`nbprod.server.workers`, never in the
server's own process.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from tornado.web import HTTPError

from nbprod.export.naming import package_name_problem
from nbprod.server import tasks
from nbprod.server.workers import WorkerError, WorkerPool

if TYPE_CHECKING:
    from nbprod.server.app import NbprodServer


@tornado.web.stream_request_body
class NbprodHandler(APIHandler):
    """Shared request parsing, body limit and path confinement."""

    def initialize(self, limits: NbprodServer, pool: WorkerPool) -> None:
        self.limits = limits
        self.pool = pool
        self._chunks: list[bytes] = []
        self._received = 0

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        declared = self.request.headers.get("Content-Length")
        if (
            declared is not None
            and declared.isdigit()
            and int(declared) > self.limits.max_body_bytes
        ):
            self._too_large()

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received <= self.limits.max_body_bytes:
            self._chunks.append(chunk)  # past the limit: counted, not kept

    def _too_large(self) -> None:
        raise HTTPError(
            413,
            f"request body larger than {self.limits.max_body_bytes:,} bytes"
            " (raise c.NbprodServer.max_body_bytes to allow it)",
        )

    def json_body(self) -> dict[str, Any]:
        if self._received > self.limits.max_body_bytes:
            self._too_large()
        try:
            body = json.loads(b"".join(self._chunks))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPError(400, f"request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise HTTPError(400, "request body is nested too deeply") from None
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

    async def in_worker(self, task: Any, *args: Any, timeout: float) -> Any:
        try:
            return await self.pool.run(task, *args, timeout=timeout)
        except WorkerError as exc:
            raise HTTPError(exc.status, str(exc)) from None

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
        report = await self.in_worker(
            tasks.check, notebook, path, str(location), timeout=self.limits.check_timeout
        )
        self.write_json(report)


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
            problem = package_name_problem(package)
            if problem is not None:
                raise HTTPError(400, problem)
            options["package"] = package
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise HTTPError(400, f"'path' is not a notebook file: {body.get('path')!r}")
        payload = await self.in_worker(
            tasks.export, str(notebook), str(output), options, timeout=self.limits.export_timeout
        )
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


HANDLERS: list[tuple[str, type[NbprodHandler]]] = [
    ("nbprod/rules", RulesHandler),
    ("nbprod/check", CheckHandler),
    ("nbprod/export", ExportHandler),
]
