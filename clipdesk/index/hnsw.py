"""HNSW vector index over normalised embeddings (inner product = cosine).

The index is a cache of the catalog's embeddings: it is saved atomically with the catalog
change sequence it reflects (the watermark), and at open a missing, unreadable or stale
file is caught up or rebuilt from SQLite.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import hnswlib
import numpy as np

from ..killpoint import kill_point

# Below this many live vectors, brute force is both exact and fast enough (<5 ms).
EXACT_LIMIT = 20_000
GROW_MAX = 65_536  # slots added per resize, at most
BULK_ADD = 4096  # adds at least this large use every core
BULK_THREADS = max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class IndexParams:
    # Memory and recall at a million photos (bench/search.py): M=16 keeps the index at ~2.2 GB
    # resident, each +8 costs ~64 MB. ef_search bounds the candidates a search keeps: more
    # finds more of the true top results. A text query's vector sits apart from every photo
    # (CLIP's gap between text and images), which makes its neighbours harder to reach, and its
    # encoding already takes ~20 ms, so it gets the larger budget; a query by photo must stay
    # near a few milliseconds. At 1M (three builds): recall@10 >= 0.98 took ef 1200 by photo
    # (0.983-0.985) and 2000 for text (0.981-0.982; 1600 gave 0.971-0.980).
    M: int = 16
    ef_construction: int = 200
    ef_search: int = 1200
    ef_search_text: int = 2000


class _RWLock:
    """Many concurrent searches (and saves), one writer at a time. A waiting writer
    blocks new readers, so a steady stream of searches never starves indexing."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def read(self) -> _Guard:
        return _Guard(self._acquire_read, self._release_read)

    def write(self) -> _Guard:
        return _Guard(self._acquire_write, self._release_write)

    def _acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def _release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def _acquire_write(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True

    def _release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class _Guard:
    def __init__(self, enter: Callable[[], None], leave: Callable[[], None]) -> None:
        self._enter, self._leave = enter, leave

    def __enter__(self) -> None:
        self._enter()

    def __exit__(self, *exc: object) -> None:
        self._leave()


class _IdSet:
    """Live image ids as a flag per id over the id range (ids are SQLite row ids, so the range
    is about the number of photos ever added): 1 byte per id against ~60 in a Python set,
    which was 60 MB at a million photos."""

    def __init__(self, ids: np.ndarray | None = None) -> None:
        self._flags = np.zeros(0, dtype=bool)
        self._count = 0
        if ids is not None:
            self.add(ids)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, image_id: int) -> bool:
        return 0 <= image_id < len(self._flags) and bool(self._flags[image_id])

    def add(self, ids: np.ndarray) -> None:
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if not len(ids):
            return
        if ids[0] < 0:
            raise ValueError("image ids are not negative")
        top = int(ids[-1]) + 1
        if top > len(self._flags):
            grown = np.zeros(max(top, len(self._flags) + len(self._flags) // 4), dtype=bool)
            grown[: len(self._flags)] = self._flags
            self._flags = grown
        self._count += int(np.count_nonzero(~self._flags[ids]))
        self._flags[ids] = True

    def discard(self, image_id: int) -> bool:
        if image_id in self:
            self._flags[image_id] = False
            self._count -= 1
            return True
        return False

    def contains_each(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(self._flags))
        out = np.zeros(len(ids), dtype=bool)
        out[inside] = self._flags[ids[inside]]
        return out

    def array(self) -> np.ndarray:
        """Every live id, ascending."""
        return np.flatnonzero(self._flags).astype(np.int64)


class VectorIndex:
    """Thread-safe wrapper around an hnswlib inner-product index whose labels are image ids."""

    def __init__(self, dim: int, params: IndexParams = IndexParams(), capacity: int = 1024) -> None:
        self.dim = dim
        self.params = params
        self._lock = _RWLock()
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(max_elements=capacity, ef_construction=params.ef_construction, M=params.M)
        self._index.set_ef(params.ef_search)
        self._live = _IdSet()
        self._deleted: set[int] = set()  # labels marked deleted; hnswlib still lists them
        self._exact_cache: tuple[np.ndarray, np.ndarray] | None = None

    # -- size ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._live

    def ids(self) -> set[int]:
        return set(self.id_array().tolist())

    def id_array(self) -> np.ndarray:
        """Live ids, ascending (cheaper than ids() at a million photos)."""
        with self._lock.read():
            return self._live.array()

    @property
    def deleted_fraction(self) -> float:
        total = len(self._live) + len(self._deleted)
        return 0.0 if not total else len(self._deleted) / total

    # -- writes ----------------------------------------------------------------------------------

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        if ids.min() < 0:
            raise ValueError("image ids are not negative")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        with self._lock.write():
            needed = self._index.get_current_count() + len(ids)
            capacity = self._index.get_max_elements()
            if needed > capacity:
                # Grow by half, but by at most GROW_MAX slots at a time: every slot costs
                # ~2.2 KB resident whether used or not (a 1.5x step at 1M would be 1.1 GB).
                self._index.resize_index(max(needed, capacity + min(max(capacity // 2, 1024), GROW_MAX)))
            # Re-adding a known label (re-encoded file) updates it in place, un-deleting if needed.
            # Bulk loads (rebuilds, catch-up) insert on every core; a pipeline batch on one.
            threads = BULK_THREADS if len(ids) >= BULK_ADD else 1
            self._index.add_items(vectors, ids, num_threads=threads)
            self._live.add(ids)
            if self._deleted:
                self._deleted.difference_update(ids.tolist())
            self._exact_cache = None

    def remove(self, ids: list[int] | np.ndarray) -> None:
        with self._lock.write():
            for image_id in ids:
                image_id = int(image_id)
                if image_id in self._live:
                    self._index.mark_deleted(image_id)
                    self._live.discard(image_id)
                    self._deleted.add(image_id)
            self._exact_cache = None

    # -- reads -----------------------------------------------------------------------------------

    def vectors(self, ids: list[int] | np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[self._live.contains_each(ids)].tolist()
        if not ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock.read():
            return np.asarray(self._index.get_items(ids, return_type="numpy"), dtype=np.float32)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, ef: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) by inner product, best first. `allowed` restricts to those ids;
        `ef` widens the search beyond the index's ef_search for this query only."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dim)
        with self._lock.read():
            if allowed is not None:
                allowed = np.asarray(allowed, dtype=np.int64)
                allowed = allowed[self._live.contains_each(allowed)]
                if len(allowed) <= EXACT_LIMIT:
                    return self._exact(query, k, allowed)
                allowed_set = set(allowed.tolist())
                ef = min(ef, len(allowed_set)) if ef else None
                return self._approx(query, min(k, len(allowed_set)), allowed_set.__contains__, ef)
            if len(self._live) <= EXACT_LIMIT:
                return self._exact(query, k, None)
            return self._approx(query, k, None, ef)

    def _exact(self, query: np.ndarray, k: int, ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if ids is None:
            cache = self._exact_cache
            if cache is None:
                all_ids = self._live.array()
                cache = (all_ids, self._get(all_ids))
                self._exact_cache = cache
            ids, matrix = cache
        else:
            matrix = self._get(ids)
        if not len(ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = matrix @ query[0]
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        top = top[np.argsort(-scores[top], kind="stable")]
        return ids[top], scores[top]

    def _get(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.get_items(ids.tolist(), return_type="numpy"), dtype=np.float32)

    def _approx(
        self, query: np.ndarray, k: int, allowed: Callable[[int], bool] | None, ef: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self._live))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # hnswlib searches with max(ef, k): asking for more results is a per-query ef (set_ef
        # would change it for every concurrent search).
        wide = min(max(k, ef or 0), len(self._live))
        try:
            labels, distances = self._index.knn_query(query, k=wide, num_threads=1, filter=allowed)
        except RuntimeError:
            # Too few reachable neighbours (many deletions / narrow filter): fall back to exact.
            ids = self._live.array()
            if allowed is not None:
                ids = ids[[allowed(int(i)) for i in ids]]
            return self._exact(query, k, ids)
        # hnswlib's "ip" distance is 1 - dot.
        return labels[0][:k].astype(np.int64), (1.0 - distances[0][:k]).astype(np.float32)

    # -- persistence -----------------------------------------------------------------------------

    def save(self, stem: Path, extra: dict) -> None:
        """Write `<stem>.hnsw` and `<stem>.json`, each via temp file, fsync and rename.

        The caller makes the pair current by recording `stem` in SQLite afterwards, so a
        crash at any point leaves either the old pair or the new one in force."""
        stem = Path(stem)
        index_path = stem.with_suffix(".hnsw")
        with self._lock.read():
            tmp = index_path.with_name(index_path.name + ".tmp")
            self._index.save_index(str(tmp))
            deleted = sorted(self._deleted)
            live = len(self._live)
        _check_complete(tmp)
        _fsync_file(tmp)
        kill_point("save")  # crash tests only; inert unless CLIPDESK_TEST_KILL_AT is set
        os.replace(tmp, index_path)
        meta = {
            **extra,
            "dim": self.dim,
            "live": live,
            "deleted": deleted,
            "M": self.params.M,
            "ef_construction": self.params.ef_construction,
        }
        meta_path = stem.with_suffix(".json")
        meta_tmp = meta_path.with_name(meta_path.name + ".tmp")
        meta_tmp.write_text(json.dumps(meta))
        _fsync_file(meta_tmp)
        os.replace(meta_tmp, meta_path)
        _fsync_dir(stem.parent)

    @classmethod
    def load(cls, stem: Path, params: IndexParams = IndexParams()) -> tuple[VectorIndex, dict]:
        """Load a saved pair; raises on anything missing, unreadable or inconsistent."""
        stem = Path(stem)
        meta = json.loads(stem.with_suffix(".json").read_text())
        self = cls.__new__(cls)
        self.dim = int(meta["dim"])
        self.params = IndexParams(
            M=int(meta["M"]),
            ef_construction=int(meta["ef_construction"]),
            ef_search=params.ef_search,
            ef_search_text=params.ef_search_text,
        )
        self._lock = _RWLock()
        self._exact_cache = None
        self._index = hnswlib.Index(space="ip", dim=self.dim)
        path = stem.with_suffix(".hnsw")
        with open(path, "rb") as fh:  # hnswlib's header: level-0 offset, capacity, count (uint64 each)
            header = fh.read(24)
        count = struct.unpack("<3Q", header)[2] if len(header) == 24 else 0
        if count * self.dim * 4 > os.path.getsize(path):
            count = 0  # not a plausible header: let hnswlib read (and reject) the file as saved
        # Unused slots cost ~2.2 KB resident each: load with a small margin, not the saved capacity.
        self._index.load_index(str(path), max_elements=count + 1024 if count else 0)
        self._index.set_ef(self.params.ef_search)  # ef is not stored in the file
        self._deleted = set(int(i) for i in meta["deleted"])
        self._live = _IdSet(np.asarray(self._index.get_ids_list(), dtype=np.int64))
        for image_id in self._deleted:
            self._live.discard(image_id)
        if len(self._live) != int(meta["live"]):
            raise ValueError("index file does not match its sidecar")
        return self, meta


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_HNSW_HEADER = struct.Struct("<QQQQ")  # offsetLevel0, max_elements, cur_element_count, size_data_per_element
_HNSW_HEADER_BYTES = 96


def _check_complete(path: Path) -> None:
    """hnswlib writes through an unchecked C++ stream: on a full disk it leaves a short file
    and reports success. A file shorter than its own header says, or one written as the disk
    ran out, is the ENOSPC it was (the caller removes it; the previous pair stays)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        header = fh.read(_HNSW_HEADER.size)
    least = _HNSW_HEADER_BYTES
    if len(header) == _HNSW_HEADER.size:
        _, _, count, per_element = _HNSW_HEADER.unpack(header)
        least += count * per_element + 4 * count
    if size < least or shutil.disk_usage(path.parent).free < 64 * 1024:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
