"""The HNSW index: recall, growth, deletions, thread safety and crash-safe persistence."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from clipdesk.catalog import Catalog, EncodedImage
from clipdesk.index import EXACT_LIMIT, IndexParams, IndexStore, VectorIndex


def clustered(n: int, dim: int, seed: int = 0, clusters: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(clusters, dim))
    x = centers[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> set[int]:
    return set(ids[np.argsort(-(vectors @ q))[:k]].tolist())


def test_recall_at_10_against_exact_search():
    n, dim = EXACT_LIMIT + 10_000, 48  # above the exact limit, so HNSW answers
    vecs = clustered(n, dim)
    ids = np.arange(1, n + 1, dtype=np.int64)
    index = VectorIndex(dim)
    for start in range(0, n, 5000):  # grows from its small initial capacity
        index.add(ids[start : start + 5000], vecs[start : start + 5000])
    assert len(index) == n
    queries = clustered(200, dim, seed=1)
    hits = 0
    for q in queries:
        got, scores = index.search(q, 10)
        assert list(scores) == sorted(scores, reverse=True)
        hits += len(set(got.tolist()) & exact_top(vecs, ids, q, 10))
    recall = hits / (10 * len(queries))
    assert recall >= 0.98, recall


def test_a_per_query_ef_widens_only_that_search():
    """Text queries search wider than the index's ef_search, without changing it for others."""
    n, dim = EXACT_LIMIT + 5_000, 48
    vecs = clustered(n, dim, seed=3)
    ids = np.arange(1, n + 1, dtype=np.int64)
    index = VectorIndex(dim, IndexParams(M=8, ef_construction=40, ef_search=10))  # a deliberately weak index
    index.add(ids, vecs)
    queries = clustered(100, dim, seed=4)

    def recall(ef: int | None) -> float:
        hits = 0
        for q in queries:
            got, scores = index.search(q, 10, ef=ef)
            assert len(got) == 10 and list(scores) == sorted(scores, reverse=True)
            hits += len(set(got.tolist()) & exact_top(vecs, ids, q, 10))
        return hits / (10 * len(queries))

    narrow, wide = recall(None), recall(2000)
    # Multi-threaded insertion makes each build a little different: ~0.16 narrow against 0.98 +- 0.005 wide here,
    # so the bar sits clear of that spread (0.98 itself failed once in a busy run).
    assert wide >= 0.95 and wide - narrow >= 0.5, (narrow, wide)
    assert recall(None) == narrow  # the wide searches left the index's own ef as it was


def test_text_queries_use_the_wider_ef(tmp_path, monkeypatch, tiny_model, make_library):
    from clipdesk.engine import Engine
    from clipdesk.search import SearchRequest

    engine = Engine(tmp_path / "data", str(tiny_model), batch_size=8)
    try:
        engine.add_root(make_library(3))
        engine.index()
        index = engine.store.index
        seen = []
        real = index.search
        monkeypatch.setattr(
            index, "search", lambda q, k, allowed=None, ef=None: (seen.append(ef), real(q, k, allowed, ef))[1]
        )
        engine.search(SearchRequest(text="a dog", limit=5))
        engine.search(SearchRequest(image=int(index.id_array()[0]), limit=5))
        assert seen == [index.params.ef_search_text, None]
    finally:
        engine.close()


def test_small_collections_are_searched_exactly_and_k_is_clamped():
    vecs = clustered(300, 16)
    index = VectorIndex(16)
    index.add(np.arange(300), vecs)
    q = clustered(1, 16, seed=5)[0]
    got, _ = index.search(q, 10)
    assert set(got.tolist()) == exact_top(vecs, np.arange(300), q, 10)
    got, _ = index.search(q, 10_000)
    assert len(got) == 300
    index.remove(list(range(250)))
    got, _ = index.search(q, 10_000)
    assert sorted(got.tolist()) == list(range(250, 300))


def test_deleted_ids_never_come_back_and_readding_revives():
    n, dim = EXACT_LIMIT + 2000, 16
    vecs = clustered(n, dim, seed=2)
    index = VectorIndex(dim)
    index.add(np.arange(n), vecs)
    gone = list(range(0, n, 2))
    index.remove(gone)
    got, _ = index.search(vecs[0], 50)
    assert not set(got.tolist()) & set(gone)
    index.add([0], vecs[:1])
    got, scores = index.search(vecs[0], 1)
    assert got[0] == 0 and scores[0] == pytest.approx(1.0, abs=1e-4)


def test_filter_restricts_results():
    vecs = clustered(EXACT_LIMIT + 5000, 16, seed=3)
    index = VectorIndex(16)
    index.add(np.arange(len(vecs)), vecs)
    allowed = np.arange(0, len(vecs), 7)
    got, _ = index.search(vecs[1], 20, allowed)
    assert len(got) == 20 and all(i % 7 == 0 for i in got)
    few = np.array([3, 10, 11])
    got, _ = index.search(vecs[1], 20, few)
    assert sorted(got.tolist()) == [3, 10, 11]


def test_concurrent_search_and_insert():
    dim = 24
    vecs = clustered(30_000, dim, seed=4)
    index = VectorIndex(dim)
    index.add(np.arange(5000), vecs[:5000])
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                got, scores = index.search(vecs[7], 10)
                assert len(got) == 10 and np.all(np.diff(scores) <= 1e-6)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    for start in range(5000, 30_000, 1000):
        index.add(np.arange(start, start + 1000), vecs[start : start + 1000])
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert len(index) == 30_000


def _catalog_with_vectors(tmp_path, n: int, dim: int, model: str = "m") -> tuple[Catalog, np.ndarray]:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    catalog.mark_model(model)
    root = catalog.add_root(str(tmp_path / "photos"))
    vecs = clustered(n, dim, seed=9)
    items = [
        EncodedImage(str(tmp_path / "photos" / f"{i}.jpg"), root.id, 1, 1, f"k{i}", 1, 1, None, "JPEG", vecs[i])
        for i in range(n)
    ]
    for start in range(0, n, 100):
        catalog.commit_batch(items[start : start + 100], [], model)
    return catalog, vecs


def test_store_saves_atomically_and_loads_with_ef_restored(tmp_path):
    catalog, _ = _catalog_with_vectors(tmp_path, 500, 16)
    params = IndexParams(ef_search=77)
    store = IndexStore(catalog, tmp_path / "index", params)
    store.open("m", 16)
    assert store.last_open == "rebuilt"
    files = sorted(p.name for p in (tmp_path / "index").iterdir())
    assert files == [f"vectors-{catalog.change_seq()}.hnsw", f"vectors-{catalog.change_seq()}.json"]

    again = IndexStore(catalog, tmp_path / "index", params)
    index = again.open("m", 16)
    assert again.last_open == "loaded"
    assert index._index.ef == 77  # hnswlib does not store ef in the file
    assert index.ids() == set(catalog.live_vector_ids("m").tolist())


def test_stale_index_catches_up_from_sqlite(tmp_path):
    catalog, vecs = _catalog_with_vectors(tmp_path, 300, 16)
    store = IndexStore(catalog, tmp_path / "index")
    store.open("m", 16)
    # Changes committed after the save, as if the app was killed before saving again.
    ids = sorted(catalog.live_vector_ids("m").tolist())
    catalog.delete_images(ids[:10])
    root = catalog.roots()[0]
    catalog.commit_batch(
        [EncodedImage(str(tmp_path / "photos" / "new.jpg"), root.id, 1, 1, "new", 1, 1, None, "JPEG", vecs[0])], [], "m"
    )
    again = IndexStore(catalog, tmp_path / "index")
    index = again.open("m", 16)
    assert again.last_open == "caught up"
    assert index.ids() == set(catalog.live_vector_ids("m").tolist())


@pytest.mark.parametrize("damage", ["delete", "truncate", "garbage", "sidecar"])
def test_missing_or_unreadable_index_is_rebuilt(tmp_path, damage):
    catalog, _ = _catalog_with_vectors(tmp_path, 200, 16)
    store = IndexStore(catalog, tmp_path / "index")
    store.open("m", 16)
    stem = tmp_path / "index" / catalog.get_meta("index_stem")
    hnsw = stem.with_suffix(".hnsw")
    if damage == "delete":
        hnsw.unlink()
    elif damage == "truncate":
        hnsw.write_bytes(hnsw.read_bytes()[:1000])
    elif damage == "garbage":
        hnsw.write_bytes(b"\x00garbage" * 1000)
    else:
        stem.with_suffix(".json").write_text("{not json")
    again = IndexStore(catalog, tmp_path / "index")
    index = again.open("m", 16)
    assert again.last_open == "rebuilt"
    assert index.ids() == set(catalog.live_vector_ids("m").tolist())
    assert len(index) == 200


def test_index_for_another_model_is_rebuilt(tmp_path):
    catalog, _ = _catalog_with_vectors(tmp_path, 50, 16)
    IndexStore(catalog, tmp_path / "index").open("m", 16)
    assert catalog.mark_model("other") is True
    store = IndexStore(catalog, tmp_path / "index")
    index = store.open("other", 16)
    assert store.last_open == "rebuilt" and len(index) == 0
