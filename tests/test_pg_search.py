"""Search inside the shared library's server: the HNSW index is used, and agrees with exact search,
with and without a filter (a selective filter still fills its page through pgvector's iterative scan)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest
from pgvector import HalfVector
from pgvector.psycopg import register_vector

from clipdesk.catalog import EncodedImage
from clipdesk.catalog.postgres import PgCatalog
from clipdesk.catalog.postgres import vectors as pg_vectors
from clipdesk.index.hnsw import IndexParams
from clipdesk.index.server_vectors import ServerVectorStore

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
