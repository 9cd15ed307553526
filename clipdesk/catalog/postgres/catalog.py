"""The shared library: the catalog on a PostgreSQL server with pgvector, for several machines at once.

Same surface as the SQLite `Catalog` for what the engine, indexer and searcher use, so they run
unchanged on it. Differences: roots map to a path per machine (roots.py); pending photos form a
queue that workers on any machine claim with a lease (writes.py); vectors are searched inside the
server (vectors.py), so no machine holds an index in memory. Server failures become a CatalogError
(kind "unreachable" when the server cannot be reached), never with the password in them.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from .. import meta
from ..errors import CatalogError
from ..filters import Filters
from ..meta_settings import MetaSettings
from ..records import ImageRecord, Root, ScanEntry, chunks, image_from_row
from . import browse
from .albums import PgAlbums
from .connection import UNREACHABLE, Connections, redact
from .duplicates import PgDuplicates
from .filters import filter_sql
from .labels import PgLabels
from .roots import IMAGE_COLUMNS, JOINS, PATH_SQL, MappedRoot, RootMap
from .schema import migrate
from .text import PgText
from .vectors import PgVectors
from .writes import PgWrites

T = TypeVar("T")
# How long a claimed photo stays a worker's without news from it (each claim renews its leases): a
# batch decodes and encodes well within it, and a killed worker's photos return to the queue after it.
LEASE_S = 120.0


class PgCatalog(PgWrites, PgVectors, PgLabels, PgAlbums, PgDuplicates, PgText, MetaSettings):
    """A shared library at `url`, seen from machine `machine_id` (a stable id kept in the local data dir)."""

    shared = True

    def __init__(self, url: str, machine_id: str, worker_id: str | None = None) -> None:
        self.url = url
        self.display_url = redact(url)
        self.path = None  # no local file: backups and recovery are the server's (pg_dump)
        self.machine_id = machine_id
        # Who holds a claimed batch: machine:host:pid:instance (several workers may run on one machine, and
        # an app may open a new engine while the old one closes).
        self.worker_id = worker_id or f"{machine_id}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_s = LEASE_S
        self._db = Connections(url)
        with self._db.guarded():
            conn = self._db.connect()
            try:
                migrate(conn)
            finally:
                conn.close()
            self._db.on_connect.append(register_vector)
            self._execute(
                "INSERT INTO machines(id, hostname) VALUES (%s, %s) "
                "ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, seen_at = now()",
                (machine_id, socket.gethostname()),
            )
            self.release_dead_claims()

    # -- connections -------------------------------------------------------------------------

    def _read(self, fn: Callable[[psycopg.Connection], T]) -> T:
        """A read; tried once more on a new connection when the old one failed (a server restart)."""
        try:
            with self._db.guarded():
                return fn(self._db.get())
        except CatalogError as exc:
            if exc.kind != UNREACHABLE:
                raise
        with self._db.guarded():
            return fn(self._db.get())

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._read(lambda conn: conn.execute(sql, params).fetchall())

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.transaction() as conn:
            conn.execute(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """One write transaction; everything inside commits together or not at all."""
        with self._db.guarded(), ExitStack() as stack:
            conn = self._db.get()
            try:
                stack.enter_context(conn.transaction())
            except psycopg.OperationalError:
                # The server restarted since this connection was last used: nothing ran yet, so a new
                # connection begins the same transaction.
                self._db.drop_broken()
                conn = self._db.get()
                stack.enter_context(conn.transaction())
            yield conn

    def close(self) -> None:
        """Give back the photos this worker claimed and did not commit (others take them at once), and disconnect."""
        try:
            self.release_claims()
        except CatalogError:
            pass  # the server is away: the leases run out by themselves
        self._db.close()

    def integrity_check(self) -> str:
        return "ok"

    @property
    def where(self) -> str:
        return self._db.where

    # -- meta ----------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = %s", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as conn:
            self._set_meta(conn, key, value)

    def _set_meta(self, conn: psycopg.Connection, key: str, value: str | None) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def change_seq(self) -> int:
        return int(self.get_meta(meta.CHANGE_SEQ, "0") or 0)

    def saved_index(self) -> tuple[str | None, int]:
        return None, -1  # no index file: the server's HNSW index is always current

    def record_saved_index(self, stem: str, watermark: int) -> None:
        pass

    # -- roots -------------------------------------------------------------------------------

    def root_map(self) -> RootMap:
        rows = self.query(
            "SELECT r.id, r.name, rp.path FROM roots r JOIN root_paths rp ON rp.root_id = r.id AND rp.machine = %s",
            (self.machine_id,),
        )
        return RootMap([MappedRoot(int(r[0]), r[1], r[2]) for r in rows])

    def _roots(self, where: str = "TRUE", params: Sequence[Any] = ()) -> list[Root]:
        rows = self.query(
            "SELECT r.id, rp.path, r.enabled, r.excludes, rp.online FROM roots r "
            f"JOIN root_paths rp ON rp.root_id = r.id AND rp.machine = %s WHERE {where} ORDER BY rp.path",
            (self.machine_id, *params),
        )
        return [Root(int(r[0]), r[1], bool(r[2]), tuple(json.loads(r[3] or "[]")), bool(r[4])) for r in rows]

    def roots(self) -> list[Root]:
        """The roots mapped on this machine (others' roots are in `root_names`)."""
        return self._roots()

    def root_names(self) -> dict[str, str | None]:
        """Every root of the library by name, with its path on this machine (None: not mapped here)."""
        rows = self.query(
            "SELECT r.name, rp.path FROM roots r LEFT JOIN root_paths rp ON rp.root_id = r.id AND rp.machine = %s "
            "ORDER BY r.name",
            (self.machine_id,),
        )
        return {r[0]: r[1] for r in rows}

    def root_by_path(self, path: str) -> Root | None:
        found = self._roots("rp.path = %s", (path,))
        return found[0] if found else None

    def add_root(self, path: str, excludes: Iterable[str] = (), name: str | None = None) -> Root:
        """A new root at `path` on this machine, or, with `name`, this machine's path for an existing root
        of that name (a share mounted elsewhere here). A new root's name is the folder's, made unique."""
        with self.transaction() as conn:
            mapped = conn.execute(
                "SELECT root_id FROM root_paths WHERE machine = %s AND path = %s", (self.machine_id, path)
            ).fetchone()
            if mapped is not None:
                conn.execute("UPDATE roots SET enabled = TRUE WHERE id = %s", (mapped[0],))
            else:
                root_id = None
                if name:
                    row = conn.execute("SELECT id FROM roots WHERE name = %s", (name,)).fetchone()
                    root_id = row[0] if row else None
                if root_id is None:
                    root_id = self._new_root(conn, name or os.path.basename(path.rstrip(os.sep)) or path, excludes)
                conn.execute(
                    "INSERT INTO root_paths(root_id, machine, path) VALUES (%s, %s, %s) "
                    "ON CONFLICT (root_id, machine) DO UPDATE SET path = excluded.path, online = TRUE",
                    (root_id, self.machine_id, path),
                )
        root = self.root_by_path(path)
        assert root is not None
        return root

    def _new_root(self, conn: psycopg.Connection, name: str, excludes: Iterable[str]) -> int:
        base, n = name, 1
        while conn.execute("SELECT 1 FROM roots WHERE name = %s", (name,)).fetchone():
            n += 1
            name = f"{base} ({n})"
        row = conn.execute(
            "INSERT INTO roots(name, excludes, added_at) VALUES (%s, %s, %s) RETURNING id",
            (name, json.dumps(list(excludes)), time.time()),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def root_name(self, root_id: int) -> str | None:
        rows = self.query("SELECT name FROM roots WHERE id = %s", (root_id,))
        return rows[0][0] if rows else None

    def set_root_excludes(self, root_id: int, excludes: Iterable[str]) -> None:
        self._execute("UPDATE roots SET excludes = %s WHERE id = %s", (json.dumps(list(excludes)), root_id))

    def set_root_enabled(self, root_id: int, enabled: bool) -> None:
        self._execute("UPDATE roots SET enabled = %s WHERE id = %s", (enabled, root_id))

    def set_root_online(self, root_id: int, online: bool) -> None:
        """Offline here only: the share may be mounted on the other machines."""
        self._execute(
            "UPDATE root_paths SET online = %s WHERE root_id = %s AND machine = %s", (online, root_id, self.machine_id)
        )

    def remove_root(self, root_id: int) -> list[int]:
        """Forget a root on this machine. While other machines still have a path for it, only this machine's
        path goes (their photos stay); the last one forgets the root and its photos. Files are never touched."""
        with self.transaction() as conn:
            conn.execute("SELECT id FROM roots WHERE id = %s FOR UPDATE", (root_id,))
            others = conn.execute(
                "SELECT 1 FROM root_paths WHERE root_id = %s AND machine != %s LIMIT 1", (root_id, self.machine_id)
            ).fetchone()
            if others:
                conn.execute("DELETE FROM root_paths WHERE root_id = %s AND machine = %s", (root_id, self.machine_id))
                return []
            ids = [r[0] for r in conn.execute("SELECT id FROM photos WHERE root_id = %s", (root_id,))]
            self._delete_images(conn, ids)
            conn.execute("DELETE FROM roots WHERE id = %s", (root_id,))
        return ids

    def merge_root(self, inner_id: int, outer_id: int) -> None:
        """A root added around an existing one takes over its photos, their paths made relative to it."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT i.path, o.path FROM root_paths i, root_paths o WHERE i.root_id = %s AND o.root_id = %s "
                "AND i.machine = %s AND o.machine = %s",
                (inner_id, outer_id, self.machine_id, self.machine_id),
            ).fetchone()
            if row is None:
                return
            prefix = row[0][len(row[1].rstrip(os.sep)) + 1 :].replace(os.sep, "/") + "/"
            conn.execute(
                "UPDATE photos SET root_id = %s, rel_path = %s || rel_path WHERE root_id = %s",
                (outer_id, prefix, inner_id),
            )
            conn.execute("DELETE FROM roots WHERE id = %s", (inner_id,))

    def image_counts_by_root(self) -> dict[int, int]:
        return {int(r[0]): int(r[1]) for r in self.query("SELECT root_id, COUNT(*) FROM photos GROUP BY root_id")}

    def root_has_images(self, root_id: int) -> bool:
        return bool(self.query("SELECT 1 FROM photos WHERE root_id = %s LIMIT 1", (root_id,)))

    # -- scan support ------------------------------------------------------------------------

    def _entries(self, where: str, params: Sequence[Any]) -> dict[str, ScanEntry]:
        rows = self.query(
            "SELECT rp.path || '/' || p.rel_path, p.id, p.size, p.mtime_ns, p.status FROM photos p "
            f"JOIN root_paths rp ON rp.root_id = p.root_id AND rp.machine = %s WHERE {where}",
            (self.machine_id, *params),
        )
        return {r[0]: ScanEntry(int(r[1]), int(r[2]), int(r[3]), r[4]) for r in rows}

    def scan_entries(self, root_id: int) -> dict[str, ScanEntry]:
        return self._entries("p.root_id = %s", (root_id,))

    def scan_entries_for_paths(self, paths: Iterable[str]) -> dict[str, ScanEntry]:
        where = self.root_map()
        out: dict[str, ScanEntry] = {}
        split = [s for s in (where.split(p) for p in paths) if s is not None]
        for chunk in chunks(split, 500):
            out.update(
                self._entries(
                    "(p.root_id, p.rel_path) IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))",
                    ([s[0] for s in chunk], [s[1] for s in chunk]),
                )
            )
        return out

    def paths_under(self, folder: str) -> dict[str, ScanEntry]:
        clauses, params = self.root_map().folder_clauses(folder)
        return self._entries(" OR ".join(clauses), params) if clauses else {}

    def reusable_by_content_key(self, keys: Iterable[str], model_id: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(list(set(keys)), 1000):
            for key, image_id in self.query(
                "SELECT content_key, id FROM photos WHERE content_key = ANY(%s) AND status = 'indexed' "
                "AND model_id = %s ORDER BY id",
                (chunk, model_id),
            ):
                out.setdefault(key, int(image_id))
        return out

    # -- reads for search, the library view and status ------------------------------------------

    def images(self, ids: Sequence[int]) -> dict[int, ImageRecord]:
        out: dict[int, ImageRecord] = {}
        for chunk in chunks([int(i) for i in ids], 1000):
            for r in self.query(
                f"SELECT {IMAGE_COLUMNS} FROM photos p {JOINS} WHERE p.id = ANY(%s)", (self.machine_id, chunk)
            ):
                out[int(r[0])] = image_from_row(r)
        return out

    def image_by_path(self, path: str) -> ImageRecord | None:
        where = self.root_map().split(path)
        if where is None:
            return None
        rows = self.query(
            f"SELECT {IMAGE_COLUMNS} FROM photos p {JOINS} WHERE p.root_id = %s AND p.rel_path = %s",
            (self.machine_id, *where),
        )
        return image_from_row(rows[0]) if rows else None

    def filtered_ids(self, filters: Filters, model_id: str) -> np.ndarray:
        where, params = filter_sql(filters, self)
        rows = self.query(
            f"SELECT p.id FROM photos p WHERE p.status = 'indexed' AND p.model_id = %s AND {where}",
            (model_id, *params),
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def browse_ids(self, filters: Filters, offset: int, limit: int) -> list[int]:
        return browse.browse_ids(self, filters, offset, limit)

    def month_counts(self, filters: Filters) -> list[tuple[int, int, int]]:
        return browse.month_counts(self, filters)

    def counts(self, images_by_root: dict[int, int] | None = None) -> dict[str, int]:
        """Photos per status, and how many are offline here (their root unmapped or unreachable on this machine)."""
        out = {"indexed": 0, "pending": 0, "error": 0, "offline": 0}
        for status, n in self.query("SELECT status, COUNT(*) FROM photos GROUP BY status"):
            out[status] = int(n)
        out["offline"] = int(
            self.query(
                "SELECT COUNT(*) FROM photos p LEFT JOIN root_paths rp ON rp.root_id = p.root_id AND rp.machine = %s "
                "WHERE NOT COALESCE(rp.online, FALSE)",
                (self.machine_id,),
            )[0][0]
        )
        out["total"] = out["indexed"] + out["pending"] + out["error"]
        return out

    def errors(self, limit: int | None = None) -> list[tuple[str, str]]:
        sql = f"SELECT {PATH_SQL}, p.error FROM photos p {JOINS} WHERE p.status = 'error' ORDER BY 1"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [(r[0], r[1]) for r in self.query(sql, (self.machine_id,))]
