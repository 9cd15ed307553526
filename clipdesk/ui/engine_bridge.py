"""The Qt face of the engine.

Construction, model loading, searches and folder changes all run on background threads;
the engine's listener callbacks (worker thread) become queued Qt signals. Each search gets
a ticket; only the newest queued search runs, and the window drops answers it no longer wants.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from .background import Background

if TYPE_CHECKING:  # the engine module is imported on a background thread, never at first paint
    from ..engine import Engine, EngineStatus
    from ..search import SearchRequest

log = logging.getLogger(__name__)

EngineFactory = Callable[[], "Engine"]


def model_needs_download(model_id: str) -> bool:
    """True for a hub id that is not in the local Hugging Face cache yet (first run)."""
    if os.path.isabs(model_id) or model_id.startswith((".", "~")):
        return False
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    for filename in ("modules.json", "config.json"):
        try:
            if isinstance(try_to_load_from_cache(model_id, filename), str):
                return False
        except Exception:  # malformed id and the like: let the load report it
            return False
    return True


class _IndexLock:
    """The CLI's per-catalog lock: the app and `clipdesk index` never index the same catalog at once."""

    def __init__(self, folder: os.PathLike[str]) -> None:
        self._handle = None
        self._path = os.path.join(os.fspath(folder), "indexer.lock")

    def acquire(self) -> bool:
        if sys.platform == "win32":
            return True
        import fcntl

        handle = open(self._path, "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class EngineBridge(QObject):
    engineReady = Signal()  # an engine is open (again, after a model change)
    engineFailed = Signal(str)  # the catalog could not be opened
    progress = Signal(object)  # pipeline.Progress
    changes = Signal(object)  # pipeline.Changes
    message = Signal(str, str)  # (level, text) from the worker: info | warning | error
    modelState = Signal(str, str)  # loading | downloading | ready | unavailable, detail
    downloadProgress = Signal(float, float)  # done, total (units of the hub's progress: files or bytes)
    searchFinished = Signal(int, object, object)  # ticket, SearchRequest, SearchPage
    searchFailed = Signal(int, object, str, str)  # ticket, SearchRequest, kind (model|image|error), text
    statusReady = Signal(object)  # EngineStatus
    indexingBlocked = Signal()  # another process holds the catalog's indexing lock

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        model: str | None = None,
        *,
        engine_factory: Callable[[str | None], Engine] | None = None,
        watch: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self._model = model
        self._factory = engine_factory
        self._watch = watch
        self._engine: Engine | None = None
        self._ready = threading.Event()
        self._alive = True
        self._lock = threading.Lock()
        self._opening: threading.Thread | None = None
        self._index_lock: _IndexLock | None = None
        self.model_state: tuple[str, str] = ("loading", "")
        self.needs_download = False
        self.indexing_allowed = True
        # Engine operations run in order on one thread; status refreshes are coalesced.
        self.tasks = Background(1, "clipdesk-engine", self)
        self.tasks.failed.connect(lambda text: self.message.emit("error", text))
        self._status_queued = False
        # Searches: one thread, newest request wins.
        self._ticket = 0
        self._search_cond = threading.Condition()
        self._search_next: tuple[int, SearchRequest] | None = None
        self._search_thread = threading.Thread(target=self._search_loop, name="clipdesk-search", daemon=True)
        self._search_thread.start()
        self._model_thread: threading.Thread | None = None
        self._model_engine: Engine | None = None

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
        if self._opening is not None and self._opening.is_alive():
            return
        self._opening = threading.Thread(target=self._open, name="clipdesk-open", daemon=True)
        self._opening.start()

    def _open(self) -> None:
        try:
            if self._factory is not None:
                engine = self._factory(self._model)
            else:
                from ..engine import Engine

                engine = Engine(self._data_dir, self._model)
        except Exception as exc:
            log.exception("opening the catalog failed")
            if self._alive:
                self.engineFailed.emit(f"{type(exc).__name__}: {exc}")
            return
        if not self._alive:
            engine.close()
            return
        from ..engine import Listener

        engine.add_listener(
            Listener(
                progress=self._on_progress,
                changes=self._on_changes,
                message=self._on_message,
                model_state=self._on_model_state,
            )
        )
        self.needs_download = model_needs_download(engine.model_id)
        engine.encoder.download_progress = self.download_tqdm_class()
        self._engine = engine
        self._index_lock = _IndexLock(engine.data_dir)
        self.indexing_allowed = self._index_lock.acquire()
        if self.indexing_allowed:
            engine.start(watch=self._watch)
        self._ready.set()
        self.engineReady.emit()
        if not self.indexing_allowed:
            self.indexingBlocked.emit()
        self.load_model()

    def load_model(self) -> None:
        """Load (or download) the model in the background; progress arrives as `modelState`."""
        engine = self._engine
        if engine is None:
            return
        if self._model_thread is not None and self._model_thread.is_alive() and self._model_engine is engine:
            return  # already loading for this engine
        self._model_engine = engine

        def run() -> None:
            from ..encoder import ModelUnavailableError

            try:
                engine.load_model()
            except ModelUnavailableError:
                pass  # the engine has already reported it as a model state
            except Exception as exc:
                log.exception("loading the model failed")
                self._on_model_state("unavailable", f"{type(exc).__name__}: {exc}")

        self._model_thread = threading.Thread(target=run, name="clipdesk-model", daemon=True)
        self._model_thread.start()

    def set_model_folder(self, folder: str) -> None:
        """Persist a local model folder and reopen the engine with it."""
        self._model = folder
        engine, self._engine = self._engine, None
        self._ready.clear()
        self.needs_download = False
        self.model_state = ("loading", folder)
        self.modelState.emit("loading", folder)

        def persist_and_reopen() -> None:
            if engine is not None:
                try:
                    engine.set_model(folder)
                finally:
                    self._stop_engine(engine, timeout=2.5)
            if self._alive:
                self._open()

        # Its own thread: engine calls queued on the tasks thread wait for the new engine, and
        # must not hold up the reopening they wait for.
        self._opening = threading.Thread(target=persist_and_reopen, name="clipdesk-reopen", daemon=True)
        self._opening.start()

    def _stop_engine(self, engine: Engine, timeout: float) -> None:
        try:
            engine.stop(timeout=timeout)
            engine.close()
        except Exception:
            log.exception("closing the engine failed")
        if self._index_lock is not None:
            self._index_lock.release()
            self._index_lock = None

    def download_tqdm_class(self) -> type:
        """A tqdm that reports the model download to the GUI thread by signal (queued)."""
        from tqdm.auto import tqdm

        bridge = self

        class _SignalTqdm(tqdm):
            def __init__(self, *args, **kwargs) -> None:
                kwargs["disable"] = False
                super().__init__(*args, **kwargs)

            def update(self, n: float | None = 1) -> bool | None:
                shown = super().update(n)
                if bridge._alive:
                    bridge.downloadProgress.emit(float(self.n), float(self.total or 0))
                return shown

        return _SignalTqdm

    def shutdown(self, timeout: float = 2.5) -> None:
        """Stop indexing (the batch in flight commits) and close the catalog. Blocks up to ~timeout."""
        deadline = time.monotonic() + timeout
        self._alive = False
        self.tasks.shutdown()
        with self._search_cond:
            self._search_next = None
            self._search_cond.notify_all()
        if self._opening is not None and self._opening.is_alive():
            self._opening.join(max(0.1, deadline - time.monotonic() - 1.0))
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
        if self._alive:
            self.message.emit(level, text)

    def _on_model_state(self, state: str, detail: str) -> None:
        if state == "loading" and self.needs_download:
            state = "downloading"
        if state == "ready":
            self.needs_download = False
        self.model_state = (state, detail)
        if self._alive:
            self.modelState.emit(state, detail)

    # -- search ------------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> int:
        """Queue a search; returns its ticket. A newer search replaces one still queued."""
        self._ticket += 1
        with self._search_cond:
            self._search_next = (self._ticket, request)
            self._search_cond.notify_all()
        return self._ticket

    def _search_loop(self) -> None:
        while True:
            with self._search_cond:
                while self._search_next is None and self._alive:
                    self._search_cond.wait()
                if not self._alive:
                    return
                ticket, request = self._search_next
                self._search_next = None
            while not self._ready.wait(0.2):
                if not self._alive:
                    return
            engine = self._engine
            if engine is None:
                continue
            try:
                page = engine.search(request)
            except Exception as exc:
                kind, text = self._describe_search_error(exc)
                if self._alive:
                    self.searchFailed.emit(ticket, request, kind, text)
                continue
            if self._alive:
                self.searchFinished.emit(ticket, request, page)

    @staticmethod
    def _describe_search_error(exc: Exception) -> tuple[str, str]:
        from ..encoder import ModelUnavailableError
        from ..imaging import DecodeError

        if isinstance(exc, ModelUnavailableError):
            return "model", str(exc)
        if isinstance(exc, (DecodeError, OSError)):
            return "image", str(exc)
        log.exception("search failed", exc_info=exc)
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
            return fn(engine)

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
