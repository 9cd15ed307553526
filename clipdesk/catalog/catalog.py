"""The catalog: one SQLite database, the source of truth for roots, images and embeddings.

One writer connection (guarded by a lock, used inside explicit transactions) and one
reader connection per thread. WAL mode lets readers run while the indexer writes.
Every SQL statement of clipdesk lives in this package; SQLite failures leave it as a
`CatalogError` that says what to do (see errors.py).

sqlite-utils is not used: each statement here is hand-written for its index (covering
indexes keep reads off the rows that hold 2 KiB embeddings), which a generic layer hides.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np

from . import browse, meta
from .albums import AlbumStore
from .duplicates import DuplicateStore
from .errors import CatalogError
from .filters import Filters, filter_sql
from .labels import LabelStore
from .meta_settings import MetaSettings
from .records import (
    IMAGE_COLUMNS,
    ROOT_COLUMNS,
    ImageRecord,
    Root,
    ScanEntry,
    chunks,
    image_from_row,
    root_from_row,
)
from .schema import migrate
from .text import TextStore
from .writes import PipelineWrites

T = TypeVar("T")
_PROGRAMMING_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
    sqlite3.DataError,
    sqlite3.NotSupportedError,
)


class Catalog(PipelineWrites, LabelStore, AlbumStore, DuplicateStore, TextStore, MetaSettings):
    def __init__(self, path: Path | str, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._reading: dict[sqlite3.Connection, int] = {}  # readers inside a query now, and how deep
        self._readers_lock = threading.Lock()
        self._closed = False
        with self._errors():
            self._writer = self._connect()
            try:
                self._writer.execute("PRAGMA journal_mode=WAL")
                # The fast check at every open (<1 ms): a damaged header or schema page fails
                # here; a full quick_check reads every page (39 s at 1M photos) and runs on
                # each backup's copy instead (backup.py).
                self._writer.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                migrate(self._writer)
            except BaseException:
                self._writer.close()
                raise

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The catalog's boundary: SQLite and OS failures become a classified CatalogError."""
        try:
            yield
        except _PROGRAMMING_ERRORS:
            raise  # a bug in clipdesk, not a state of the disk: keep its traceback
        except (sqlite3.Error, OSError) as exc:
            raise CatalogError.from_exception(exc, self.path) from exc

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch is exactly one
        # transaction and nothing commits behind our back.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self.busy_timeout_s)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a kill never corrupts
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self._closed:  # a background thread still asking after the engine closed
            raise CatalogError.closed(self.path)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._errors():
            conn = self._reader()
            with self._readers_lock:
                self._reading[conn] = self._reading.get(conn, 0) + 1
            try:
                return fn(conn)
            finally:
                with self._readers_lock:
                    self._reading[conn] -= 1
                    last_out_after_close = self._closed and not self._reading[conn]
                    if not self._reading[conn]:
                        del self._reading[conn]
                if last_out_after_close:
                    conn.close()  # close() left it to us: it was mid-query on this thread

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._readers_lock:
            for conn in self._readers:
                if conn in self._reading:
                    # Mid-query on another thread (a background pass that outlived its stop timeout):
                    # closing it under that query crashes the process; interrupt it instead, and the
                    # reading thread closes it on its way out (_read).
                    conn.interrupt()
                    continue
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # created in another thread that is gone; sqlite closes it at exit
            self._readers.clear()
        with self._write_lock:
            self._writer.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; everything inside commits together or not at all."""
        with self._write_lock, self._errors():
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
                self._writer.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # SQLite may have rolled back already (a full disk does that); the first error is the one to report.
        if self._writer.in_transaction:
            try:
                self._writer.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        return self._read(lambda conn: conn.execute(sql, params).fetchall())

    def integrity_check(self) -> str:
        return self.query("PRAGMA integrity_check")[0][0]

    # -- meta (keys in meta.py) ----------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as conn:
            self._set_meta(conn, key, value)

    def change_seq(self) -> int:
        return int(self.get_meta(meta.CHANGE_SEQ, "0") or 0)

    def saved_index(self) -> tuple[str | None, int]:
        """The current saved index file's stem and the change sequence it covers (-1: none)."""
        return self.get_meta(meta.INDEX_STEM), int(self.get_meta(meta.INDEX_WATERMARK, "-1") or -1)

    def record_saved_index(self, stem: str, watermark: int) -> None:
        """Point at a newly saved index file: both keys change together or not at all."""
        with self.transaction() as conn:
            self._set_meta(conn, meta.INDEX_STEM, stem)
            self._set_meta(conn, meta.INDEX_WATERMARK, str(watermark))

    # -- roots -------------------------------------------------------------------------------

    def add_root(self, path: str, excludes: Iterable[str] = ()) -> Root:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO roots(path, excludes, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET enabled = 1",
                (path, json.dumps(list(excludes)), time.time()),
            )
        root = self.root_by_path(path)
        assert root is not None
        return root

    def root_by_path(self, path: str) -> Root | None:
        rows = self.query(f"SELECT {ROOT_COLUMNS} FROM roots WHERE path = ?", (path,))
        return root_from_row(rows[0]) if rows else None

    def roots(self) -> list[Root]:
        return [root_from_row(r) for r in self.query(f"SELECT {ROOT_COLUMNS} FROM roots ORDER BY path")]

    def set_root_excludes(self, root_id: int, excludes: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE roots SET excludes = ? WHERE id = ?", (json.dumps(list(excludes)), root_id))

    def set_root_enabled(self, root_id: int, enabled: bool) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE roots SET enabled = ? WHERE id = ?", (int(enabled), root_id))

    def set_root_online(self, root_id: int, online: bool) -> None:
        """An offline root (unplugged drive) keeps its images; they read as offline through
        their root. Only the root's row is written: flagging every image rewrote each row and
        the embedding on its page (~4 GB of WAL for 1M photos) whenever a drive went or came."""
        with self.transaction() as conn:
            conn.execute("UPDATE roots SET online = ? WHERE id = ?", (int(online), root_id))

    def remove_root(self, root_id: int) -> list[int]:
        """Forget a root and its images (the files themselves are never touched)."""
        with self.transaction() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM images WHERE root_id = ?", (root_id,))]
            self._delete_images(conn, ids)
            conn.execute("DELETE FROM roots WHERE id = ?", (root_id,))
        return ids

    def merge_root(self, inner_id: int, outer_id: int) -> None:
        """A root added around an existing one takes over its images (nothing is re-encoded)."""
        with self.transaction() as conn:
            conn.execute("UPDATE images SET root_id = ? WHERE root_id = ?", (outer_id, inner_id))
            conn.execute("DELETE FROM roots WHERE id = ?", (inner_id,))

    def image_counts_by_root(self) -> dict[int, int]:
        """Catalogued files per root id (every status); roots with none are left out."""
        return {r[0]: r[1] for r in self.query("SELECT root_id, COUNT(*) FROM images GROUP BY root_id")}

    def root_has_images(self, root_id: int) -> bool:
        return bool(self.query("SELECT 1 FROM images WHERE root_id = ? LIMIT 1", (root_id,)))

    # -- scan support ------------------------------------------------------------------------

    def scan_entries(self, root_id: int) -> dict[str, ScanEntry]:
        rows = self.query(
            "SELECT path, id, size, mtime_ns, status FROM images INDEXED BY idx_images_scan WHERE root_id = ?",
            (root_id,),
        )
        return {r[0]: ScanEntry(r[1], r[2], r[3], r[4]) for r in rows}

    def scan_entries_for_paths(self, paths: Iterable[str]) -> dict[str, ScanEntry]:
        out: dict[str, ScanEntry] = {}
        for chunk in chunks(list(paths), 500):
            marks = ",".join("?" * len(chunk))
            for r in self.query(f"SELECT path, id, size, mtime_ns, status FROM images WHERE path IN ({marks})", chunk):
                out[r[0]] = ScanEntry(r[1], r[2], r[3], r[4])
        return out

    def paths_under(self, folder: str) -> dict[str, ScanEntry]:
        prefix = folder.rstrip("/") + "/"
        rows = self.query(
            "SELECT path, id, size, mtime_ns, status FROM images WHERE path >= ? AND path < ?",
            (prefix, prefix[:-1] + "0"),  # '0' sorts right after '/'
        )
        return {r[0]: ScanEntry(r[1], r[2], r[3], r[4]) for r in rows}

    def reusable_by_content_key(self, keys: Iterable[str], model_id: str) -> dict[str, int]:
        """Indexed images with one of these content keys: a new path with the same key is
        the same photo moved or renamed, and keeps its embedding."""
        out: dict[str, int] = {}
        for chunk in chunks(list(set(keys)), 500):
            marks = ",".join("?" * len(chunk))
            for key, image_id in self.query(
                f"SELECT content_key, id FROM images WHERE content_key IN ({marks}) "
                "AND status = 'indexed' AND model_id = ?",
                (*chunk, model_id),
            ):
                out.setdefault(key, image_id)
        return out

    def pending_ids(self, model_id: str, limit: int | None = None) -> list[tuple[int, str, int]]:
        """Catalogued files that still need encoding: (id, path, root_id)."""
        sql = (
            "SELECT images.id, images.path, images.root_id FROM images JOIN roots ON roots.id = images.root_id "
            "WHERE roots.enabled = 1 AND roots.online = 1 AND "
            "(images.status = 'pending' OR (images.status = 'indexed' AND images.model_id IS NOT ?)) "
            "ORDER BY images.id"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(r[0], r[1], r[2]) for r in self.query(sql, (model_id,))]

    def claim_pending(self, model_id: str, limit: int, after_id: int = 0) -> list[tuple[int, str, int]]:
        """The next files to encode after `after_id`: (id, path, root_id). Indexing a SQLite catalog is one
        process under the index lock, so nothing is leased (a shared library's queue leases them)."""
        sql = (
            "SELECT images.id, images.path, images.root_id FROM images JOIN roots ON roots.id = images.root_id "
            "WHERE roots.enabled = 1 AND roots.online = 1 AND images.id > ? AND "
            "(images.status = 'pending' OR (images.status = 'indexed' AND images.model_id IS NOT ?)) "
            "ORDER BY images.id LIMIT ?"
        )
        return [(r[0], r[1], r[2]) for r in self.query(sql, (int(after_id), model_id, int(limit)))]

    # -- vectors for the index ----------------------------------------------------------------

    def iter_embeddings(
        self, model_id: str, since_seq: int = 0, chunk: int = 20000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) of indexed images, in chunks, optionally only those changed after a seq."""
        last = -1
        while True:
            rows = self.query(
                "SELECT id, embedding FROM images WHERE status = 'indexed' AND model_id = ? AND vec_seq > ? "
                "AND id > ? ORDER BY id LIMIT ?",
                (model_id, since_seq, last, chunk),
            )
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            last = int(ids[-1])
            yield ids, vecs

    def live_vector_ids(self, model_id: str) -> np.ndarray:
        rows = self.query("SELECT id FROM images WHERE status = 'indexed' AND model_id = ?", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def tombstones_since(self, seq: int) -> list[int]:
        return [r[0] for r in self.query("SELECT id FROM vector_tombstones WHERE seq > ?", (seq,))]

    def prune_tombstones(self, upto_seq: int) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM vector_tombstones WHERE seq <= ?", (upto_seq,))

    def embedding_of(self, image_id: int) -> np.ndarray | None:
        rows = self.query("SELECT embedding FROM images WHERE id = ? AND status = 'indexed'", (image_id,))
        if not rows or rows[0][0] is None:
            return None
        return np.frombuffer(rows[0][0], dtype=np.float32)

    # -- reads for search, the library view and status ------------------------------------------

    def images(self, ids: Sequence[int]) -> dict[int, ImageRecord]:
        out: dict[int, ImageRecord] = {}
        for chunk in chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for r in self.query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE id IN ({marks})", chunk):
                out[r[0]] = image_from_row(r)
        return out

    def image_by_path(self, path: str) -> ImageRecord | None:
        rows = self.query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE path = ?", (path,))
        return image_from_row(rows[0]) if rows else None

    def filtered_ids(self, filters: Filters, model_id: str) -> np.ndarray:
        """Ids a search may return: indexed with this model and passing the filters."""
        where, params = filter_sql(filters)
        rows = self.query(
            f"SELECT id FROM images WHERE status = 'indexed' AND model_id = ? AND {where}", [model_id, *params]
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def browse_ids(self, filters: Filters, offset: int, limit: int) -> list[int]:
        """One page of indexed photos, newest first (no date last, ties by id, newest first)."""
        return self._read(lambda conn: browse.browse_ids(conn, filters, offset, limit))

    def month_counts(self, filters: Filters) -> list[tuple[int, int, int]]:
        """(year, month, count) in browse order, by local time; (0, 0, count) for no date."""
        return self._read(lambda conn: browse.month_counts(conn, filters))

    def counts(self, images_by_root: dict[int, int] | None = None) -> dict[str, int]:
        """Photos per status, and how many are offline (from `image_counts_by_root()` when the
        caller has it: counting an unplugged root's photos again reads ~90 MB of index at 1M)."""
        out = {"indexed": 0, "pending": 0, "error": 0, "offline": 0}
        for status, n in self.query("SELECT status, COUNT(*) FROM images GROUP BY status"):
            out[status] = n
        if images_by_root is not None:
            out["offline"] = sum(images_by_root.get(root.id, 0) for root in self.roots() if not root.online)
        else:  # idx_images_scan leads with root_id: counted in that index, never in the wide rows
            out["offline"] = self.query(
                "SELECT COUNT(*) FROM images WHERE root_id IN (SELECT id FROM roots WHERE online = 0)"
            )[0][0]
        out["total"] = out["indexed"] + out["pending"] + out["error"]
        return out

    def errors(self, limit: int | None = None) -> list[tuple[str, str]]:
        sql = "SELECT path, error FROM images WHERE status = 'error' ORDER BY path"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(r[0], r[1]) for r in self.query(sql)]
