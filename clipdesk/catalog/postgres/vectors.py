"""Vectors in the shared library: stored as pgvector `halfvec`, searched by the server's HNSW index.

The column holds any model's vectors, so the index is an expression index per model: over
`embedding::halfvec(D)` for that model's indexed rows, created once the model's dimension is known.
A search names the same expression and predicate (the model id as a literal: a parameter would
hide the predicate from the planner), so PostgreSQL walks that index. Inner product ops: vectors
are unit length, and a query with "-terms" is not, whose ranking is the inner product's.
Filtered searches use pgvector's iterative scans (>= 0.8): the walk goes on until enough rows pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import numpy as np
import psycopg
from pgvector import HalfVector
from psycopg import sql

from ..filters import Filters
from ..records import chunks
from .filters import filter_sql
from .roots import RootMap

T = TypeVar("T")
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 200
EF_SEARCH_MAX = 1000  # pgvector's limit for hnsw.ef_search
EXACT_LIMIT = 20_000  # a filter this narrow is searched exactly, without the index
MAX_SCAN_TUPLES = 5_000_000  # the most rows a filtered index walk may visit


def index_name(model_id: str, dim: int) -> str:
    return f"photos_hnsw_{hashlib.sha1(model_id.encode()).hexdigest()[:12]}_{int(dim)}"


def _as_array(value: object) -> np.ndarray:
    if isinstance(value, HalfVector):
        return np.asarray(value.to_numpy(), dtype=np.float32)
    return np.asarray(value, dtype=np.float32)


class PgVectors:
    # Provided by PgCatalog.
    machine_id: str

    def root_map(self) -> RootMap:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def _read(self, fn: Callable[[psycopg.Connection], T]) -> T:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        raise NotImplementedError

    # -- the index -------------------------------------------------------------------------------

    def ensure_vector_index(self, model_id: str, dim: int) -> bool:
        """Create the model's HNSW index if it is missing (built concurrently: writers go on); True if built now."""
        name = index_name(model_id, dim)
        if self.query("SELECT 1 FROM pg_indexes WHERE indexname = %s", (name,)):
            return False
        statement = sql.SQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON photos USING hnsw "
            "((embedding::halfvec({dim})) halfvec_ip_ops) WITH (m = {m}, ef_construction = {efc}) "
            "WHERE model_id = {model} AND status = 'indexed'"
        ).format(
            name=sql.Identifier(name),
            dim=sql.Literal(int(dim)),
            m=sql.Literal(HNSW_M),
            efc=sql.Literal(HNSW_EF_CONSTRUCTION),
            model=sql.Literal(model_id),
        )
        self._read(lambda conn: conn.execute(statement))  # autocommit: CONCURRENTLY runs outside a transaction
        return True

    def vector_search(
        self,
        model_id: str,
        dim: int,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        ef: int = 40,
        library_size: int = 0,
        filters: Filters | None = None,
        passing: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, inner products) best first among the model's indexed photos that pass `filters`
        (applied in the server's query) or are `allowed` (ids; the filters are the way to search a library).

        `passing`: how many photos pass (counted here if not given). A filter keeping at most EXACT_LIMIT
        photos is searched exactly; a wider one walks the index until k rows passed: about
        k x library_size / passing rows (pgvector stops at hnsw.max_scan_tuples, raised so it fills its page)."""
        statement, params, passing = self._vector_query(model_id, dim, query, k, allowed, filters, passing)
        rows = self._read(lambda conn: self._run_search(conn, statement, params, k, ef, passing, library_size))
        rows.sort(key=lambda r: (r[1], r[0]))  # relaxed order: nearly sorted, so sort once more
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        scores = np.fromiter((-r[1] for r in rows), dtype=np.float32, count=len(rows))
        return ids, scores

    def explain_vector_search(
        self, model_id: str, dim: int, query: np.ndarray, k: int, filters: Filters, ef: int = 40, library_size: int = 0
    ) -> str:
        """The server's plan for `vector_search` with these filters (tests and the bench read it)."""
        statement, params, passing = self._vector_query(model_id, dim, query, k, None, filters, None)
        explain = sql.SQL("EXPLAIN {}").format(statement)
        rows = self._read(lambda conn: self._run_search(conn, explain, params, k, ef, passing, library_size))
        return "\n".join(str(r[0]) for r in rows)

    def filtered_count(self, model_id: str, filters: Filters) -> int:
        """How many of the model's indexed photos pass the filters (counted in the server)."""
        where, params = filter_sql(filters, self)
        rows = self.query(
            f"SELECT COUNT(*) FROM photos p WHERE p.status = 'indexed' AND p.model_id = %s AND {where}",
            (model_id, *params),
        )
        return int(rows[0][0])

    def passing_filters(self, ids: np.ndarray, filters: Filters) -> np.ndarray:
        """Those of these photo ids that pass the filters, in the order given."""
        where, params = filter_sql(filters, self)
        keep: set[int] = set()
        for chunk in chunks([int(i) for i in ids], 1000):
            rows = self.query(f"SELECT p.id FROM photos p WHERE p.id = ANY(%s) AND {where}", (chunk, *params))
            keep.update(int(r[0]) for r in rows)
        return np.asarray([i for i in np.asarray(ids, dtype=np.int64).tolist() if i in keep], dtype=np.int64)

    def _vector_query(
        self,
        model_id: str,
        dim: int,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None,
        filters: Filters | None,
        passing: int | None,
    ) -> tuple[sql.Composed, list[object], int | None]:
        """The search's statement and parameters, and how many photos pass its filters (None: no filter)."""
        vec = HalfVector(np.asarray(query, dtype=np.float32).reshape(-1))
        distance = sql.SQL("(p.embedding::halfvec({dim}) <#> %s::halfvec({dim}))").format(dim=sql.Literal(int(dim)))
        # The index's own predicate, spelled as it is (the model id a literal), so the planner sees it holds.
        where = sql.SQL("p.model_id = {model} AND p.status = 'indexed'").format(model=sql.Literal(model_id))
        where_params: list[object] = []
        if filters is not None and not filters.is_empty():
            clause, where_params = filter_sql(filters, self)
            where = sql.SQL("{} AND {}").format(where, sql.SQL(clause))  # our own text
            if passing is None:
                passing = self.filtered_count(model_id, filters)
        elif allowed is not None:
            where = sql.SQL("{} AND p.id = ANY(%s)").format(where)
            where_params = [np.asarray(allowed, dtype=np.int64).tolist()]
            passing = len(allowed)
        else:
            passing = None
        statement = sql.SQL("SELECT p.id, {d} FROM photos p WHERE {w} ORDER BY {d} LIMIT %s").format(
            d=distance, w=where
        )
        return statement, [vec, *where_params, vec, int(k)], passing

    @staticmethod
    def _run_search(
        conn: psycopg.Connection,
        statement: sql.Composed,
        params: list[object],
        k: int,
        ef: int,
        passing: int | None,
        library_size: int,
    ) -> list[tuple]:
        with conn.transaction():
            if passing is not None and passing <= EXACT_LIMIT:
                conn.execute("SET LOCAL enable_indexscan = off")  # exact: a narrow filter reads its few rows
            else:
                conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(min(EF_SEARCH_MAX, max(ef, k, 1))),))
                if passing is not None:
                    conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                    walk = 4 * k * max(library_size, passing) // max(passing, 1)
                    conn.execute(
                        "SELECT set_config('hnsw.max_scan_tuples', %s, true)",
                        (str(min(MAX_SCAN_TUPLES, max(20_000, walk))),),
                    )
            return conn.execute(statement, params).fetchall()

    def sample_vectors(self, model_id: str, n: int) -> np.ndarray:
        """About n of the model's stored vectors drawn at random in the server (all of them if they are
        fewer): random ids in the id range looked up by primary key, so no list of every id is read."""
        low, high = self.query("SELECT min(id), max(id) FROM photos")[0]
        count = self.indexed_count(model_id)
        if low is None or not count:
            return np.zeros((0, 0), np.float32)
        if count <= n:
            rows = self.query(
                "SELECT embedding FROM photos WHERE status = 'indexed' AND model_id = %s ORDER BY id", (model_id,)
            )
        else:
            # Each id in the range is drawn alike, so the indexed ones met are a uniform sample; enough
            # draws for the range's gaps (pending, failed, other models, deleted) to leave about n.
            draws = min(50 * n, int(1.5 * n * (high - low + 1) / count) + 64)
            rows = self.query(
                "SELECT p.embedding FROM photos p JOIN (SELECT DISTINCT (%s + floor(random() * %s))::bigint AS id "
                "FROM generate_series(1, %s)) d ON d.id = p.id WHERE p.status = 'indexed' AND p.model_id = %s "
                "ORDER BY random() LIMIT %s",
                (int(low), int(high - low + 1), draws, model_id, int(n)),
            )
        return np.stack([_as_array(r[0]) for r in rows]) if rows else np.zeros((0, 0), np.float32)

    def indexed_count(self, model_id: str) -> int:
        rows = self.query("SELECT COUNT(*) FROM photos WHERE status = 'indexed' AND model_id = %s", (model_id,))
        return int(rows[0][0])

    # -- vectors as the SQLite catalog hands them out ------------------------------------------------

    def iter_embeddings(
        self, model_id: str, since_seq: int = 0, chunk: int = 20000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = -1
        while True:
            rows = self.query(
                "SELECT id, embedding FROM photos WHERE status = 'indexed' AND model_id = %s AND vec_seq > %s "
                "AND id > %s ORDER BY id LIMIT %s",
                (model_id, since_seq, last, chunk),
            )
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            last = int(ids[-1])
            yield ids, np.stack([_as_array(r[1]) for r in rows])

    def live_vector_ids(self, model_id: str) -> np.ndarray:
        rows = self.query("SELECT id FROM photos WHERE status = 'indexed' AND model_id = %s ORDER BY id", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def tombstones_since(self, seq: int) -> list[int]:
        return []  # nothing to catch up: the server's index changes with its rows

    def prune_tombstones(self, upto_seq: int) -> None:
        pass

    def embedding_of(self, image_id: int) -> np.ndarray | None:
        rows = self.query("SELECT embedding FROM photos WHERE id = %s AND status = 'indexed'", (int(image_id),))
        if not rows or rows[0][0] is None:
            return None
        return _as_array(rows[0][0])

    def embeddings_of(self, ids: Sequence[int], model_id: str) -> tuple[list[int], np.ndarray]:
        """Stored vectors of these photos that are indexed with this model, in id order."""
        found: list[tuple[int, np.ndarray]] = []
        for chunk in chunks([int(i) for i in ids], 1000):
            found += [
                (int(r[0]), _as_array(r[1]))
                for r in self.query(
                    "SELECT id, embedding FROM photos WHERE id = ANY(%s) AND status = 'indexed' AND model_id = %s",
                    (chunk, model_id),
                )
            ]
        found.sort(key=lambda item: item[0])
        if not found:
            return [], np.empty((0, 0), np.float32)
        return [i for i, _ in found], np.stack([v for _, v in found])

    def vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        """Vectors of these indexed photos, in the order given (missing ones left out)."""
        found = dict(
            (int(r[0]), _as_array(r[1]))
            for r in self.query(
                "SELECT id, embedding FROM photos WHERE id = ANY(%s) AND status = 'indexed'", ([int(i) for i in ids],)
            )
        )
        rows = [found[int(i)] for i in ids if int(i) in found]
        return np.stack(rows) if rows else np.zeros((0, 0), np.float32)
