"""Keeps the HNSW index in step with the catalog, which is always the source of truth.

Saved pairs are named `vectors-<watermark>`; SQLite records which pair is current
(`index_stem`, `index_watermark`) only after both files are safely on disk. At open:
  - pair missing, unreadable, for another model, or inconsistent  -> rebuild from SQLite;
  - pair older than the catalog                                    -> catch up (vec_seq, tombstones);
  - finally the live ids must equal the catalog's indexed ids, else rebuild.

Where the index lives: in this process (`VectorIndex`: the CLI, tests) or in a child process
(`RemoteVectorIndex`, `in_process=False`: the app, whose GUI thread must never wait for
hnswlib's GIL-holding load and save). Callers see the same `VectorIndexApi` either way. A child
that dies is dropped (reported through `on_lost`) and the next `ensure_open` loads it again.

A save is skipped when nothing changed since the last save or load (`save_if_changed`): the
file is ~2 GB at a million photos.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..catalog import Catalog, CatalogError
from ..datadisk import DataDiskProblem, disk_problem
from ..killpoint import kill_point
from . import process
from .api import VectorIndexApi
from .hnsw import IndexParams, VectorIndex

log = logging.getLogger(__name__)

COMPACT_DELETED_FRACTION = 0.25


class IndexStore:
    def __init__(
        self, catalog: Catalog, folder: Path, params: IndexParams = IndexParams(), in_process: bool = True
    ) -> None:
        self.catalog = catalog
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.params = params
        self.in_process = in_process or not process.SUPPORTED
        self.index: VectorIndexApi | None = None
        # Called (from the thread that met it) when the index's process died; the index is dropped.
        self.on_lost: Callable[[str], None] | None = None
        self.model_id: str | None = None
        self.last_open: str = "not opened"  # "loaded", "caught up", "rebuilt": for status and tests
        self._save_lock = threading.Lock()
        # Opening builds or loads a whole index: one at a time, and never twice for the same model.
        self._open_lock = threading.Lock()
        # Held around "commit to SQLite, then apply to the index", and while a save reads
        # its watermark: every change at or below a saved watermark is in the saved file.
        self.mutation = threading.RLock()
        # Changes applied since the index was loaded; those the saved pair holds.
        self._changes = 0
        self._saved_changes = 0
        self._last_save = time.monotonic()
        # A follower (`clipdesk serve` while another process indexes) keeps its index in memory
        # only: the indexer owns the saved files and the catalog's record of them.
        self._read_only = False

    # -- open ----------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self._read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        if self._read_only and not value:
            # A follower taking over as indexer: what it caught up with in memory (added to the
            # index directly) is not in the saved pair, which is the old indexer's.
            self._changes += 1
        self._read_only = value

    @property
    def changed(self) -> bool:
        """Whether the index holds changes its saved pair does not."""
        return self._changes != self._saved_changes

    def ensure_open(self, model_id: str, dim: int) -> VectorIndexApi:
        """The index for this model, opened once: callers that arrive while it is being
        loaded or built wait for that one, then get it."""
        with self._open_lock:
            index = self.index
            if index is not None and self.model_id == model_id and index.dim == dim:
                return index
            return self._open(model_id, dim)

    def open(self, model_id: str, dim: int) -> VectorIndexApi:
        """Load (or rebuild) the index for this model now, even if one is open."""
        with self._open_lock:
            return self._open(model_id, dim)

    def _open(self, model_id: str, dim: int) -> VectorIndexApi:
        index = None
        try:
            index = self._load_current(model_id, dim)
        except Exception as exc:  # unreadable, truncated, mismatched: the catalog rebuilds it
            log.warning("vector index unusable (%s); rebuilding from the catalog", exc)
            index = None
        if index is not None:
            live = self.catalog.live_vector_ids(model_id)
            if len(live) != len(index) or not np.array_equal(index.id_array(), np.sort(live)):
                log.warning("vector index disagrees with the catalog; rebuilding")
                index = _closed(index)
            elif index.deleted_fraction > COMPACT_DELETED_FRACTION:
                index = _closed(index)  # compaction: rebuilding drops the dead slots
        rebuilt = index is None
        if index is None:
            index = self._rebuild(model_id, dim)
            self.last_open = "rebuilt"
        if isinstance(index, process.RemoteVectorIndex):
            index.on_lost = self._lost
        # Published together, and only once complete: a reader never sees a half-open index.
        old, self.index, self.model_id = self.index, index, model_id
        if old is not None and old is not index:
            _closed(old)
        if rebuilt:
            self.save()
        return index

    def _load_current(self, model_id: str, dim: int) -> VectorIndexApi | None:
        stem_name, saved_watermark = self.catalog.saved_index()
        if not stem_name:
            return None
        loader = VectorIndex.load if self.in_process else process.RemoteVectorIndex.load
        index, meta = loader(self.folder / stem_name, self.params)
        try:
            return self._check_and_catch_up(index, meta, model_id, dim, saved_watermark)
        except BaseException:
            _closed(index)
            raise

    def _check_and_catch_up(
        self, index: VectorIndexApi, meta: dict, model_id: str, dim: int, saved_watermark: int
    ) -> VectorIndexApi | None:
        if meta.get("model_id") != model_id or index.dim != dim:
            return _closed(index)
        watermark = int(meta["watermark"])
        if watermark != saved_watermark:
            return _closed(index)
        current = self.catalog.change_seq()
        if watermark > current:
            # A catalog restored from a backup went back in time: a file "newer" than it
            # describes another history (ids reused for other photos). Never trusted.
            return _closed(index)
        self._changes = self._saved_changes = 0
        if watermark < current:
            before = len(index)
            index.remove(self.catalog.tombstones_since(watermark))
            added = 0
            for ids, vecs in self.catalog.iter_embeddings(model_id, since_seq=watermark):
                index.add(ids, vecs)
                added += len(ids)
            # Rows that left 'indexed' (stale model, error) without a tombstone.
            known = index.id_array()
            index.remove(known[~np.isin(known, self.catalog.live_vector_ids(model_id))])
            # Only a catch-up that changed something is worth rewriting the file for.
            self._changes = int(added > 0 or len(index) != before)
            self.last_open = "caught up"
        else:
            self.last_open = "loaded"
        return index

    def _rebuild(self, model_id: str, dim: int) -> VectorIndexApi:
        live = self.catalog.live_vector_ids(model_id)
        capacity = max(1024, len(live) + 1024)
        index: VectorIndexApi
        if self.in_process:
            index = VectorIndex(dim, self.params, capacity=capacity)
        else:
            index = process.RemoteVectorIndex.create(dim, self.params, capacity=capacity)
        try:
            for ids, vecs in self.catalog.iter_embeddings(model_id):
                index.add(ids, vecs)
        except BaseException:
            _closed(index)
            raise
        self._saved_changes = 0
        self._changes = 1
        return index

    def _lost(self, index: process.RemoteVectorIndex) -> None:
        """The index's process died: drop it (the catalog holds every vector; the next open
        loads the saved pair and catches up) and say so once."""
        if self.index is not index:
            return
        self.index = None
        self.last_open = "lost"
        index.close()
        message = "The search index stopped unexpectedly; it is being reloaded."
        log.warning(message)
        if self.on_lost is not None:
            self.on_lost(message)

    def close(self) -> None:
        """Let go of the index (its process, if it has one, exits on its own). Does not save."""
        index, self.index = self.index, None
        if isinstance(index, process.RemoteVectorIndex):
            index.close(wait=False)

    # -- changes -------------------------------------------------------------------------------

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        index = self.index
        if index is not None and len(ids):
            self._changes += 1
            try:
                index.add(ids, vectors)
            except process.IndexProcessLost:
                pass  # dropped and reported; the catalog has them: the reload catches up

    def remove(self, ids: list[int]) -> None:
        index = self.index
        if index is not None and ids:
            self._changes += 1
            try:
                index.remove(ids)
            except process.IndexProcessLost:
                pass

    # -- persistence ---------------------------------------------------------------------------

    def save_if_due(self, interval_s: float = 60.0) -> None:
        if self.changed and time.monotonic() - self._last_save >= interval_s:
            self.save()

    def save_if_changed(self) -> bool:
        """Save unless the saved pair already holds every change (True: saved)."""
        if not self.changed:
            return False
        self.save()
        return True

    def save(self) -> None:
        """Atomic save of the index as of the catalog's current change sequence.

        A full or read-only disk raises DataDiskProblem (after removing what the failed save
        wrote): the catalog still holds every vector, and the previous pair stays in force."""
        index = self.index
        if self.read_only or index is None or self.model_id is None:
            return
        with self._save_lock:
            # The watermark is read first: changes committed during the save are newer
            # than it and will be caught up at the next open.
            with self.mutation:
                watermark = self.catalog.change_seq()
                changes = self._changes
            stem_name = f"vectors-{watermark}"
            previous, _ = self.catalog.saved_index()
            try:
                index.save(self.folder / stem_name, {"watermark": watermark, "model_id": self.model_id})
            except OSError as exc:
                self._remove_failed_save(stem_name, previous)
                problem = disk_problem(exc, self.folder, needed_bytes=self._needed_bytes())
                if problem is None:
                    raise
                raise problem from exc
            kill_point("save-files")  # crash tests only; inert unless CLIPDESK_TEST_KILL_AT is set
            try:
                self.catalog.record_saved_index(stem_name, watermark)
            except CatalogError as exc:
                self._remove_failed_save(stem_name, previous)
                if exc.kind in ("disk_full", "read_only"):
                    raise DataDiskProblem(exc.kind, self.folder, self._needed_bytes()) from exc
                raise
            kill_point("save-meta")
            self.catalog.prune_tombstones(watermark)
            for old in self.folder.glob("vectors-*"):
                if not old.name.startswith(stem_name + "."):
                    old.unlink(missing_ok=True)
            self._saved_changes = changes
            self._last_save = time.monotonic()

    def _remove_failed_save(self, stem_name: str, previous: str | None) -> None:
        """Temp files, and the new pair unless it is the one SQLite points at."""
        for path in self.folder.glob("vectors-*"):
            is_new_pair = path.name.startswith(stem_name + ".") and stem_name != previous
            if path.name.endswith(".tmp") or is_new_pair:
                path.unlink(missing_ok=True)

    def _needed_bytes(self) -> int:
        """About what a save needs: the index file twice (old and new side by side) and headroom."""
        current = sum(p.stat().st_size for p in self.folder.glob("vectors-*.hnsw") if p.exists())
        estimate = len(self.index) * (self.index.dim * 4 + 8 * self.params.M + 16) if self.index else 0
        return 2 * max(current, estimate) + 8 * 1024 * 1024


def _closed(index: VectorIndexApi) -> VectorIndexApi | None:
    """Let go of an index that will not be used (a child process stops at once); None."""
    if isinstance(index, process.RemoteVectorIndex):
        index.close()
    return None
