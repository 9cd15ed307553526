"""The pipeline's writes: discovered files, encoded batches, moves, copies, deletions, the model.

A mixin of `Catalog`, kept apart so each file reads in one sitting. Every public method is
one transaction; the `_`-prefixed helpers run inside one their caller holds.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager

import numpy as np

from ..killpoint import kill_point
from . import meta
from .records import EncodedImage, FailedImage, NewPath

_UPSERT_ENCODED = (
    "INSERT INTO images(path, root_id, size, mtime_ns, content_key, width, height, taken_at, "
    "format, status, error, embedding, model_id, offline, vec_seq, indexed_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'indexed', NULL, ?, ?, 0, ?, ?) "
    "ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, content_key = excluded.content_key, width = excluded.width, "
    "height = excluded.height, taken_at = excluded.taken_at, format = excluded.format, "
    "status = 'indexed', error = NULL, embedding = excluded.embedding, "
    "model_id = excluded.model_id, offline = 0, vec_seq = excluded.vec_seq, "
    "indexed_at = excluded.indexed_at RETURNING id"
)
_UPSERT_FAILED = (
    "INSERT INTO images(path, root_id, size, mtime_ns, content_key, status, error, indexed_at) "
    "VALUES (?, ?, ?, ?, ?, 'error', ?, ?) "
    "ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, content_key = excluded.content_key, status = 'error', "
    "error = excluded.error, embedding = NULL, offline = 0, indexed_at = excluded.indexed_at "
    "RETURNING id"
)
_COPY = (
    "INSERT INTO images(path, root_id, size, mtime_ns, content_key, width, height, taken_at, format, "
    "status, embedding, model_id, vec_seq, indexed_at) "
    "SELECT ?, ?, ?, ?, content_key, width, height, taken_at, format, status, embedding, model_id, ?, ? "
    "FROM images WHERE id = ? "
    "ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size, "
    "mtime_ns = excluded.mtime_ns, content_key = excluded.content_key, width = excluded.width, "
    "height = excluded.height, taken_at = excluded.taken_at, format = excluded.format, "
    "status = excluded.status, error = NULL, embedding = excluded.embedding, model_id = excluded.model_id, "
    "offline = 0, vec_seq = excluded.vec_seq, indexed_at = excluded.indexed_at RETURNING id"
)


class PipelineWrites:
    # Provided by Catalog.
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        raise NotImplementedError

    def apply_scan_changes(
        self,
        moved: Sequence[NewPath] = (),
        copied: Sequence[NewPath] = (),
        removed: Sequence[int] = (),
        pending: Iterable[tuple[str, int, int, int]] = (),
    ) -> list[int]:
        """What a scan found, in one transaction: photos moved to a new path (they keep their
        row), copies (a new row sharing the source's embedding), rows whose file is gone, and
        new or changed files (path, root_id, size, mtime_ns) to encode. Returns the copies' ids."""
        with self.transaction() as conn:
            for move in moved:
                self._move_image(conn, move)
            copy_ids = [self._copy_image(conn, copy) for copy in copied]
            self._delete_images(conn, removed)
            self._add_pending(conn, pending)
            kill_point("scan")  # crash tests only; inert unless CLIPDESK_TEST_KILL_AT is set
        return copy_ids

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
                    _UPSERT_ENCODED,
                    (
                        *(item.path, item.root_id, item.size, item.mtime_ns, item.content_key),
                        *(item.width, item.height, item.taken_at, item.format, vec, model_id, seq, now),
                    ),
                ).fetchone()
                ids[item.path] = row[0]
            if encoded:
                conn.executemany("DELETE FROM vector_tombstones WHERE id = ?", [(i,) for i in ids.values()])
            failed_ids = []
            for bad in failed:
                row = conn.execute(
                    _UPSERT_FAILED,
                    (bad.path, bad.root_id, bad.size, bad.mtime_ns, bad.content_key, bad.error, now),
                ).fetchone()
                failed_ids.append(row[0])
            if failed_ids:
                # A file that became unreadable loses its old vector.
                self._tombstone(conn, failed_ids)
            kill_point("commit")  # crash tests only; inert unless CLIPDESK_TEST_KILL_AT is set
        return ids

    def move_image(self, image_id: int, new_path: str, root_id: int, size: int, mtime_ns: int) -> None:
        with self.transaction() as conn:
            self._move_image(conn, NewPath(image_id, new_path, root_id, size, mtime_ns))

    def delete_images(self, ids: Sequence[int]) -> None:
        if ids:
            with self.transaction() as conn:
                self._delete_images(conn, ids)

    def mark_model(self, model_id: str) -> bool:
        """Record the active model; if it changed, every embedding is stale and the
        vector index must be rebuilt. Returns True on a change."""
        if self.get_meta(meta.MODEL_ID) == model_id:
            return False  # a read, not the write lock: a long write (offline flags) may be under way
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (meta.MODEL_ID,)).fetchone()
            if row and row[0] == model_id:
                return False
            self._set_meta(conn, meta.MODEL_ID, model_id)
            conn.execute("DELETE FROM meta WHERE key = ?", (meta.MODEL_DIM,))
            if row is not None:
                # Keep rows and old vectors until re-encoded; they leave the index meanwhile.
                conn.execute("UPDATE images SET status = 'pending' WHERE status = 'indexed'")
                self._next_seq(conn)
            return row is not None

    # -- inside a transaction ------------------------------------------------------------------

    def _set_meta(self, conn: sqlite3.Connection, key: str, value: str | None) -> None:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _next_seq(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (meta.CHANGE_SEQ,)).fetchone()
        seq = int(row[0]) + 1 if row else 1
        self._set_meta(conn, meta.CHANGE_SEQ, str(seq))
        return seq

    def _add_pending(self, conn: sqlite3.Connection, rows: Iterable[tuple[str, int, int, int]]) -> None:
        """Register discovered files (path, root_id, size, mtime_ns) before encoding, so a
        killed run knows what is left to do."""
        conn.executemany(
            "INSERT INTO images(path, root_id, size, mtime_ns, status) VALUES (?, ?, ?, ?, 'pending') "
            "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "root_id = excluded.root_id, status = 'pending', error = NULL, offline = 0",
            rows,
        )

    def _move_image(self, conn: sqlite3.Connection, move: NewPath) -> None:
        # A stale row may already sit at the destination (file replaced by a move).
        clash = conn.execute("SELECT id FROM images WHERE path = ? AND id != ?", (move.path, move.image_id)).fetchall()
        if clash:
            self._delete_images(conn, [clash[0][0]])
        conn.execute(
            "UPDATE images SET path = ?, root_id = ?, size = ?, mtime_ns = ?, offline = 0 WHERE id = ?",
            (move.path, move.root_id, move.size, move.mtime_ns, move.image_id),
        )

    def _copy_image(self, conn: sqlite3.Connection, copy: NewPath) -> int:
        """A duplicate of an indexed photo: new row, same embedding, no re-encode."""
        seq = self._next_seq(conn)
        row = conn.execute(
            _COPY, (copy.path, copy.root_id, copy.size, copy.mtime_ns, seq, time.time(), copy.image_id)
        ).fetchone()
        return int(row[0])

    def _tombstone(self, conn: sqlite3.Connection, ids: Sequence[int]) -> None:
        seq = self._next_seq(conn)
        conn.executemany("INSERT OR REPLACE INTO vector_tombstones(id, seq) VALUES (?, ?)", [(i, seq) for i in ids])

    def _delete_images(self, conn: sqlite3.Connection, ids: Sequence[int]) -> None:
        if not ids:
            return
        self._tombstone(conn, ids)
        conn.executemany("DELETE FROM images WHERE id = ?", [(i,) for i in ids])
