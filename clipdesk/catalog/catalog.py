"""The catalog: one SQLite database, the source of truth for roots, images and embeddings.

One writer connection (guarded by a lock, used inside explicit transactions) and one
reader connection per thread. WAL mode lets readers run while the indexer writes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from ..killpoint import kill_point
from . import browse
from .filters import Filters, filter_sql
from .schema import migrate

IMAGE_COLUMNS = (
    "id, root_id, path, size, mtime_ns, content_key, width, height, taken_at, format, status, error, model_id, offline"
)


@dataclass(frozen=True)
class Root:
    id: int
    path: str
    enabled: bool
    excludes: tuple[str, ...]
    online: bool


@dataclass(frozen=True)
class ImageRecord:
    id: int
    root_id: int
    path: str
    size: int
    mtime_ns: int
    content_key: str | None
    width: int | None
    height: int | None
    taken_at: float | None
    format: str | None
    status: str
    error: str | None
    model_id: str | None
    offline: bool


@dataclass(frozen=True)
class ScanEntry:
    """What the scan diff needs to know of a catalogued file."""

    id: int
    size: int
    mtime_ns: int
    status: str


@dataclass
class EncodedImage:
    """A decoded and encoded file, ready to be committed."""

    path: str
    root_id: int
    size: int
    mtime_ns: int
    content_key: str
    width: int
    height: int
    taken_at: float | None
    format: str
    embedding: np.ndarray


@dataclass
class FailedImage:
    path: str
    root_id: int
    size: int
    mtime_ns: int
    content_key: str | None
    error: str


def _root(row: sqlite3.Row | tuple) -> Root:
    return Root(int(row[0]), row[1], bool(row[2]), tuple(json.loads(row[3] or "[]")), bool(row[4]))


def _image(row: tuple) -> ImageRecord:
    return ImageRecord(
        id=row[0],
        root_id=row[1],
        path=row[2],
        size=row[3],
        mtime_ns=row[4],
        content_key=row[5],
        width=row[6],
        height=row[7],
        taken_at=row[8],
        format=row[9],
        status=row[10],
        error=row[11],
        model_id=row[12],
        offline=bool(row[13]),
    )


class Catalog:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer = self._connect()
        self.db = sqlite_utils.Database(self._writer)
        self._writer.execute("PRAGMA journal_mode=WAL")
        migrate(self._writer)
        self._closed = False

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch is exactly one
        # transaction and nothing commits behind our back.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a kill never corrupts
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._readers_lock:
            for conn in self._readers:
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
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        return self._reader().execute(sql, params).fetchall()

    def integrity_check(self) -> str:
        return self.query("PRAGMA integrity_check")[0][0]

    # -- meta --------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str | None, conn: sqlite3.Connection | None = None) -> None:
        if conn is None:
            with self.transaction() as conn:
                self.set_meta(key, value, conn)
            return
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _next_seq(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()
        seq = int(row[0]) + 1 if row else 1
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('change_seq', ?)", (str(seq),))
        return seq

    def change_seq(self) -> int:
        return int(self.get_meta("change_seq", "0") or 0)

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
        rows = self.query("SELECT id, path, enabled, excludes, online FROM roots WHERE path = ?", (path,))
        return _root(rows[0]) if rows else None

    def roots(self) -> list[Root]:
        return [_root(r) for r in self.query("SELECT id, path, enabled, excludes, online FROM roots ORDER BY path")]

    def set_root_excludes(self, root_id: int, excludes: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE roots SET excludes = ? WHERE id = ?", (json.dumps(list(excludes)), root_id))

    def set_root_enabled(self, root_id: int, enabled: bool) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE roots SET enabled = ? WHERE id = ?", (int(enabled), root_id))

    def set_root_online(self, root_id: int, online: bool) -> None:
        """An offline root (unplugged drive) keeps its images, flagged offline."""
        with self.transaction() as conn:
            conn.execute("UPDATE roots SET online = ? WHERE id = ?", (int(online), root_id))
            # Only rows whose flag changes: rewriting a row rewrites its embedding's page too.
            conn.execute(
                "UPDATE images SET offline = ? WHERE root_id = ? AND offline != ?",
                (int(not online), root_id, int(not online)),
            )

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

    # -- scan support ------------------------------------------------------------------------

    def scan_entries(self, root_id: int) -> dict[str, ScanEntry]:
        rows = self.query(
            "SELECT path, id, size, mtime_ns, status FROM images INDEXED BY idx_images_scan WHERE root_id = ?",
            (root_id,),
        )
        return {r[0]: ScanEntry(r[1], r[2], r[3], r[4]) for r in rows}

    def scan_entries_for_paths(self, paths: Iterable[str]) -> dict[str, ScanEntry]:
        out: dict[str, ScanEntry] = {}
        for chunk in _chunks(list(paths), 500):
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
        for chunk in _chunks(list(set(keys)), 500):
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
            "WHERE roots.enabled = 1 AND images.offline = 0 AND "
            "(images.status = 'pending' OR (images.status = 'indexed' AND images.model_id IS NOT ?)) "
            "ORDER BY images.id"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(r[0], r[1], r[2]) for r in self.query(sql, (model_id,))]

    # -- writes from the pipeline --------------------------------------------------------------

    def add_pending(self, conn: sqlite3.Connection, rows: Iterable[tuple[str, int, int, int]]) -> None:
        """Register discovered files (path, root_id, size, mtime_ns) before encoding, so a
        killed run knows what is left to do."""
        conn.executemany(
            "INSERT INTO images(path, root_id, size, mtime_ns, status) VALUES (?, ?, ?, ?, 'pending') "
            "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "root_id = excluded.root_id, status = 'pending', error = NULL, offline = 0",
            rows,
        )

    def commit_batch(
        self, encoded: Sequence[EncodedImage], failed: Sequence[FailedImage], model_id: str
    ) -> dict[str, int]:
        """Write one batch in one transaction; returns path -> image id for the encoded ones."""
        now = time.time()
        ids: dict[str, int] = {}
        with self.transaction() as conn:
            seq = self._next_seq(conn) if encoded else 0
            for item in encoded:
                vec = np.ascontiguousarray(item.embedding, dtype=np.float32).tobytes()
                row = conn.execute(
                    "INSERT INTO images(path, root_id, size, mtime_ns, content_key, width, height, taken_at, "
                    "format, status, error, embedding, model_id, offline, vec_seq, indexed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'indexed', NULL, ?, ?, 0, ?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size, "
                    "mtime_ns = excluded.mtime_ns, content_key = excluded.content_key, width = excluded.width, "
                    "height = excluded.height, taken_at = excluded.taken_at, format = excluded.format, "
                    "status = 'indexed', error = NULL, embedding = excluded.embedding, "
                    "model_id = excluded.model_id, offline = 0, vec_seq = excluded.vec_seq, "
                    "indexed_at = excluded.indexed_at RETURNING id",
                    (
                        item.path,
                        item.root_id,
                        item.size,
                        item.mtime_ns,
                        item.content_key,
                        item.width,
                        item.height,
                        item.taken_at,
                        item.format,
                        vec,
                        model_id,
                        seq,
                        now,
                    ),
                ).fetchone()
                ids[item.path] = row[0]
            if encoded:
                conn.executemany("DELETE FROM vector_tombstones WHERE id = ?", [(i,) for i in ids.values()])
            failed_ids = []
            for item in failed:
                row = conn.execute(
                    "INSERT INTO images(path, root_id, size, mtime_ns, content_key, status, error, indexed_at) "
                    "VALUES (?, ?, ?, ?, ?, 'error', ?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size, "
                    "mtime_ns = excluded.mtime_ns, content_key = excluded.content_key, status = 'error', "
                    "error = excluded.error, embedding = NULL, offline = 0, indexed_at = excluded.indexed_at "
                    "RETURNING id",
                    (item.path, item.root_id, item.size, item.mtime_ns, item.content_key, item.error, now),
                ).fetchone()
                failed_ids.append(row[0])
            if failed_ids:
                # A file that became unreadable loses its old vector.
                self._tombstone(conn, failed_ids)
            kill_point("commit")  # crash tests only; inert unless CLIPDESK_TEST_KILL_AT is set
        return ids

    def move_image(self, image_id: int, new_path: str, root_id: int, size: int, mtime_ns: int) -> None:
        with self.transaction() as conn:
            self.move_image_in(conn, image_id, new_path, root_id, size, mtime_ns)

    def move_image_in(
        self, conn: sqlite3.Connection, image_id: int, new_path: str, root_id: int, size: int, mtime_ns: int
    ) -> None:
        # A stale row may already sit at the destination (file replaced by a move).
        clash = conn.execute("SELECT id FROM images WHERE path = ? AND id != ?", (new_path, image_id)).fetchall()
        if clash:
            self._delete_images(conn, [clash[0][0]])
        conn.execute(
            "UPDATE images SET path = ?, root_id = ?, size = ?, mtime_ns = ?, offline = 0 WHERE id = ?",
            (new_path, root_id, size, mtime_ns, image_id),
        )

    def copy_image_in(
        self, conn: sqlite3.Connection, source_id: int, new_path: str, root_id: int, size: int, mtime_ns: int
    ) -> int:
        """A duplicate of an indexed photo: new row, same embedding, no re-encode."""
        seq = self._next_seq(conn)
        row = conn.execute(
            "INSERT INTO images(path, root_id, size, mtime_ns, content_key, width, height, taken_at, format, "
            "status, embedding, model_id, vec_seq, indexed_at) "
            "SELECT ?, ?, ?, ?, content_key, width, height, taken_at, format, status, embedding, model_id, ?, ? "
            "FROM images WHERE id = ? "
            "ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, content_key = excluded.content_key, width = excluded.width, "
            "height = excluded.height, taken_at = excluded.taken_at, format = excluded.format, "
            "status = excluded.status, error = NULL, embedding = excluded.embedding, model_id = excluded.model_id, "
            "offline = 0, vec_seq = excluded.vec_seq, indexed_at = excluded.indexed_at RETURNING id",
            (new_path, root_id, size, mtime_ns, seq, time.time(), source_id),
        ).fetchone()
        return int(row[0])

    def touch_image(self, conn: sqlite3.Connection, image_id: int, size: int, mtime_ns: int) -> None:
        conn.execute("UPDATE images SET size = ?, mtime_ns = ? WHERE id = ?", (size, mtime_ns, image_id))

    def delete_images(self, ids: Sequence[int]) -> None:
        if ids:
            with self.transaction() as conn:
                self._delete_images(conn, ids)

    def delete_images_in(self, conn: sqlite3.Connection, ids: Sequence[int]) -> None:
        self._delete_images(conn, ids)

    def _tombstone(self, conn: sqlite3.Connection, ids: Sequence[int]) -> None:
        seq = self._next_seq(conn)
        conn.executemany("INSERT OR REPLACE INTO vector_tombstones(id, seq) VALUES (?, ?)", [(i, seq) for i in ids])

    def _delete_images(self, conn: sqlite3.Connection, ids: Sequence[int]) -> None:
        if not ids:
            return
        self._tombstone(conn, ids)
        conn.executemany("DELETE FROM images WHERE id = ?", [(i,) for i in ids])

    def mark_model(self, model_id: str) -> bool:
        """Record the active model; if it changed, every embedding is stale and the
        vector index must be rebuilt. Returns True on a change."""
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'model_id'").fetchone()
            if row and row[0] == model_id:
                return False
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('model_id', ?)", (model_id,))
            conn.execute("DELETE FROM meta WHERE key = 'model_dim'")
            if row is not None:
                # Keep rows and old vectors until re-encoded; they leave the index meanwhile.
                conn.execute("UPDATE images SET status = 'pending' WHERE status = 'indexed'")
                self._next_seq(conn)
            return row is not None

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

    # -- reads for search and status -----------------------------------------------------------

    def images(self, ids: Sequence[int]) -> dict[int, ImageRecord]:
        out: dict[int, ImageRecord] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for r in self.query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE id IN ({marks})", chunk):
                out[r[0]] = _image(r)
        return out

    def image_by_path(self, path: str) -> ImageRecord | None:
        rows = self.query(f"SELECT {IMAGE_COLUMNS} FROM images WHERE path = ?", (path,))
        return _image(rows[0]) if rows else None

    def filtered_ids(self, filters: Filters, model_id: str) -> np.ndarray:
        """Ids a search may return: indexed with this model and passing the filters."""
        where, params = filter_sql(filters)
        rows = self.query(
            f"SELECT id FROM images WHERE status = 'indexed' AND model_id = ? AND {where}", [model_id, *params]
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def browse_ids(self, filters: Filters, offset: int, limit: int) -> list[int]:
        """One page of indexed photos, newest first (no date last, ties by id, newest first)."""
        return browse.browse_ids(self._reader(), filters, offset, limit)

    def month_counts(self, filters: Filters) -> list[tuple[int, int, int]]:
        """(year, month, count) in browse order, by local time; (0, 0, count) for no date."""
        return browse.month_counts(self._reader(), filters)

    def counts(self) -> dict[str, int]:
        out = {"indexed": 0, "pending": 0, "error": 0, "offline": 0}
        for status, n in self.query("SELECT status, COUNT(*) FROM images GROUP BY status"):
            out[status] = n
        out["offline"] = self.query("SELECT COUNT(*) FROM images WHERE offline = 1")[0][0]
        out["total"] = out["indexed"] + out["pending"] + out["error"]
        return out

    def errors(self, limit: int | None = None) -> list[tuple[str, str]]:
        sql = "SELECT path, error FROM images WHERE status = 'error' ORDER BY path"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(r[0], r[1]) for r in self.query(sql)]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
