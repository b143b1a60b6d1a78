"""``/nbprod/rerun``: replay a notebook in a fresh kernel from JupyterLab, with progress and cancel.

- ``POST /nbprod/rerun`` ``{"path": "<API path>", "notebook": {...}?, "timeout": s?,
  "total_timeout": s?, "repeat": n?, "allow_errors": bool?, "rtol": r?, "kernel": name?,
  "parameters": {"name": value} | ["name=value"]?}`` starts a replay and answers 202 with the
  job (``{"id": ..., "status": "queued", ...}``). ``notebook`` is the editor's JSON (unsaved
  edits and outputs included); without it the saved file is replayed.
- ``GET /nbprod/rerun/<id>``: the job: ``status`` (``queued``, ``running``, ``done``,
  ``error``, ``cancelled``), ``progress`` (``phase``, ``run``/``runs``, ``done``/``total``
  code cells, ``cell``: the index of the running cell),
  and once done ``report``, the ``nbprod rerun --format json`` report (findings NBP110-NBP112).
- ``DELETE /nbprod/rerun/<id>``: cancels: the replay process and its kernel (with every
  process the notebook started) are killed at once.
- ``GET /nbprod/rerun``: the jobs this server knows and the replay rules' documentation.

Each replay runs in its own child process (``python -m nbprod.rerun.worker``) with its
own, new kernel: never the user's kernel, never in the server's process. Limits, as
``c.NbprodRerun.<name>`` in a Jupyter config file: ``max_jobs`` replays at once (others
queue, up to ``max_queued``), ``cell_timeout`` and ``total_timeout`` caps (a request may ask
for less), ``max_repeat``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import sys
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from tornado.web import HTTPError
from traitlets import Float, Int
from traitlets.config import Configurable

from nbprod.rerun.execute import kill_process_tree
from nbprod.server.handlers import NbprodHandler

_ACTIVE = ("queued", "running")
_LINE_LIMIT = 256 * 1024 * 1024  # a report line may be long (diffs of many cells)


class NbprodRerun(Configurable):
    """Limits of the replay API (``c.NbprodRerun.<name>``)."""

    max_jobs = Int(1, help="Replays that run at once; later ones wait in a queue.").tag(config=True)
    max_queued = Int(8, help="Replays waiting or running before new ones get a 429.").tag(
        config=True
    )
    cell_timeout = Float(600.0, help="Largest per-cell timeout (s) a request may ask for.").tag(
        config=True
    )
    total_timeout = Float(
        1800.0, help="Largest time (s) one run of a notebook may take; its kernel is then killed."
    ).tag(config=True)
    max_repeat = Int(3, help="Largest number of runs (NBP112 needs 2) a request may ask for.").tag(
        config=True
    )
    keep_finished = Int(50, help="Finished jobs kept for GET before the oldest are dropped.").tag(
        config=True
    )


@dataclass
class Job:
    id: str
    path: str
    runs: int
    created: float = field(default_factory=time.time)
    status: str = "queued"
    progress: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    started: float | None = None
    finished: float | None = None
    kernels: list[tuple[int | None, int | None]] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None
    task: asyncio.Task[None] | None = None

    def to_json(self) -> dict[str, Any]:
        phase = {"queued": "queued", "running": "starting"}.get(self.status, "finished")
        return {
            "id": self.id,
            "path": self.path,
            "status": self.status,
            "progress": (
                {"phase": phase, "runs": self.runs, **self.progress}
                if self.status in _ACTIVE
                else {**self.progress, "phase": "finished", "runs": self.runs}
            ),
            "report": self.report,
            "notes": self.notes,
            "error": self.error,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
        }


class RerunJobs:
    """The replays of one server: a bounded queue of child processes."""

    def __init__(self, settings: NbprodRerun) -> None:
        self.settings = settings
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._slots = asyncio.Semaphore(max(1, settings.max_jobs))

    def active(self) -> int:
        return sum(1 for job in self.jobs.values() if job.status in _ACTIVE)

    def start(self, path: str, request: dict[str, Any], runs: int) -> Job:
        job = Job(uuid.uuid4().hex, path, runs)
        self.jobs[job.id] = job
        self._forget_old()
        job.task = asyncio.ensure_future(self._run(job, request))
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self.jobs.values() if j.status not in _ACTIVE]
        for job in finished[: max(0, len(finished) - self.settings.keep_finished)]:
            self.jobs.pop(job.id, None)

    async def _run(self, job: Job, request: dict[str, Any]) -> None:
        async with self._slots:
            if job.status != "queued":
                return
            job.status = "running"
            job.started = time.time()
            try:
                await self._supervise(job, request)
            except Exception as exc:  # a bug here must not leave the job running
                if job.status == "running":
                    job.status, job.error = "error", f"{type(exc).__name__}: {exc}"
            finally:
                self._kill(job)
                if job.finished is None:
                    job.finished = time.time()

    async def _supervise(self, job: Job, request: dict[str, Any]) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "nbprod.rerun.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # DELETE kills its whole process group
            limit=_LINE_LIMIT,
        )
        job.process = process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(request).encode("utf-8"))
        with contextlib.suppress(ConnectionError):
            await process.stdin.drain()
        process.stdin.close()
        # the worker enforces the limits itself; this is the backstop if it cannot
        total = request["options"].get("total_timeout") or self.settings.total_timeout
        deadline = job.runs * (total + 120.0)
        try:
            await asyncio.wait_for(self._read(job, process.stdout), deadline)
        except asyncio.TimeoutError:
            job.status, job.error = "error", f"the replay took longer than {deadline:g} s"
            self._kill(job)
        await process.wait()
        if job.status == "running":
            if job.report is not None:
                job.status = "done"
            else:
                job.status = "error"
                job.error = (
                    job.error or f"the replay process ended (exit code {process.returncode})"
                )

    async def _read(self, job: Job, stdout: asyncio.StreamReader) -> None:
        async for line in stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "kernel":
                job.kernels.append((event.get("pid"), event.get("pgid")))
                job.progress = {"phase": "running", "run": event.get("run")}
            elif kind == "cell":
                job.progress = {
                    "phase": "running",
                    "run": event.get("run"),
                    "done": event.get("done"),
                    "total": event.get("total"),
                    "cell": event.get("cell"),
                }
            elif kind == "report":
                job.report = event.get("report")
                notes = event.get("notes")
                job.notes = [str(n) for n in notes] if isinstance(notes, list) else []
            elif kind == "error":
                job.error = str(event.get("message"))

    def _kill(self, job: Job) -> None:
        for pid, pgid in job.kernels:
            kill_process_tree(pid, pgid)
        process = job.process
        if process is not None and process.returncode is None:
            kill_process_tree(process.pid, process.pid)

    def cancel(self, job: Job) -> None:
        if job.status not in _ACTIVE:
            return
        job.status = "cancelled"
        job.finished = time.time()
        self._kill(job)

    async def shutdown(self) -> None:
        for job in list(self.jobs.values()):
            self.cancel(job)
        tasks = [j.task for j in self.jobs.values() if j.task is not None and not j.task.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=10)


class RerunHandler(NbprodHandler):
    def initialize(self, limits: Any, pool: Any, jobs: RerunJobs | None = None) -> None:
        super().initialize(limits, pool)
        assert jobs is not None
        self.jobs = jobs

    def _job(self, job_id: str) -> Job:
        job = self.jobs.jobs.get(job_id)
        if job is None:
            raise HTTPError(404, f"no replay with id {job_id!r}")
        return job


class RerunStartHandler(RerunHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        from nbprod.rerun.rules import RERUN_RULES
        from nbprod.rules.registry import catalog

        jobs = [job.to_json() for job in self.jobs.jobs.values()]
        for job in jobs:
            job.pop("report", None)
        self.write_json({"jobs": jobs, "rules": catalog(RERUN_RULES)})

    @tornado.web.authenticated
    async def post(self) -> None:
        if importlib.util.find_spec("nbclient") is None:
            raise HTTPError(
                501,
                "replaying needs nbclient and ipykernel on the server: pip install 'nbprod[rerun]'",
            )
        body = self.json_body()
        path = body.get("path")
        location = self.confined(path, "path")
        assert isinstance(path, str)
        if location.suffix != ".ipynb":
            raise HTTPError(400, f"'path' is not a notebook: {path!r}")
        notebook = body.get("notebook")
        if notebook is None:
            if not location.is_file():
                raise HTTPError(400, f"'path' is not a notebook file: {path!r}")
        elif not isinstance(notebook, dict):
            raise HTTPError(400, "'notebook' must be the notebook's JSON object")
        if not location.parent.is_dir():
            raise HTTPError(400, f"the folder of {path!r} does not exist")
        settings = self.jobs.settings
        repeat = self._int(body, "repeat", 1, 1, settings.max_repeat)
        options: dict[str, Any] = {
            "timeout": self._seconds(body, "timeout", settings.cell_timeout),
            "total_timeout": self._seconds(body, "total_timeout", settings.total_timeout),
            "repeat": repeat,
            "allow_errors": self._bool(body, "allow_errors"),
            "rtol": self._rtol(body),
            "kernel": self._kernel(body),
            "parameters": self._parameters(body),
        }
        if self.jobs.active() >= max(1, settings.max_queued):
            raise HTTPError(429, "too many replays are running or waiting; try again later")
        request = {
            "filename": path,
            "location": str(location),
            "notebook": notebook,
            "options": options,
        }
        job = self.jobs.start(path, request, repeat)
        self.set_header("Location", self.request.path.rstrip("/") + "/" + job.id)
        self.write_json(job.to_json(), status=202)

    @staticmethod
    def _seconds(body: dict[str, Any], key: str, cap: float) -> float:
        value = body.get(key, cap)
        if value is None:
            return cap
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise HTTPError(400, f"'{key}' must be a positive number of seconds")
        return float(min(value, cap))

    @staticmethod
    def _int(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
        value = body.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise HTTPError(400, f"'{key}' must be an integer from {low} to {high}")
        return value

    @staticmethod
    def _bool(body: dict[str, Any], key: str) -> bool:
        value = body.get(key, False)
        if not isinstance(value, bool):
            raise HTTPError(400, f"'{key}' must be a boolean")
        return value

    @staticmethod
    def _rtol(body: dict[str, Any]) -> float:
        value = body.get("rtol", 1e-6)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise HTTPError(400, "'rtol' must be a number, 0 or more")
        return float(value)

    @staticmethod
    def _kernel(body: dict[str, Any]) -> str | None:
        value = body.get("kernel")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise HTTPError(400, "'kernel' must be a kernel name")
        return value

    @staticmethod
    def _parameters(body: dict[str, Any]) -> list[tuple[str, str]]:
        from nbprod.rerun.replay import UsageError, parse_parameter

        value = body.get("parameters", [])
        pairs: list[tuple[str, str]] = []
        try:
            if isinstance(value, dict):
                for name, item in value.items():
                    if not isinstance(name, str) or not name.isidentifier():
                        raise UsageError(f"parameter name {name!r} is not a Python name")
                    pairs.append((name, repr(item)))
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                pairs = [parse_parameter(v) for v in value]
            else:
                raise UsageError("'parameters' must be an object or a list of \"name=value\"")
        except UsageError as exc:
            raise HTTPError(400, str(exc)) from None
        return pairs


class RerunJobHandler(RerunHandler):
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        self.write_json(self._job(job_id).to_json())

    @tornado.web.authenticated
    async def delete(self, job_id: str) -> None:
        job = self._job(job_id)
        self.jobs.cancel(job)
        self.write_json(job.to_json())


ROUTES: list[tuple[str, type[RerunHandler]]] = [
    ("nbprod/rerun", RerunStartHandler),
    (r"nbprod/rerun/([0-9a-f]{32})", RerunJobHandler),
]


def rerun_handlers(app: Any) -> list[tuple[str, type[RerunHandler], dict[str, Any]]]:
    """Handler specs for :class:`nbprod.server.app.NbprodServer` (``self.handlers``).

    The job manager is kept on the app as ``rerun_jobs`` for :func:`stop_rerun_jobs`."""
    settings = NbprodRerun(parent=app)
    jobs = RerunJobs(settings)
    setattr(app, "rerun_jobs", jobs)
    options = {"limits": app, "pool": getattr(app, "pool", None), "jobs": jobs}
    return [(f"/{route}", handler, options) for route, handler in ROUTES]


async def stop_rerun_jobs(app: Any) -> None:
    """Cancel every replay (killing its kernel) when the server stops."""
    jobs = getattr(app, "rerun_jobs", None)
    if isinstance(jobs, RerunJobs):
        await jobs.shutdown()
