"""The engine: one object the CLI and the GUI both drive.

It owns the catalog, the vector index, the encoder (loaded lazily), the indexing pipeline, the
watcher and the catalog's indexing lock. Long work runs on one background worker (see
indexing.py); callers on any thread get results through listener callbacks (the GUI turns
those into Qt signals).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config
from ..catalog import Catalog, Root
from ..encoder import ClipEncoder, ModelUnavailableError
from ..imaging import ThumbnailCache
from ..index import IndexParams, IndexProcessLost, IndexStore
from ..pipeline import Changes, Indexer, Progress, RunReport
from ..search import Searcher, SearchPage, SearchRequest
from .duplicates import DuplicateGroup, Duplicates
from .indexing import BackgroundIndexing
from .jobs import EngineJob, Reconcile, Rewatch
from .labelling import Labelling
from .labels_api import LabelsApi
from .listeners import Listener, Listeners
from .lock import IndexLock, SharedLibraryLock
from .safety import BackupSchedule, DiskWatch, as_disk_problem
from .status import EngineStatus, engine_status
from .text_pass import TextPass

if TYPE_CHECKING:
    from ..catalog.backup import BackupInfo
    from ..datadisk import DataDiskProblem
    from ..search import BrowseRequest, Filters, TimelineBucket
    from ..watcher import FolderWatcher

log = logging.getLogger(__name__)


class FolderError(ValueError):
    """A folder the user named cannot be used; the message says why."""


class Engine(LabelsApi):
    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        model: str | None = None,
        *,
        device: str | None = None,
        batch_size: int = 32,
        decode_workers: int | None = None,
        settle_s: float = 1.0,
        index_params: IndexParams = IndexParams(),
        image_model_ttl_s: float | None = None,
        index_process: bool = False,
        library: str | None = None,
    ) -> None:
        settings = config.settings()  # read now, not at import: tests and child processes set their own
        self.data_dir = config.data_dir(data_dir or settings.data_dir)
        # A shared library (postgresql://...) keeps the catalog and the vectors in its server; this computer
        # keeps its thumbnails and machine id in data_dir (catalog/postgres, index/server_vectors.py).
        self.library = library or settings.library
        shared = _open_shared(self.library, self.data_dir, index_params) if self.library else None
        self.catalog = shared[0] if shared else Catalog(self.data_dir / "catalog.sqlite3")
        stored = self.catalog.get_meta("model_setting")
        self.model_id = config.normalize_model_id(model or settings.model or stored or config.DEFAULT_MODEL)
        self.thumbnails = ThumbnailCache(config.thumbnail_dir(self.data_dir))
        self.encoder = ClipEncoder(self.model_id, device=device)
        # The app keeps the vector index in a child process (index_process): hnswlib holds the GIL
        # for seconds while it loads or saves, which froze the GUI. CLIPDESK_INDEX_HOST overrides.
        host = settings.index_host or ("process" if index_process else "inline")
        self.store = (
            shared[1]
            if shared
            else IndexStore(self.catalog, self.data_dir / "index", index_params, in_process=host == "inline")
        )
        self.searcher = Searcher(self.catalog, self.store, self.encoder)
        self.listeners = Listeners()
        self.indexer = Indexer(
            self.catalog,
            self.store,
            self.encoder,
            self.thumbnails,
            batch_size=batch_size,
            decode_workers=decode_workers,
            on_progress=self.listeners.progress,
            on_changes=self.listeners.changes,
        )
        # Zero-shot labels and smart albums: each committed batch is tagged right after its commit.
        self.labelling = Labelling(self)
        self.text_pass = TextPass(self)  # the text in photos: a second pass after the CLIP pass
        self.indexer.on_committed = self.labelling.batch_committed
        # Duplicates: new photos are placed in the kept grouping as they are indexed.
        self.duplicates = Duplicates(self)
        self.listeners.add(Listener(changes=self.duplicates.changes))
        self.settle_s = settle_s
        # While watching: after this long with no image to encode, the image tower's weights
        # are freed (text queries do not need them); 0 keeps them loaded.
        self.image_model_ttl_s = settings.image_model_ttl_s if image_model_ttl_s is None else image_model_ttl_s
        # A shared library is indexed by many workers at once: its queue's leases keep them apart.
        self.index_lock = IndexLock(self.data_dir) if shared is None else SharedLibraryLock()
        self.indexing = threading.Lock()  # one indexing run at a time in this process
        self._model_lock = threading.Lock()
        self._background: BackgroundIndexing | None = None
        self.backups = BackupSchedule(self)
        self.disk_watch = DiskWatch(self)
        self.store.on_lost = lambda text: self.listeners.message("warning", text)

    # -- listeners -----------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self.listeners.add(listener)

    @property
    def last_progress(self) -> Progress:
        return self.listeners.last_progress

    def report_offline(self, report: RunReport) -> None:
        for path in report.offline_roots:
            self.listeners.message(
                "warning", f"{path} is not reachable (unplugged or unmounted?); its photos are kept."
            )

    # -- folders -------------------------------------------------------------------------------

    def add_root(self, folder: str | os.PathLike[str], excludes: tuple[str, ...] = (), name: str | None = None) -> Root:
        """Watch a folder. `name` (a shared library only): this computer's path for the library's folder of
        that name, e.g. a share mounted here at another path than on the computer that added it."""
        if name is not None and not self.library:
            raise FolderError("Naming a folder (--as) is for a shared library (--library postgresql://...).")
        path = os.path.realpath(os.path.expanduser(os.fspath(folder)))
        if not os.path.exists(path):
            raise FolderError(f"{path} does not exist.")
        if not os.path.isdir(path):
            raise FolderError(f"{path} is not a folder.")
        if not os.access(path, os.R_OK | os.X_OK):
            raise FolderError(f"{path} cannot be read (permission denied).")
        for root in self.catalog.roots():
            if path.startswith(root.path.rstrip(os.sep) + os.sep):
                raise FolderError(f"{path} is already included in the watched folder {root.path}.")
        root = self.catalog.add_root(path, excludes) if name is None else self._map_root(path, excludes, name)
        # Folders inside the new one are now covered by it.
        for other in self.catalog.roots():
            if other.path.startswith(path.rstrip(os.sep) + os.sep):
                self.catalog.merge_root(other.id, root.id)
        self._schedule(Reconcile())
        return root

    def _map_root(self, path: str, excludes: tuple[str, ...], name: str) -> Root:
        from ..catalog.postgres import PgCatalog

        assert isinstance(self.catalog, PgCatalog)
        return self.catalog.add_root(path, excludes, name=name)

    def remove_root(self, folder: str | os.PathLike[str]) -> int:
        raw = os.path.expanduser(os.fspath(folder))
        root = self.catalog.root_by_path(os.path.abspath(raw)) or self.catalog.root_by_path(os.path.realpath(raw))
        if root is None:
            raise FolderError(f"{os.path.abspath(raw)} is not a watched folder.")
        with self.store.mutation:
            removed = self.catalog.remove_root(root.id)
            self.store.remove(removed)
        self.listeners.changes(Changes(removed=removed))
        self._schedule(Rewatch())
        return len(removed)

    def set_excludes(self, folder: str, excludes: tuple[str, ...]) -> None:
        root = self.catalog.root_by_path(folder)
        if root is None:
            raise FolderError(f"{folder} is not a watched folder.")
        self.catalog.set_root_excludes(root.id, excludes)
        self._schedule(Reconcile())

    def roots(self) -> list[Root]:
        return self.catalog.roots()

    # -- model and index: opened here and only here ----------------------------------------------

    def set_model(self, model: str) -> None:
        """Persist a model choice; it takes effect for the next Engine (the app restarts its engine)."""
        self.catalog.set_meta("model_setting", config.normalize_model_id(model))

    def load_model(self) -> None:
        """Load the encoder and open the index for it; raises ModelUnavailableError.

        Any thread may call it, any number at once (the worker before encoding, a search, the
        app at start): one caller loads and opens, the others wait for it and find it done."""
        with self._model_lock:
            if not self.encoder.loaded:
                self.listeners.model_state("loading", self.model_id)
                self._open_index_meanwhile()
            try:
                self.encoder.load()
            except ModelUnavailableError as exc:
                self.listeners.model_state("unavailable", str(exc))
                raise
            self.indexer.store_ready()
        self.listeners.model_state("ready", self.model_id)
        self.labelling.after_model_loaded()

    def load_model_unless_downloading(self) -> None:
        """Load the model and its index now if they are on this computer (errors are reported
        as model states); a model still to be downloaded is left to its own loader."""
        from ..encoder.model_files import needs_download

        if needs_download(self.model_id):
            return
        try:
            self.load_model()
        except ModelUnavailableError:
            pass  # already reported as a model state; the scan goes on without it
        except Exception:
            log.exception("loading the model before the first scan failed; the scan goes on")

    def _open_index_meanwhile(self) -> None:
        """An index in its own process loads on another core while this thread loads the model
        (store_ready then finds it open, or waits for this same open)."""
        if self.store.in_process or self.store.index is not None:
            return

        def open_index() -> None:
            try:
                self.open_index_without_model()
            except Exception:
                log.exception("opening the vector index beside the model failed; the model's load retries")

        threading.Thread(target=open_index, name="clipdesk-index-open", daemon=True).start()

    def open_index_without_model(self) -> bool:
        """Searching by an indexed photo needs no model: open the index from the stored dimension."""
        if self.store.index is not None and self.store.model_id == self.model_id:
            return True
        dim = self.catalog.get_meta("model_dim")
        if not dim or self.catalog.get_meta("model_id") != self.model_id:
            return False
        self.store.ensure_open(self.model_id, int(dim))
        return True

    # -- indexing ------------------------------------------------------------------------------

    def index(self) -> RunReport:
        """Reconcile every root and encode what is new, on the calling thread.
        Raises IndexingBusy if another process is indexing this catalog."""
        self.index_lock.require()
        with self.indexing:
            self.indexer.reset_cancel()
            try:
                report = self.indexer.run()
            except Exception as exc:
                problem = as_disk_problem(exc, self)
                if problem is None:
                    raise
                self.disk_trouble(problem, poll=False)
                raise problem from exc
            self.report_offline(report)
        self.backups.after_indexing(report)
        self.labelling.tag_if_ready()
        return report

    # -- data safety (safety.py) -----------------------------------------------------------------

    def backup_now(self) -> BackupInfo:
        """Back the catalog up now; raises DataDiskProblem or sqlite3.DatabaseError (damaged)."""
        return self.backups.backup_now()

    @property
    def disk_problem(self) -> DataDiskProblem | None:
        """The data disk's trouble while indexing is paused for it; None when writing works."""
        return self.disk_watch.problem

    def disk_trouble(self, problem: DataDiskProblem, poll: bool = True) -> None:
        """Pause for a full or read-only data disk: report it, and (in the background) resume
        by itself once the disk has room again."""
        self.disk_watch.report(problem, poll=poll and self._background is not None)

    def resume_after_disk(self) -> None:
        self._schedule(Reconcile())

    def pause(self) -> None:
        self.indexer.pause()
        last = self.last_progress
        self.listeners.progress(Progress("paused", last.done, last.total, 0.0, None, last.errors))

    def resume(self) -> None:
        self.indexer.resume()

    @property
    def paused(self) -> bool:
        return self.indexer.paused

    # -- background worker (GUI, `index --watch`) -----------------------------------------------

    def start(self, watch: bool = True) -> None:
        """Index in the background, then keep watching the roots.
        Raises IndexingBusy if another process is indexing this catalog."""
        if self._background is not None:
            return
        self.index_lock.require()
        self.labelling.start()
        self.text_pass.start()
        self.duplicates.start()
        self._background = BackgroundIndexing(self, watch)
        self._schedule(Reconcile())

    @property
    def watcher(self) -> FolderWatcher | None:
        return self._background.watcher if self._background is not None else None

    def stop(self, timeout: float = 3.0) -> None:
        """Finish the batch in flight (committed, nothing lost) and stop."""
        background, self._background = self._background, None
        if background is not None:
            background.stop(timeout)
        else:
            self.indexer.cancel()
        # The background passes are told to stop together and waited for together: quitting waits
        # for the slowest of them, not for the sum (each may be inside a step it cannot cut short).
        passes = (self.labelling, self.text_pass, self.duplicates)
        stoppers = [threading.Thread(target=part.stop, args=(timeout,), name="clipdesk-stop") for part in passes]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    def close(self) -> None:
        self.stop()
        self.disk_watch.stop()
        try:
            self.store.save_if_changed()  # ~2 GB at a million photos: never rewritten unchanged
        except Exception as exc:
            problem = as_disk_problem(exc, self)
            if problem is not None and self.disk_problem is not None:
                log.info("the vector index was not saved: %s", problem.user_message)  # already reported
            elif problem is not None:  # the catalog holds every vector: nothing is lost
                log.warning("the vector index was not saved: %s", problem.user_message)
            else:
                log.exception("saving the vector index failed; it will be rebuilt from the catalog")
        self.store.close()
        self.catalog.close()
        self.index_lock.release()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the worker has no queued work (tests and scripts)."""
        background = self._background
        return background.wait_idle(timeout) if background is not None else False

    def _schedule(self, job: EngineJob) -> None:
        if self._background is not None:
            self._background.submit(job)

    # -- search --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        if request.filters.label and not request.text.strip() and request.image is None:
            return self.labelled_page(request.filters, request.offset, request.limit)  # the label's photos
        needs_model = bool(request.text.strip()) or not self._indexed_image(request.image)
        try:
            return self._search_once(request, needs_model)
        except IndexProcessLost:  # reported by the store, which dropped it: reopened, and tried once more
            return self._search_once(request, needs_model)

    def _search_once(self, request: SearchRequest, needs_model: bool) -> SearchPage:
        if needs_model:
            self.load_model()
        elif not self.open_index_without_model():
            return SearchPage([], request.offset, False)
        return self.searcher.search(request)

    def browse(self, request: BrowseRequest) -> SearchPage:
        """Indexed photos, newest first (the Library view); needs no model."""
        return self.searcher.browse(request)

    def timeline(self, filters: Filters) -> list[TimelineBucket]:
        """Photo counts per month, newest first, for the Library view's scrubber."""
        return self.searcher.timeline(filters)

    def _indexed_image(self, image: object) -> bool:
        if isinstance(image, (list, tuple)):
            return bool(image) and all(self._indexed_image(i) for i in image)
        if isinstance(image, int):
            return True
        if isinstance(image, (str, Path)):
            record = self.catalog.image_by_path(os.path.abspath(os.fspath(image)))
            return record is not None and record.status == "indexed" and record.model_id == self.model_id
        return False

    def thumbnail_path(self, content_key: str | None, source: str | None = None) -> Path | None:
        """The cached thumbnail; with `source` (the photo's path), made now if this computer has none."""
        if not content_key:
            return None
        if source is not None:
            return self.thumbnails.made_from(content_key, source)
        path = self.thumbnails.path_for(content_key)
        return path if path.exists() else None

    def duplicate_groups(self, kind: str | None = None, strictness: float | None = None) -> list[DuplicateGroup]:
        """Exact copies, the same picture, similar shots (engine/duplicates.py); needs no model."""
        return self.duplicates.groups(kind, strictness)

    # -- status --------------------------------------------------------------------------------

    def status(self, error_limit: int | None = 50) -> EngineStatus:
        return engine_status(str(self.data_dir), self.model_id, self.catalog, self.store, self.watcher, error_limit)


def _open_shared(url: str, data_dir: Path, params: IndexParams) -> tuple[Catalog, IndexStore]:
    from ..index.server_vectors import open_shared_library  # psycopg loads only for a shared library

    return open_shared_library(url, data_dir, params)
