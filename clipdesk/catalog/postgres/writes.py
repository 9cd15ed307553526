"""The shared library's writes: what a scan found, the queue of photos to encode, and encoded batches.

The queue: a pending photo is free, or claimed by one worker until its lease ends. `claim_pending`
takes free photos with `FOR UPDATE SKIP LOCKED` (two workers never get the same one) and leases
them; `commit_batch` writes a photo only while its worker still holds the lease, so a worker that
was stopped for longer than the lease (its photos went to another) cannot overwrite newer work.
A killed worker's photos come back to the queue when their lease ends.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg
from pgvector import HalfVector

from ...killpoint import kill_point
from .. import meta
from ..records import EncodedImage, FailedImage, NewPath

if TYPE_CHECKING:
    from .roots import RootMap

# Photos this machine can read: their root is enabled and mapped (and reachable) here.
_READABLE = (
    "JOIN roots r ON r.id = q.root_id AND r.enabled "
    "JOIN root_paths rq ON rq.root_id = q.root_id AND rq.machine = %s AND rq.online"
)
_TO_ENCODE = "(q.status = 'pending' OR (q.status = 'indexed' AND q.model_id IS DISTINCT FROM %s))"
_UNLEASED = "(q.lease_until IS NULL OR q.lease_until < now())"
_FREE = "(q.lease_until IS NULL OR q.lease_until < now() OR q.claimed_by = %s)"  # or held by this worker
_HOLDS_LEASE = "claimed_by = %s AND lease_until > now()"
_COPY = (
    "INSERT INTO photos(root_id, rel_path, size, mtime_ns, content_key, width, height, taken_at, format, "
    "status, embedding, model_id, vec_seq, indexed_at) "
    "SELECT %s, %s, %s, %s, content_key, width, height, taken_at, format, status, embedding, model_id, %s, %s "
    "FROM photos WHERE id = %s "
    "ON CONFLICT (root_id, rel_path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
    "content_key = excluded.content_key, width = excluded.width, height = excluded.height, "
    "taken_at = excluded.taken_at, format = excluded.format, status = excluded.status, error = NULL, "
    "embedding = excluded.embedding, model_id = excluded.model_id, vec_seq = excluded.vec_seq, "
    "indexed_at = excluded.indexed_at, claimed_by = NULL, lease_until = NULL RETURNING id"
)


class PgWrites:
    # Provided by PgCatalog.
    machine_id: str
    worker_id: str
    lease_s: float

    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        raise NotImplementedError

    def root_map(self) -> RootMap:
        raise NotImplementedError

    def _set_meta(self, conn: psycopg.Connection, key: str, value: str | None) -> None:
        raise NotImplementedError

    # -- scans ---------------------------------------------------------------------------------

    def apply_scan_changes(
        self,
        moved: Sequence[NewPath] = (),
        copied: Sequence[NewPath] = (),
        removed: Sequence[int] = (),
        pending: Iterable[tuple[str, int, int, int]] = (),
    ) -> list[int]:
        """What a scan found, in one transaction (see the SQLite catalog's writes.py); returns the copies' ids."""
        roots = self.root_map()
        with self.transaction() as conn:
            for move in moved:
                self._move_image(conn, roots, move)
            copy_ids = [self._copy_image(conn, roots, copy) for copy in copied]
            self._delete_images(conn, removed)
            rows = [(*self._split(roots, path), size, mtime_ns) for path, _root_id, size, mtime_ns in pending]
            if rows:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO photos(root_id, rel_path, size, mtime_ns, status) "
                        "VALUES (%s, %s, %s, %s, 'pending') "
                        "ON CONFLICT (root_id, rel_path) DO UPDATE SET size = excluded.size, "
                        "mtime_ns = excluded.mtime_ns, status = 'pending', error = NULL, "
                        "claimed_by = NULL, lease_until = NULL "
                        # Another machine's scan of the same share may have queued (or encoded) this very
                        # version already: only a file that changed since goes back to the queue.
                        "WHERE (photos.size, photos.mtime_ns) IS DISTINCT FROM (excluded.size, excluded.mtime_ns)",
                        rows,
                    )
            kill_point("scan")
        return copy_ids

    def _split(self, roots: RootMap, path: str) -> tuple[int, str]:
        found = roots.split(path)
        if found is None:
            raise ValueError(f"{path} is in no folder of the shared library on this machine")
        return found

    def _move_image(self, conn: psycopg.Connection, roots: RootMap, move: NewPath) -> None:
        root_id, rel = self._split(roots, move.path)
        clash = conn.execute(
            "SELECT id FROM photos WHERE root_id = %s AND rel_path = %s AND id != %s", (root_id, rel, move.image_id)
        ).fetchall()
        if clash:
            self._delete_images(conn, [clash[0][0]])
        conn.execute(
            "UPDATE photos SET root_id = %s, rel_path = %s, size = %s, mtime_ns = %s WHERE id = %s",
            (root_id, rel, move.size, move.mtime_ns, move.image_id),
        )

    def _copy_image(self, conn: psycopg.Connection, roots: RootMap, copy: NewPath) -> int:
        root_id, rel = self._split(roots, copy.path)
        seq = self._next_seq(conn)
        row = conn.execute(_COPY, (root_id, rel, copy.size, copy.mtime_ns, seq, time.time(), copy.image_id)).fetchone()
        assert row is not None
        return int(row[0])

    def move_image(self, image_id: int, new_path: str, root_id: int, size: int, mtime_ns: int) -> None:
        roots = self.root_map()
        with self.transaction() as conn:
            self._move_image(conn, roots, NewPath(image_id, new_path, root_id, size, mtime_ns))

    def delete_images(self, ids: Sequence[int]) -> None:
        if ids:
            with self.transaction() as conn:
                self._delete_images(conn, ids)

    def _delete_images(self, conn: psycopg.Connection, ids: Sequence[int]) -> None:
        if ids:
            conn.execute("DELETE FROM photos WHERE id = ANY(%s)", ([int(i) for i in ids],))

    def _next_seq(self, conn: psycopg.Connection) -> int:
        # A row lock held to the commit: a reader of change_seq never sees a number whose rows are not yet visible.
        row = conn.execute(
            "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = %s RETURNING value", (meta.CHANGE_SEQ,)
        ).fetchone()
        assert row is not None
        return int(row[0])

    # -- the queue -------------------------------------------------------------------------------

    def pending_ids(self, model_id: str, limit: int | None = None) -> list[tuple[int, str, int]]:
        """Photos still to encode that this machine can read and no other worker holds: (id, path, root_id)."""
        sql = (
            f"SELECT q.id, rq.path || '/' || q.rel_path, q.root_id FROM photos q {_READABLE} "
            f"WHERE {_TO_ENCODE} AND {_FREE} ORDER BY q.id"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = self.query(sql, (self.machine_id, model_id, self.worker_id))
        return [(int(r[0]), r[1], int(r[2])) for r in rows]

    def claim_pending(self, model_id: str, limit: int, after_id: int = 0) -> list[tuple[int, str, int]]:
        """Lease up to `limit` photos to encode (ids above `after_id`) to this worker: (id, path, root_id).

        The photos this worker still holds get a fresh lease too: asking for more is its heartbeat, so a
        lease can be short (a dead worker's photos come back soon) and still outlast a slow batch. A pass's
        first claim (after_id 0) first gives back what this worker held from an earlier pass: none of it is
        in flight any more (a pass that failed, say while the server restarted, left it claimed)."""
        with self.transaction() as conn:
            if not after_id:
                conn.execute(
                    "UPDATE photos SET claimed_by = NULL, lease_until = NULL "
                    "WHERE claimed_by = %s AND claimed_by IS NOT NULL",
                    (self.worker_id,),
                )
            conn.execute(
                "UPDATE photos SET lease_until = now() + make_interval(secs => %s) "
                "WHERE claimed_by = %s AND claimed_by IS NOT NULL",
                (self.lease_s, self.worker_id),
            )
            rows = conn.execute(
                "UPDATE photos p SET claimed_by = %s, lease_until = now() + make_interval(secs => %s) "
                "FROM root_paths rp WHERE rp.root_id = p.root_id AND rp.machine = %s AND p.id IN ("
                f"SELECT q.id FROM photos q {_READABLE} WHERE {_TO_ENCODE} AND {_UNLEASED} AND q.id > %s "
                "ORDER BY q.id LIMIT %s FOR UPDATE OF q SKIP LOCKED) "
                "RETURNING p.id, rp.path || '/' || p.rel_path, p.root_id",
                (
                    *(self.worker_id, self.lease_s, self.machine_id),
                    *(self.machine_id, model_id, int(after_id), int(limit)),
                ),
            ).fetchall()
        return sorted((int(r[0]), r[1], int(r[2])) for r in rows)

    def release_dead_claims(self) -> int:
        """Give back what workers of this machine held when they died (their process is gone): a restart
        here picks their photos up at once instead of after the lease."""
        rows = self.query(
            "SELECT DISTINCT claimed_by FROM photos WHERE claimed_by IS NOT NULL AND claimed_by LIKE %s",
            (self.machine_id + ":%",),
        )
        dead = [r[0] for r in rows if r[0] != self.worker_id and not _alive(r[0])]
        if not dead:
            return 0
        with self.transaction() as conn:
            return conn.execute(
                "UPDATE photos SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = ANY(%s)", (dead,)
            ).rowcount

    def release_claims(self) -> int:
        """Give back what this worker holds and has not committed (a clean stop): others take it at once."""
        with self.transaction() as conn:
            return conn.execute(
                "UPDATE photos SET claimed_by = NULL, lease_until = NULL "
                "WHERE claimed_by = %s AND claimed_by IS NOT NULL",
                (self.worker_id,),
            ).rowcount

    def commit_batch(
        self, encoded: Sequence[EncodedImage], failed: Sequence[FailedImage], model_id: str
    ) -> dict[str, int]:
        """Write one batch in one transaction; returns path -> id of the encoded photos written.

        Only photos whose lease this worker still holds are written: the others went to another worker."""
        now = time.time()
        roots = self.root_map()
        ids: dict[str, int] = {}
        with self.transaction() as conn:
            seq = self._next_seq(conn) if encoded else 0
            for item in encoded:
                root_id, rel = self._split(roots, item.path)
                vec = HalfVector(np.asarray(item.embedding, dtype=np.float32))
                row = conn.execute(
                    "UPDATE photos SET size = %s, mtime_ns = %s, content_key = %s, width = %s, height = %s, "
                    "taken_at = %s, format = %s, status = 'indexed', error = NULL, embedding = %s, model_id = %s, "
                    "vec_seq = %s, indexed_at = %s, claimed_by = NULL, lease_until = NULL "
                    f"WHERE root_id = %s AND rel_path = %s AND {_HOLDS_LEASE} RETURNING id",
                    (
                        *(item.size, item.mtime_ns, item.content_key, item.width, item.height, item.taken_at),
                        *(item.format, vec, model_id, seq, now, root_id, rel, self.worker_id),
                    ),
                ).fetchone()
                if row is not None:
                    ids[item.path] = int(row[0])
            for bad in failed:
                root_id, rel = self._split(roots, bad.path)
                conn.execute(
                    "UPDATE photos SET size = %s, mtime_ns = %s, content_key = %s, status = 'error', error = %s, "
                    "embedding = NULL, indexed_at = %s, claimed_by = NULL, lease_until = NULL "
                    f"WHERE root_id = %s AND rel_path = %s AND {_HOLDS_LEASE}",
                    (bad.size, bad.mtime_ns, bad.content_key, bad.error, now, root_id, rel, self.worker_id),
                )
            kill_point("commit")
        return ids

    def mark_model(self, model_id: str) -> bool:
        """Record the library's model; on a change every photo is encoded again. Returns True on a change."""
        if self.get_meta(meta.MODEL_ID) == model_id:
            return False
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = %s FOR UPDATE", (meta.MODEL_ID,)).fetchone()
            if row and row[0] == model_id:
                return False
            self._set_meta(conn, meta.MODEL_ID, model_id)
            conn.execute("DELETE FROM meta WHERE key = %s", (meta.MODEL_DIM,))
            if row is not None:
                conn.execute("UPDATE photos SET status = 'pending' WHERE status = 'indexed'")
                self._next_seq(conn)
            return row is not None


def _alive(worker_id: str) -> bool:
    """Whether the process named in a worker id of this machine (machine:host:pid[:instance]) still runs."""
    try:
        os.kill(int(worker_id.split(":")[2]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process
    return True
