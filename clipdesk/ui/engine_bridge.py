"""The Qt face of the engine.

Construction, model loading, searches and folder changes all run on background workers (the
one worker primitive, clipdesk.engine.worker); the engine's listener callbacks (worker thread)
become queued Qt signals. Each search gets a ticket; only the newest queued search runs, and the
window drops answers it no longer wants.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from ..engine.worker import Cancelled, CancelToken, JobFailure, Worker
from .background import Background
from .core_text import core_text

if TYPE_CHECKING:  # the engine itself is imported on a background thread, never at first paint
    from ..engine import Engine, EngineStatus
    from ..search import SearchRequest

log = logging.getLogger(__name__)

EngineFactory = Callable[[], "Engine"]


@dataclass(frozen=True)
class OpenEngine:
    """Open the catalog (first start, or after a model change) and start indexing."""


@dataclass(frozen=True)
class SwitchModel:
    """Remember a local model folder, close the engine using the old one, open a new one."""

    folder: str
    old: Engine | None


@dataclass(frozen=True)
class Recover:
    """Replace a damaged catalog ("backup" or "salvage"), then open the engine."""

    choice: str
    backup: str | None = None


@dataclass(frozen=True)
class CloseDamaged:
    """An engine call met a damaged catalog: close the engine (so recovery can move the file aside)."""

    message: str


@dataclass(frozen=True)
class DataTask:
    """Close the engine, run `fn(data_dir)` (a restore, a move: data_safety), reopen on `fn`'s data dir."""

    name: str
    fn: Callable[[Path], Any]
    old: Engine | None


@dataclass(frozen=True)
class LoadModel:
    engine: Engine


@dataclass(frozen=True)
class SearchJob:
    ticket: int
    request: SearchRequest


class EngineBridge(QObject):
    engineReady = Signal()  # an engine is open (again, after a model change)
    engineFailed = Signal(str)  # the catalog could not be opened
    progress = Signal(object)  # pipeline.Progress
    changes = Signal(object)  # pipeline.Changes
    message = Signal(str, str)  # (level, text) from the worker: info | warning | error
    modelState = Signal(str, str)  # loading | downloading | ready | unavailable, detail
    downloadProgress = Signal(float, float)  # done, total (units of the hub's progress: files or bytes)
    textModelState = Signal(str, str)  # the multilingual text model, as modelState (loaded on first need)
    textDownloadProgress = Signal(float, float)
    searchFinished = Signal(int, object, object)  # ticket, SearchRequest, SearchPage
    searchFailed = Signal(int, object, str, str)  # ticket, SearchRequest, kind (model|text_model|image|error), text
    statusReady = Signal(object)  # EngineStatus
    indexingBlocked = Signal()  # another process holds the catalog's indexing lock
    catalogDamaged = Signal(object)  # CatalogState: no engine (at start, or closed when a call met damage)
    diskState = Signal(str, str)  # disk_full | read_only | ok (resumed), the message (translated)
    dataTaskDone = Signal(str, object)  # (recover | restore | move, its result); the engine reopens next
    dataTaskFailed = Signal(str, str)  # (the same names, why); the engine reopens as it was
    libraryUnreachable = Signal(str, str)  # a shared library's server is down: (where, no password; why)

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        model: str | None = None,
        *,
        engine_factory: Callable[[str | None], Engine] | None = None,
        watch: bool = True,
        library: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self._library = library  # postgresql://... (a shared library); None: CLIPDESK_LIBRARY, else this computer
        self._model = model
        self._factory = engine_factory
        self._watch = watch
        self._engine: Engine | None = None
        self._ready = threading.Event()
        self._alive = True
        self.model_state: tuple[str, str] = ("loading", "")
        self.needs_download = False
        self.indexing_allowed = True
        self.defer_model_load = False  # True: the owner calls load_model() (the window: after its first screen)
        self._damage_seen = threading.Event()  # damage met during a session: reported once per open engine
        # Opening and reopening the engine, in order.
        self._lifecycle: Worker[OpenEngine | SwitchModel | Recover | DataTask | CloseDamaged] = Worker(
            "clipdesk-open", self._run_lifecycle
        )
        # Engine operations run in order on one thread; status refreshes are coalesced.
        self.tasks = Background(1, "clipdesk-engine", self)
        self.tasks.failed.connect(self._task_failed)
        self._status_queued = False
        # Searches: one thread, newest request wins.
        self._ticket = 0
        self._searches: Worker[SearchJob] = Worker(
            "clipdesk-search", self._run_search, on_done=self._search_done, on_failed=self._search_failed
        )
        # Model loads: a worker per engine, so a download for an engine being replaced never
        # holds up the next engine's load.
        self._models: Worker[LoadModel] | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def ready(self) -> bool:
        return self._engine is not None

    @property
    def model_override(self) -> str | None:
        return self._model

    def open(self) -> None:
        """Open the catalog in the background; `engineReady` or `engineFailed` follows."""
        if not self._lifecycle.busy:
            self._lifecycle.submit(OpenEngine())

    def retry_open(self) -> None:
        """Open again after `libraryUnreachable` (even while that attempt's job is still ending)."""
        self._lifecycle.submit(OpenEngine())

    @property
    def data_dir(self) -> Path:
        """The data folder in use (or to be used): catalog, index, thumbnails, backups."""
        engine = self._engine
        if engine is not None:
            return Path(engine.data_dir)
        from .. import config

        return config.data_dir(self._data_dir or config.settings().data_dir)

    @property
    def data_dir_is_default(self) -> bool:
        """True unless --data-dir or CLIPDESK_DATA_DIR chose the folder (then a move writes no pointer)."""
        from .. import config

        return not self._data_dir and config.settings().data_dir is None

    @property
    def library(self) -> str | None:
        """The shared library's URL in use (or to be used); None for this computer's library."""
        from .. import config

        engine = self._engine
        if engine is not None:
            return engine.library
        return self._library or config.settings().library

    def use_library(self, url: str) -> None:
        """Close the engine and reopen it on `url` (postgresql://...) or, for "", this computer's library."""
        if not url:
            os.environ.pop("CLIPDESK_LIBRARY", None)  # the person chose this computer: the variable no longer wins
        self._library = url or None
        self.run_data_task("library", lambda _data: url)

    def recover(self, choice: str, backup: str | None = None) -> None:
        """After `catalogDamaged`: "backup" or "salvage" in the background; `dataTaskDone("recover",
        RecoveryResult)` or `dataTaskFailed`, then the engine opens."""
        self._lifecycle.submit(Recover(choice, backup))

    def run_data_task(self, name: str, fn: Callable[[Path], Any]) -> None:
        """Close the engine, run `fn(data_dir)` in the background (a restore, a move), reopen (after a
        move: on the new folder): `dataTaskDone(name, result)` or `dataTaskFailed(name, why)`."""
        engine, self._engine = self._engine, None
        self._ready.clear()
        self._lifecycle.submit(DataTask(name, fn, engine))

    def _run_lifecycle(
        self, job: OpenEngine | SwitchModel | Recover | DataTask | CloseDamaged, _token: CancelToken
    ) -> None:
        if isinstance(job, CloseDamaged):
            self._close_damaged(job.message)
            return  # stays closed until the window's restore or salvage (`recover`) reopens it
        if isinstance(job, SwitchModel) and job.old is not None:
            try:
                job.old.set_model(job.folder)
            finally:
                self._stop_engine(job.old, timeout=2.5)
        if isinstance(job, (Recover, DataTask)):
            self._run_data_job(job)
        if self._alive:
            self._open()

    def _run_data_job(self, job: Recover | DataTask) -> None:
        name = "recover" if isinstance(job, Recover) else job.name
        try:
            if isinstance(job, Recover):
                from ..engine.datastate import recover

                result: Any = recover(job.choice, job.backup, self.data_dir)
            else:
                data = self.data_dir if job.old is None else Path(job.old.data_dir)
                if job.old is not None:
                    self._stop_engine(job.old, timeout=2.5)  # lets go of the catalog and its lock
                result = job.fn(data)
                moved_to = getattr(result, "dest", None)  # a MoveResult: reopen there
                if isinstance(moved_to, Path) and not getattr(result, "pointer_written", True):
                    self._data_dir = str(moved_to)
        except Exception as exc:
            log.exception("%s failed", name)
            if self._alive:
                self.dataTaskFailed.emit(name, core_text(str(exc) or type(exc).__name__))
            return
        if self._alive:
            self.dataTaskDone.emit(name, result)

    def _damaged(self) -> bool:
        """Ask the catalog first: a damaged one is offered to the window (`catalogDamaged`), not opened."""
        if self._factory is not None or self.library:
            return False  # tests' own engines; a shared library's catalog is in its server
        from ..catalog import CatalogError
        from ..engine.datastate import DAMAGED, catalog_state

        try:
            state = catalog_state(self.data_dir)
        except CatalogError:
            return False  # full disk, locked...: opening reports it as engineFailed
        if state.state != DAMAGED:
            return False
        if self._alive:
            self.catalogDamaged.emit(state)
        return True

    def _task_failed(self, text: str) -> None:
        """An engine call's failure that no caller handled: shown, unless the recovery page says it."""
        if not self._met_damage(text=text.removeprefix("CatalogError: ")):
            self.message.emit("error", text)

    def _met_damage(self, exc: BaseException | None = None, text: str = "") -> bool:
        """True when `exc` (or a message's `text`) says the catalog is damaged; the first time per
        open engine, the engine is closed and the window offered restore or salvage (`catalogDamaged`)."""
        from ..catalog import CatalogError

        if isinstance(exc, CatalogError):
            if exc.kind != "corrupt":
                return False
            text = exc.user_message
        elif not re.search(r"The catalog file .+ is damaged and cannot be read\.", text):
            return False  # the core's CatalogError "corrupt" message (clipdesk.catalog.errors), alone or wrapped
        if self._alive and not self._damage_seen.is_set():
            self._damage_seen.set()
            self._lifecycle.submit(CloseDamaged(text))
        return True

    def _close_damaged(self, message: str) -> None:
        engine, self._engine = self._engine, None
        self._ready.clear()
        if engine is not None:
            self._stop_engine(engine, timeout=2.5)  # lets go of the file so recovery can move it aside
        from ..catalog import CatalogError
        from ..catalog.backup import backup_folder, list_backups
        from ..engine.datastate import DAMAGED, CatalogState, catalog_state

        try:
            state = catalog_state(self.data_dir, full=True)
        except CatalogError:
            state = None
        if state is None or state.state != DAMAGED:  # the damage the engine met is not where a check looks
            data = self.data_dir
            state = CatalogState(DAMAGED, data / "catalog.sqlite3", message, list_backups(backup_folder(data)))
        if self._alive:
            self.catalogDamaged.emit(state)

    def _open(self) -> None:
        if self._engine is not None:
            return  # already open: a Retry queued twice
        if self._damaged():
            return
        try:
            if self._factory is not None:
                engine = self._factory(self._model)
            else:
                from ..engine import Engine

                # index_process: no GIL-holding load here
                engine = Engine(self._data_dir, self._model, index_process=True, library=self._library)
        except Exception as exc:
            if getattr(exc, "kind", "") == "unreachable":  # a shared library's server: Retry, or this computer
                log.warning("%s", exc)  # the catalog's message: no password in it
                if self._alive:
                    self.libraryUnreachable.emit(self._server_address(), str(exc))
                return
            log.exception("opening the catalog failed")
            if self._alive:
                self.engineFailed.emit(core_text(f"{type(exc).__name__}: {exc}"))
            return
        if not self._alive:
            engine.close()
            return
        from ..encoder.model_files import needs_download
        from ..engine import IndexingBusy, Listener

        engine.add_listener(
            Listener(
                progress=self._on_progress,
                changes=self._on_changes,
                message=self._on_message,
                model_state=self._on_model_state,
                disk=self._on_disk,
            )
        )
        self.needs_download = needs_download(engine.model_id)
        engine.encoder.download_progress = self.download_tqdm_class()
        text_encoders = engine.searcher.text_encoders
        text_encoders.on_state = self._on_text_model_state
        text_encoders.download_progress = self.download_tqdm_class(self.textDownloadProgress)
        self._engine = engine
        self._damage_seen.clear()
        self._models = Worker("clipdesk-model", _load_model, on_failed=self._model_failed)
        try:
            engine.start(watch=self._watch)
            self.indexing_allowed = True
        except IndexingBusy:  # `clipdesk index` in a terminal: search only, until a restart
            self.indexing_allowed = False
        self._ready.set()
        self.engineReady.emit()
        if not self.indexing_allowed:
            self.indexingBlocked.emit()
        if not self.defer_model_load:
            self.load_model()

    def _server_address(self) -> str:
        from ..catalog.postgres import describe

        return describe(self.library or "")

    def load_model(self) -> None:
        """Load (or download) the model in the background; progress arrives as `modelState`."""
        engine, models = self._engine, self._models
        if engine is None or models is None or models.busy:
            return  # no engine yet, or already loading for this one
        models.submit(LoadModel(engine))

    def _model_failed(self, failure: JobFailure) -> None:
        from ..encoder import ModelUnavailableError

        if failure.cancelled or isinstance(failure.error, ModelUnavailableError):
            return  # closing, or the engine has already reported it as a model state
        log.error("loading the model failed", exc_info=failure.error)
        self._on_model_state("unavailable", failure.message)

    def set_model_folder(self, folder: str) -> None:
        """Persist a local model folder and reopen the engine with it."""
        self._model = folder
        engine, self._engine = self._engine, None
        self._ready.clear()
        self.needs_download = False
        self.model_state = ("loading", folder)
        self.modelState.emit("loading", folder)
        # Not on the tasks thread: engine calls queued there wait for the new engine, and
        # must not hold up the reopening they wait for.
        self._lifecycle.submit(SwitchModel(folder, engine))

    def _stop_engine(self, engine: Engine, timeout: float) -> None:
        models, self._models = self._models, None
        if models is not None:
            models.close()  # a load in flight finishes on its own (daemon thread)
        try:
            engine.stop(timeout=timeout)
            engine.close()  # also lets go of the catalog's indexing lock
        except Exception:
            log.exception("closing the engine failed")

    def download_tqdm_class(self, signal: Any = None) -> type:
        """A tqdm that reports the model download to the GUI thread by signal (queued)."""
        from tqdm.auto import tqdm

        bridge = self
        progress = signal if signal is not None else self.downloadProgress

        class _SignalTqdm(tqdm):
            def __init__(self, *args, **kwargs) -> None:
                kwargs["disable"] = False
                super().__init__(*args, **kwargs)

            def update(self, n: float | None = 1) -> bool | None:
                shown = super().update(n)
                if bridge._alive:
                    progress.emit(float(self.n), float(self.total or 0))
                return shown

        return _SignalTqdm

    def shutdown(self, timeout: float = 2.5) -> None:
        """Stop indexing (the batch in flight commits) and close the catalog. Blocks up to ~timeout."""
        deadline = time.monotonic() + timeout
        self._alive = False
        self.tasks.shutdown()
        self._searches.close()
        self._lifecycle.close()
        self._lifecycle.join(max(0.1, deadline - time.monotonic() - 1.0))
        engine, self._engine = self._engine, None
        self._ready.clear()
        if engine is not None:
            # Leave time for saving the vector index after the worker stops. If the batch in flight
            # takes longer, closing goes on: that batch is one transaction, committed or rolled back
            # whole, and the next start redoes it.
            self._stop_engine(engine, timeout=max(0.2, min(1.5, deadline - time.monotonic() - 1.0)))

    # -- engine callbacks (worker thread) -----------------------------------------------------------

    def _on_progress(self, progress: Any) -> None:
        if self._alive:
            self.progress.emit(progress)

    def _on_changes(self, changes: Any) -> None:
        if self._alive:
            self.changes.emit(changes)

    def _on_message(self, level: str, text: str) -> None:
        if level == "error" and self._met_damage(text=text):
            return  # the recovery page says it, with its choices
        if self._alive:
            self.message.emit(level, core_text(text))

    def _on_disk(self, state: str, message: str) -> None:
        if self._alive:
            self.diskState.emit(state, core_text(message))

    def _on_model_state(self, state: str, detail: str) -> None:
        if state == "loading" and self.needs_download:
            state = "downloading"
        if state == "ready":
            self.needs_download = False
        self.model_state = (state, detail)
        if self._alive:
            self.modelState.emit(state, core_text(detail))

    def _on_text_model_state(self, state: str, detail: str) -> None:
        """The multilingual model, loaded (or downloaded) by the first query that needs it (search thread)."""
        if state == "loading":
            from ..encoder.model_files import needs_download

            state = "downloading" if needs_download(detail) else state
        if self._alive:
            self.textModelState.emit(state, core_text(detail))

    # -- search ------------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> int:
        """Queue a search; returns its ticket. A newer search replaces one still queued."""
        self._ticket += 1
        self._searches.submit(SearchJob(self._ticket, request), replace=True)
        return self._ticket

    def _run_search(self, job: SearchJob, token: CancelToken) -> Any:
        while not self._ready.wait(0.2):  # the engine is still opening
            if not self._alive or token.cancelled:
                raise Cancelled()
        engine = self._engine
        if engine is None or not self._alive:
            raise Cancelled()
        return engine.search(job.request)

    def _search_done(self, job: SearchJob, page: Any) -> None:
        if self._alive:
            self.searchFinished.emit(job.ticket, job.request, page)

    def _search_failed(self, failure: JobFailure) -> None:
        if failure.cancelled or failure.error is None or not self._alive:
            return  # replaced by a newer search, or closing
        if self._met_damage(failure.error):
            return  # the recovery page replaces the photos
        kind, text = self._describe_search_error(failure.error)
        self.searchFailed.emit(failure.job.ticket, failure.job.request, kind, core_text(text))

    @staticmethod
    def _describe_search_error(exc: BaseException) -> tuple[str, str]:
        from ..encoder import ModelUnavailableError
        from ..encoder.text import MultilingualModelUnavailableError
        from ..imaging import DecodeError

        if isinstance(exc, MultilingualModelUnavailableError):
            return "text_model", str(exc)
        if isinstance(exc, ModelUnavailableError):
            return "model", str(exc)
        if isinstance(exc, (DecodeError, OSError)):
            return "image", str(exc)
        log.error("search failed", exc_info=exc)
        return "error", f"{type(exc).__name__}: {exc}"

    # -- engine operations (ordered, background) ------------------------------------------------------

    def call(
        self,
        fn: Callable[[Engine], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """Run `fn(engine)` on the engine thread once an engine is open."""

        def run() -> Any:
            if not self._ready.wait(60):
                raise RuntimeError("the photo library is not open")
            engine = self._engine
            if engine is None:
                raise RuntimeError("the photo library is not open")
            try:
                return fn(engine)
            except Exception as exc:
                self._met_damage(exc)  # the caller still hears of its failure
                raise

        self.tasks.submit(run, on_done=on_done, on_error=on_error, owner=owner)

    def refresh_status(self, error_limit: int = 1) -> None:
        """Counts, folders and the first errors; arrives as `statusReady`. Coalesced."""
        if self._status_queued:
            return
        self._status_queued = True

        def done(status: EngineStatus) -> None:
            self._status_queued = False
            self.statusReady.emit(status)

        def failed(exc: BaseException) -> None:
            self._status_queued = False
            log.warning("status failed: %s", exc)

        self.call(lambda e: e.status(error_limit=error_limit), done, failed)

    def pause(self) -> None:
        engine = self._engine
        if engine is not None:
            engine.pause()  # sets an event: never blocks

    def resume(self) -> None:
        engine = self._engine
        if engine is not None:
            engine.resume()

    @property
    def paused(self) -> bool:
        return bool(self._engine is not None and self._engine.paused)


def _load_model(job: LoadModel, _token: CancelToken) -> None:
    job.engine.load_model()  # reports loading/ready/unavailable as model states itself
