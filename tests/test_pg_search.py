"""Search inside the shared library's server: the HNSW index is used, and agrees with exact search,
with and without a filter (a selective filter still fills its page through pgvector's iterative scan)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest
from pgvector import HalfVector
from pgvector.psycopg import register_vector

from clipdesk.catalog import EncodedImage, Filters
from clipdesk.catalog.postgres import PgCatalog
from clipdesk.catalog.postgres import vectors as pg_vectors
from clipdesk.index.hnsw import IndexParams
from clipdesk.index.server_vectors import ServerVectorStore
from clipdesk.search.background import BackgroundSample
from clipdesk.search.scope import ServerScope, filter_scope, search_in

N, DIM = 2000, 16


@pytest.fixture
def filled(pg_url):
    catalog = PgCatalog(pg_url, "m1", worker_id="m1:test:0")
    root = catalog.add_root("/p")
    catalog.apply_scan_changes(pending=[(f"/p/{i:05d}.jpg", root.id, 1, 1) for i in range(N)])
    catalog.mark_model("model")
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(N, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    by_id: dict[int, np.ndarray] = {}
    while claimed := catalog.claim_pending("model", 500):
        rows = [EncodedImage(p, r, 1, 1, p, 1, 1, None, "JPEG", vectors[int(p[3:8])]) for _, p, r in claimed]
        written = catalog.commit_batch(rows, [], "model")
        by_id.update({written[row.path]: row.embedding for row in rows})
    store = ServerVectorStore(catalog, Path("/nonexistent"), IndexParams())
    index = store.ensure_open("model", DIM)
    ids = np.array(sorted(by_id))
    matrix = np.stack([by_id[i] for i in ids]).astype(np.float16).astype(np.float32)  # as halfvec stores them
    yield catalog, index, ids, matrix
    catalog.close()


def _exact(query, ids, matrix, k):
    scores = matrix @ query
    top = np.argsort(-scores, kind="stable")[:k]
    return ids[top]


def test_the_index_is_used_and_agrees_with_exact_search(filled, pg_url):
    _catalog, index, ids, matrix = filled
    assert len(index) == N and index.dim == DIM
    rng = np.random.default_rng(1)
    recalls = []
    for _ in range(20):
        query = rng.normal(size=DIM).astype(np.float32)
        found, scores = index.search(query, 10)
        assert list(scores) == sorted(scores, reverse=True) and len(found) == 10
        recalls.append(len(set(found) & set(_exact(query, ids, matrix, 10))) / 10)
    assert np.mean(recalls) >= 0.95
    with psycopg.connect(pg_url) as conn:
        register_vector(conn)
        name = pg_vectors.index_name("model", DIM)
        plan = conn.execute(
            f"EXPLAIN SELECT id FROM photos WHERE model_id = 'model' AND status = 'indexed' "
            f"ORDER BY embedding::halfvec({DIM}) <#> %s::halfvec({DIM}) LIMIT 10",
            (HalfVector(np.ones(DIM, dtype=np.float32)),),
        ).fetchall()
    assert name in " ".join(r[0] for r in plan)


@pytest.mark.parametrize("exact_limit", [20_000, 10])  # exact inside the server, and the filtered index walk
def test_filtered_search_fills_its_page(filled, monkeypatch, exact_limit):
    _catalog, index, ids, matrix = filled
    monkeypatch.setattr(pg_vectors, "EXACT_LIMIT", exact_limit)
    allowed_mask = np.zeros(len(ids), dtype=bool)
    allowed_mask[::25] = True  # 4% of the library
    allowed = ids[allowed_mask]
    rng = np.random.default_rng(2)
    recalls = []
    for _ in range(10):
        query = rng.normal(size=DIM).astype(np.float32)
        found, _scores = index.search(query, 20, allowed)
        assert len(found) == 20 and set(found) <= set(allowed)
        recalls.append(len(set(found) & set(_exact(query, allowed, matrix[allowed_mask], 20))) / 20)
    assert np.mean(recalls) >= (0.999 if exact_limit > len(allowed) else 0.9)


BIG = 10_000  # 1% of it is a page of 20 five times over


def _number(path: str) -> int:
    return int(path.rsplit("/", 1)[1].split(".")[0])


@pytest.fixture
def big_library(pg_url):
    """BIG photos; every 100th is a HEIF under /p/rare/ (1% of the library), dated by its number."""
    catalog = PgCatalog(pg_url, "m1", worker_id="m1:test:0")
    root = catalog.add_root("/p")

    def path(i: int) -> str:
        return f"/p/rare/{i:05d}.heic" if i % 100 == 0 else f"/p/common/{i:05d}.jpg"

    catalog.apply_scan_changes(pending=[(path(i), root.id, 1, 1) for i in range(BIG)])
    catalog.mark_model("model")
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(BIG, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    by_id: dict[int, tuple[int, np.ndarray]] = {}
    while claimed := catalog.claim_pending("model", 1000):
        rows = []
        for _, p, r in claimed:
            i = _number(p)
            fmt = "HEIF" if i % 100 == 0 else "JPEG"
            rows.append(EncodedImage(p, r, 1, 1, p, 1, 1, 1_600_000_000.0 + i, fmt, vectors[i]))
        written = catalog.commit_batch(rows, [], "model")
        by_id.update({written[row.path]: (_number(row.path), row.embedding) for row in rows})
    index = ServerVectorStore(catalog, Path("/nonexistent"), IndexParams()).ensure_open("model", DIM)
    ids = np.array(sorted(by_id))
    numbers = np.array([by_id[i][0] for i in ids])
    matrix = np.stack([by_id[i][1] for i in ids]).astype(np.float16).astype(np.float32)
    yield catalog, index, ids, numbers, matrix
    catalog.close()


FILTERS = {  # each keeps the 1% that are HEIF under /p/rare/, or a part of it
    "format": (Filters(formats=("heif",)), lambda n: n % 100 == 0),
    "folder": (Filters(folders=("/p/rare",)), lambda n: n % 100 == 0),
    "folder+date+online": (
        Filters(folders=("/p/rare",), date_from=1_600_000_000.0 + 2000, include_offline=False),
        lambda n: (n % 100 == 0) & (n >= 2000),
    ),
}


def test_sql_filters_fill_a_page_in_the_server_with_no_id_list(big_library, monkeypatch):
    catalog, index, ids, numbers, matrix = big_library
    for name, (filters, keeps) in FILTERS.items():
        kept = keeps(numbers)
        assert 0 < kept.sum() <= BIG // 100, name
        for exact_limit in (20_000, 10):  # exact inside the server, and the filtered index walk
            monkeypatch.setattr(pg_vectors, "EXACT_LIMIT", exact_limit)
            scope = filter_scope(catalog, index, filters, "model")
            assert isinstance(scope, ServerScope) and len(scope) == kept.sum()  # counted in the server
            rng = np.random.default_rng(3)
            recalls = []
            for _ in range(10):
                query = rng.normal(size=DIM).astype(np.float32)
                found, scores = search_in(index, scope, query, 20, None)
                assert len(found) == 20 and set(found) <= set(ids[kept]), name  # a full page, all passing
                assert list(scores) == sorted(scores, reverse=True)
                recalls.append(len(set(found) & set(_exact(query, ids[kept], matrix[kept], 20))) / 20)
            assert np.mean(recalls) >= (0.999 if exact_limit > kept.sum() else 0.9), (name, exact_limit)
            # The query the server runs holds the filters themselves, not a list of ids sent from here.
            plan = catalog.explain_vector_search("model", DIM, query, 20, filters, library_size=BIG)
            assert "id = ANY" not in plan and ("format" in plan or "rel_path" in plan), plan
            walks_the_index = pg_vectors.index_name("model", DIM) in plan
            assert walks_the_index == (exact_limit < kept.sum()), plan
    nothing = filter_scope(catalog, index, Filters(formats=("png",)), "model")
    assert len(nothing) == 0 and not len(search_in(index, nothing, np.ones(DIM, dtype=np.float32), 20, None)[0])


def test_the_best_match_background_is_drawn_in_the_server(filled, monkeypatch):
    _catalog, index, ids, matrix = filled
    monkeypatch.setattr(index, "id_array", None)  # the old way read every id: it must not be needed
    sample = BackgroundSample(size=500)
    query = np.ones(DIM, dtype=np.float32)
    scores = sample.scores(index, "model", query)
    assert 450 <= len(scores) <= 500 and sample.draws == 1
    drawn = sample.vectors(index, "model")
    rows = [int(np.argmin(np.abs(matrix - v).sum(axis=1))) for v in drawn]
    assert np.allclose(matrix[rows], drawn, atol=1e-3) and len(set(rows)) == len(rows)  # stored, distinct
    assert 0.4 < np.mean(np.array(rows) < len(ids) // 2) < 0.6  # from all over the library
    assert np.allclose(scores, drawn @ query, atol=1e-4)
    sample.scores(index, "model", query)
    assert sample.draws == 1  # kept until the library changes
    small = BackgroundSample(size=5000)  # a library that fits in the sample is all of it
    assert len(small.vectors(index, "model")) == N
