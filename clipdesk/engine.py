"""The engine: one object the CLI and the GUI both drive.

It owns the catalog, the vector index, the encoder (loaded lazily), the indexing pipeline
and the watcher. Long work runs on one background worker thread; callers on any thread
get results through listener callbacks (the GUI turns those into Qt signals).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .catalog import Catalog, Root
from .encoder import ClipEncoder, ModelUnavailableError
from .imaging import ThumbnailCache
from .index import IndexParams, IndexStore
from .pipeline import Changes, Indexer, Progress, RunReport
from .pipeline.indexer import Cancelled
from .search import Searcher, SearchPage, SearchRequest
from .watcher import FolderWatcher

if TYPE_CHECKING:
    from .search import BrowseRequest, Filters, TimelineBucket

log = logging.getLogger(__name__)


class FolderError(ValueError):
    """A folder the user named cannot be used; the message says why."""


@dataclass
class Listener:
    """Callbacks, called from the worker thread. Any may be left out."""

    progress: Callable[[Progress], None] | None = None
    changes: Callable[[Changes], None] | None = None
    message: Callable[[str, str], None] | None = None  # (level, text)
    model_state: Callable[[str, str], None] | None = None  # (state, detail): loading|ready|unavailable


@dataclass
class EngineStatus:
    data_dir: str
    model_id: str
    model_dim: int | None
    counts: dict[str, int]
    roots: list[dict]
    errors: list[tuple[str, str]]
    index: dict = field(default_factory=dict)


IMAGE_MODEL_TTL_S = 300.0  # like Immich's default model TTL


class Engine:
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
    ) -> None:
        self.data_dir = config.data_dir(data_dir)
        self.catalog = Catalog(self.data_dir / "catalog.sqlite3")
        stored = self.catalog.get_meta("model_setting")
        chosen = model or config.model_from_env() or stored or config.DEFAULT_MODEL
        self.model_id = config.normalize_model_id(chosen)
        self.thumbnails = ThumbnailCache(config.thumbnail_dir(self.data_dir))
        self.encoder = ClipEncoder(self.model_id, device=device)
        self.store = IndexStore(self.catalog, self.data_dir / "index", index_params)
        self.searcher = Searcher(self.catalog, self.store, self.encoder)
        self._listeners: list[Listener] = []
        self.indexer = Indexer(
            self.catalog,
            self.store,
            self.encoder,
            self.thumbnails,
            batch_size=batch_size,
            decode_workers=decode_workers,
            on_progress=self._emit_progress,
            on_changes=self._emit_changes,
        )
        self.settle_s = settle_s
        # While watching: after this long with no image to encode, the image tower's weights
        # are freed (text queries do not need them); 0 keeps them loaded.
        ttl = image_model_ttl_s if image_model_ttl_s is not None else os.environ.get("CLIPDESK_IMAGE_MODEL_TTL")
        self.image_model_ttl_s = float(ttl) if ttl not in (None, "") else IMAGE_MODEL_TTL_S
        self.watcher: FolderWatcher | None = None
        self._jobs: queue.Queue[tuple[str, object]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._index_lock = threading.Lock()
        self.last_progress = Progress("idle")

    # -- listeners -----------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, name: str, *args: object) -> None:
        for listener in self._listeners:
            callback = getattr(listener, name)
            if callback is not None:
                try:
                    callback(*args)
                except Exception:
                    log.exception("listener %s failed", name)

    def _emit_progress(self, progress: Progress) -> None:
        self.last_progress = progress
        self._emit("progress", progress)

    def _emit_changes(self, changes: Changes) -> None:
        self._emit("changes", changes)

    def _message(self, level: str, text: str) -> None:
        getattr(log, "warning" if level == "warning" else "info")("%s", text)
        self._emit("message", level, text)

    # -- folders -------------------------------------------------------------------------------

    def add_root(self, folder: str | os.PathLike[str], excludes: tuple[str, ...] = ()) -> Root:
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
        root = self.catalog.add_root(path, excludes)
        # Folders inside the new one are now covered by it.
        for other in self.catalog.roots():
            if other.path.startswith(path.rstrip(os.sep) + os.sep):
                self._merge_root(other, root)
        self._schedule("reconcile", None)
        return root

    def _merge_root(self, inner: Root, outer: Root) -> None:
        with self.catalog.transaction() as conn:
            conn.execute("UPDATE images SET root_id = ? WHERE root_id = ?", (outer.id, inner.id))
            conn.execute("DELETE FROM roots WHERE id = ?", (inner.id,))

    def remove_root(self, folder: str | os.PathLike[str]) -> int:
        raw = os.path.expanduser(os.fspath(folder))
        root = self.catalog.root_by_path(os.path.abspath(raw)) or self.catalog.root_by_path(os.path.realpath(raw))
        if root is None:
            raise FolderError(f"{os.path.abspath(raw)} is not a watched folder.")
        with self.store.mutation:
            removed = self.catalog.remove_root(root.id)
            self.store.remove(removed)
        self._emit_changes(Changes(removed=removed))
        self._schedule("rewatch", None)
        return len(removed)

    def set_excludes(self, folder: str, excludes: tuple[str, ...]) -> None:
        root = self.catalog.root_by_path(folder)
        if root is None:
            raise FolderError(f"{folder} is not a watched folder.")
        self.catalog.set_root_excludes(root.id, excludes)
        self._schedule("reconcile", None)

    def roots(self) -> list[Root]:
        return self.catalog.roots()

    # -- model ---------------------------------------------------------------------------------

    def set_model(self, model: str) -> None:
        """Persist a model choice; it takes effect for the next Engine (the app restarts its engine)."""
        self.catalog.set_meta("model_setting", config.normalize_model_id(model))

    def load_model(self) -> None:
        """Load the encoder and open the index for it; raises ModelUnavailableError."""
        if not self.encoder.loaded:
            self._emit("model_state", "loading", self.model_id)
        try:
            self.encoder.load()
        except ModelUnavailableError as exc:
            self._emit("model_state", "unavailable", str(exc))
            raise
        self.indexer.store_ready()
        self._emit("model_state", "ready", self.model_id)

    def open_index_without_model(self) -> bool:
        """Searching by an indexed photo needs no model: open the index from the stored dimension."""
        if self.store.index is not None:
            return True
        dim = self.catalog.get_meta("model_dim")
        if not dim or self.catalog.get_meta("model_id") != self.model_id:
            return False
        self.store.open(self.model_id, int(dim))
        return True

    # -- indexing ------------------------------------------------------------------------------

    def index(self) -> RunReport:
        """Reconcile every root and encode what is new, on the calling thread."""
        with self._index_lock:
            self.indexer.reset_cancel()
            report = self.indexer.run()
            for path in report.offline_roots:
                self._message("warning", f"{path} is not reachable (unplugged or unmounted?); its photos are kept.")
            return report

    def pause(self) -> None:
        self.indexer.pause()
        self._emit_progress(
            Progress("paused", self.last_progress.done, self.last_progress.total, 0.0, None, self.last_progress.errors)
        )

    def resume(self) -> None:
        self.indexer.resume()

    @property
    def paused(self) -> bool:
        return self.indexer.paused

    # -- background worker (GUI, `index --watch`) -----------------------------------------------

    def start(self, watch: bool = True) -> None:
        """Index in the background, then keep watching the roots."""
        if self._worker is not None:
            return
        self._stopping.clear()
        if watch:
            self.watcher = FolderWatcher(
                on_paths=lambda paths: self._schedule("paths", paths),
                on_rescan=lambda root: self._schedule("reconcile", root),
                settle_s=self.settle_s,
                on_warning=lambda text: self._message("warning", text),
            )
        self._worker = threading.Thread(target=self._work, name="clipdesk-worker", daemon=True)
        self._worker.start()
        self._schedule("reconcile", None)

    def stop(self, timeout: float = 3.0) -> None:
        """Finish the batch in flight (committed, nothing lost) and stop."""
        self._stopping.set()
        self.indexer.cancel()
        self._jobs.put(("stop", None))
        if self.watcher is not None:
            self.watcher.stop()
        if self._worker is not None:
            self._worker.join(timeout)
            self._worker = None

    def close(self) -> None:
        self.stop()
        try:
            self.store.save()
        except Exception:
            log.exception("saving the vector index failed; it will be rebuilt from the catalog")
        self.catalog.close()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the worker has no queued work (tests and scripts)."""
        done = threading.Event()
        self._jobs.put(("barrier", done))
        return done.wait(timeout)

    def _schedule(self, kind: str, payload: object) -> None:
        if self._worker is not None:
            self._jobs.put((kind, payload))

    def _next_job(self) -> tuple[str, object]:
        while True:
            ttl = self.image_model_ttl_s
            try:  # the model may be loaded by a search on another thread meanwhile: look every ttl
                return self._jobs.get(timeout=ttl if ttl > 0 else None)
            except queue.Empty:
                if not (self.watcher and self.watcher.pending_count):
                    self.encoder.release_image_tower(idle_s=ttl)

    def _work(self) -> None:
        while not self._stopping.is_set():
            kind, payload = self._next_job()
            if kind == "stop":
                return
            if kind == "barrier":
                # Only idle when nothing else is queued and the watcher has nothing settling.
                if self._jobs.qsize() or (self.watcher and self.watcher.pending_count):
                    self._jobs.put((kind, payload))
                    self._stopping.wait(0.05)
                else:
                    payload.set()
                continue
            paths: set[str] = set()
            reconcile = False
            rewatch = kind == "rewatch"
            # Coalesce everything queued: one reconcile and one path sync cover it all.
            batch = [(kind, payload)]
            while True:
                try:
                    batch.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            barriers = []
            for k, p in batch:
                if k == "stop":
                    self._stopping.set()
                elif k == "reconcile":
                    reconcile = True
                elif k == "paths":
                    paths |= p
                elif k == "rewatch":
                    rewatch = True
                elif k == "barrier":
                    barriers.append(p)
            if self._stopping.is_set():
                return
            try:
                self._run_job(reconcile, paths, rewatch)
            except ModelUnavailableError:
                pass  # already reported as a model state; files stay pending
            except Exception as exc:
                log.exception("indexing failed")
                self._message("error", f"Indexing stopped by an unexpected error: {exc}")
            if self.last_progress.phase == "scanning":
                # Nothing was encoded after the scan (nothing new, or no model): say the work is over.
                self._emit_progress(Progress("idle"))
            for b in barriers:
                self._jobs.put(("barrier", b))

    def _run_job(self, reconcile: bool, paths: set[str], rewatch: bool) -> None:
        with self._index_lock:
            self.indexer.reset_cancel()
            if (reconcile or rewatch) and self.watcher is not None:
                modes = self.watcher.watch(self.catalog.roots())
                for path, mode in modes.items():
                    log.info("%s: %s", path, mode)
            report = RunReport()
            try:
                if reconcile:
                    self.indexer.reconcile(None, report)
                elif paths:
                    self.indexer.sync_paths(paths, report)
                if self.catalog.pending_ids(self.model_id, limit=1):
                    self.load_model()
                    self.indexer.encode_pending(report)
            except Cancelled:
                pass  # stop() asked; the batch in flight was committed
            finally:
                if self.store.index is not None:
                    self.store.save_if_due(interval_s=30.0)
            for path in report.offline_roots:
                self._message("warning", f"{path} is not reachable (unplugged or unmounted?); its photos are kept.")

    # -- search --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        needs_model = bool(request.text.strip()) or not self._indexed_image(request.image)
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

    def thumbnail_path(self, content_key: str | None) -> Path | None:
        if not content_key:
            return None
        path = self.thumbnails.path_for(content_key)
        return path if path.exists() else None

    # -- status --------------------------------------------------------------------------------

    def status(self, error_limit: int | None = 50) -> EngineStatus:
        counts = self.catalog.counts()
        roots = []
        for root in self.catalog.roots():
            n = self.catalog.query("SELECT COUNT(*) FROM images WHERE root_id = ?", (root.id,))[0][0]
            mode = self.watcher.modes.get(root.path) if self.watcher else None
            roots.append(
                {
                    "path": root.path,
                    "enabled": root.enabled,
                    "online": root.online,
                    "excludes": list(root.excludes),
                    "images": n,
                    "watch": mode,
                }
            )
        dim = self.catalog.get_meta("model_dim")
        stem = self.catalog.get_meta("index_stem")
        index_info = {
            "file": stem,
            "watermark": int(self.catalog.get_meta("index_watermark", "-1") or -1),
            "catalog_seq": self.catalog.change_seq(),
        }
        index_info["up_to_date"] = bool(stem) and index_info["watermark"] == index_info["catalog_seq"]
        if stem and not (self.store.folder / f"{stem}.hnsw").exists():
            index_info["up_to_date"] = False
            index_info["missing"] = True
        return EngineStatus(
            data_dir=str(self.data_dir),
            model_id=self.model_id,
            model_dim=int(dim) if dim else None,
            counts=counts,
            roots=roots,
            errors=self.catalog.errors(error_limit),
            index=index_info,
        )
