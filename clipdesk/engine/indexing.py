"""Indexing in the background (the GUI, `clipdesk index --watch`): the watcher feeds typed jobs
to one worker, which merges whatever queued up and runs it.

While watching, the image half of the model is freed after `image_model_ttl_s` seconds with
nothing to encode (text queries do not need it) and read back when photos arrive.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..pipeline import Progress, RunReport
from ..pipeline.indexer import Cancelled
from ..watcher import FolderWatcher
from .jobs import Barrier, EngineJob, MergedWork, Reconcile, SyncPaths, merge
from .worker import CancelToken, Idle, JobFailure, Worker

if TYPE_CHECKING:
    from .core import Engine

log = logging.getLogger(__name__)


class BackgroundIndexing:
    """One worker thread for one Engine; started by Engine.start, ended by Engine.stop."""

    def __init__(self, engine: Engine, watch: bool) -> None:
        self.engine = engine
        self.watcher: FolderWatcher | None = None
        if watch:
            self.watcher = FolderWatcher(
                on_paths=lambda paths: self.submit(SyncPaths(frozenset(paths))),
                on_rescan=lambda _root: self.submit(Reconcile()),  # every root: cheap, and always right
                settle_s=engine.settle_s,
                on_warning=lambda text: engine.listeners.message("warning", text),
            )
        self._model_first = True  # see _index
        self.worker: Worker[EngineJob] = Worker(
            "clipdesk-worker",
            self._run,
            on_failed=self._failed,
            cancelled_by=(Cancelled,),
            idle=Idle(lambda: engine.image_model_ttl_s, self._release_image_tower),
        )

    def submit(self, job: EngineJob) -> None:
        self.worker.submit(job)

    def stop(self, timeout: float) -> None:
        """Cancel what is queued, let the batch in flight commit, and end the thread."""
        self.engine.indexer.cancel()
        self.worker.close()
        if self.watcher is not None:
            self.watcher.stop()
        self.worker.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        barrier = Barrier()
        self.submit(barrier)
        return barrier.done.wait(timeout)

    # -- the worker thread -------------------------------------------------------------------------

    def _run(self, job: EngineJob, token: CancelToken) -> None:
        token.check()
        work = merge([job, *self.worker.take_queued()])
        try:
            if work.indexing:
                self._index(work)
        finally:
            self._answer_barriers(work, token)
            if self.engine.listeners.last_progress.phase == "scanning":
                # Nothing was encoded after the scan (nothing new, or no model): the work is over.
                self.engine.listeners.progress(Progress("idle"))

    def _answer_barriers(self, work: MergedWork, token: CancelToken) -> None:
        if not work.barriers or token.cancelled:
            return
        if work.indexing or (self.watcher is not None and self.watcher.pending_count):
            # Idle only once the work just done is followed by nothing queued and nothing settling.
            if not work.indexing:
                token.wait(0.05)
            for barrier in work.barriers:
                self.submit(barrier)
        else:
            for barrier in work.barriers:
                barrier.done.set()

    def _index(self, work: MergedWork) -> None:
        engine = self.engine
        if work.reconcile and self._model_first:
            # Search before scanning: the first walk of the folders (and of the watches) waits for
            # the model and the index, instead of competing with them for the disk and the GIL.
            self._model_first = False
            engine.load_model_unless_downloading()
        with engine.indexing:
            engine.indexer.reset_cancel()
            if self.watcher is not None and (work.reconcile or work.rewatch):
                for path, mode in self.watcher.watch(engine.catalog.roots()).items():
                    log.info("%s: %s", path, mode)
            report = RunReport()
            try:
                if work.reconcile:
                    engine.indexer.reconcile(None, report)
                elif work.paths:
                    engine.indexer.sync_paths(set(work.paths), report)
                if engine.catalog.pending_ids(engine.model_id, limit=1):
                    engine.load_model()
                    engine.indexer.encode_pending(report)
            finally:
                if engine.store.index is not None:
                    engine.store.save_if_due(interval_s=30.0)
                engine.report_offline(report)
                engine.labelling.after_indexing()  # copies, and photos committed before the label vectors
                engine.text_pass.after_indexing()  # the text in the photos just indexed
        engine.backups.after_indexing(report)

    def _failed(self, failure: JobFailure) -> None:
        from ..encoder import ModelUnavailableError
        from .safety import as_disk_problem

        if failure.cancelled or isinstance(failure.error, ModelUnavailableError):
            return  # stop() asked (the batch in flight was committed), or already shown as a model state
        problem = as_disk_problem(failure.error, self.engine) if failure.error is not None else None
        if problem is not None:  # paused: resumes by itself once the disk has room again
            self.engine.disk_trouble(problem)
            return
        from ..catalog import CatalogError

        if isinstance(failure.error, CatalogError) and failure.error.kind in ("corrupt", "unreachable"):
            # Its message names the way back (clipdesk.engine.datastate: restore or salvage; a shared
            # library's server to start or reach again).
            self.engine.listeners.message("error", failure.error.user_message)
            return
        log.error("indexing failed", exc_info=failure.error)
        self.engine.listeners.message("error", f"Indexing stopped by an unexpected error: {failure.message}")

    def _release_image_tower(self) -> None:
        if not (self.watcher and self.watcher.pending_count):
            self.engine.encoder.release_image_tower(idle_s=self.engine.image_model_ttl_s)
