"""The Jupyter server extension app: the REST API's limits and its worker pool's lifetime."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Int

from nbprod.server.handlers import HANDLERS
from nbprod.server.rerun import rerun_handlers, stop_rerun_jobs
from nbprod.server.workers import WorkerPool


class NbprodServer(ExtensionApp):
    """Serves ``/nbprod/*``. Limits are set as ``c.NbprodServer.<name>`` in a Jupyter config."""

    name = "nbprod"
    load_other_extensions = True

    max_body_bytes = Int(
        64 * 1024 * 1024, help="Largest request body accepted (bytes); larger ones get a 413."
    ).tag(config=True)
    workers = Int(2, help="Worker processes for checks and exports.").tag(config=True)
    check_timeout = Float(60.0, help="Seconds a check may take before its worker is killed.").tag(
        config=True
    )
    export_timeout = Float(
        300.0, help="Seconds an export may take before its worker is killed."
    ).tag(config=True)
    worker_memory_bytes = Int(
        4 * 1024**3, help="Address-space limit of each worker process (0: none)."
    ).tag(config=True)
    worker_recycle_bytes = Int(
        1024**3,
        help="A worker whose memory peaked above this during a request is replaced after it.",
    ).tag(config=True)

    def initialize_handlers(self) -> None:
        self.pool = WorkerPool(
            self.workers,
            memory_bytes=self.worker_memory_bytes,
            recycle_bytes=self.worker_recycle_bytes,
        )
        self.pool.start()  # the workers import nbprod while the server starts
        options = {"limits": self, "pool": self.pool}
        self.handlers.extend((f"/{route}", handler, options) for route, handler in HANDLERS)
        self.handlers.extend(rerun_handlers(self))
        self.log.info("nbprod: REST API registered under nbprod/, %d workers", self.workers)

    async def stop_extension(self) -> None:
        await stop_rerun_jobs(self)
        self.pool.shutdown()
