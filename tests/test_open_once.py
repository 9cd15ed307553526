"""The model and the vector index are opened in one place, once, however many threads ask at once.

Before this was made so, `Indexer.store_ready` tested `store.index is None` while `IndexStore.open`
set it only at its end: the worker at start, a search and the app's model load could each build
the index at the same time (twice the memory and CPU, and the last writer won).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from conftest import make_photo

STORED = 300  # embeddings already in the catalog, no saved index: the first opener builds it
TINY_DIM = 16  # the tiny test model's embedding width


def _catalog_with_embeddings(data: Path, model_id: str, photos: Path) -> int:
    """A catalog as an earlier run left it: a few hundred embeddings of a folder now unplugged
    (kept, offline), plus a folder of new photos waiting to be encoded. Returns one stored id."""
    from clipdesk.catalog import Catalog, EncodedImage

    catalog = Catalog(data / "catalog.sqlite3")
    try:
        gone = catalog.add_root(str(data.parent / "unplugged-drive"))
        catalog.add_root(str(photos))
        catalog.mark_model(model_id)
        catalog.set_meta("model_dim", str(TINY_DIM))
        rng = np.random.default_rng(3)
        vectors = rng.normal(size=(STORED, TINY_DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        encoded = [
            EncodedImage(
                path=f"{gone.path}/img_{i:04d}.jpg",
                root_id=gone.id,
                size=1000 + i,
                mtime_ns=i,
                content_key=f"key-{i}",
                width=64,
                height=48,
                taken_at=None,
                format="JPEG",
                embedding=vectors[i],
            )
            for i in range(STORED)
        ]
        ids = catalog.commit_batch(encoded, [], model_id)
        return next(iter(ids.values()))
    finally:
        catalog.close()


def test_concurrent_callers_open_the_index_exactly_once(tmp_path, tiny_model, monkeypatch):
    from clipdesk.engine import Engine
    from clipdesk.index import IndexStore
    from clipdesk.search import SearchRequest

    data = tmp_path / "data"
    data.mkdir()
    photos = tmp_path / "photos"
    for i in range(3):
        make_photo(photos / f"new_{i}.jpg", seed=i)
    stored_id = _catalog_with_embeddings(data, str(tiny_model), photos)

    opens: list[str] = []
    load_current, rebuild = IndexStore._load_current, IndexStore._rebuild

    def counted_load(self, model_id, dim):
        opens.append(threading.current_thread().name)  # every open starts by looking for a saved index
        return load_current(self, model_id, dim)

    def slow_rebuild(self, model_id, dim):
        threading.Event().wait(0.3)  # a slow disk: keeps the window wide open for the others
        return rebuild(self, model_id, dim)

    monkeypatch.setattr(IndexStore, "_load_current", counted_load)
    monkeypatch.setattr(IndexStore, "_rebuild", slow_rebuild)

    engine = Engine(data, str(tiny_model), batch_size=8, settle_s=0.3)
    try:
        engine.encoder.load()  # the model is ready: every caller goes straight for the index
        go = threading.Barrier(7)
        errors: list[BaseException] = []
        pages = []

        def call(fn):
            def run():
                go.wait()
                try:
                    result = fn()
                    if result is not None:
                        pages.append(result)
                except BaseException as exc:  # reported below, with the thread's failure
                    errors.append(exc)

            return threading.Thread(target=run)

        threads = [call(engine.load_model) for _ in range(2)]
        threads += [call(lambda: engine.search(SearchRequest(text="a dog on a beach", limit=5))) for _ in range(2)]
        threads += [call(lambda: engine.search(SearchRequest(image=stored_id, limit=5))) for _ in range(2)]
        threads += [call(lambda: engine.start(watch=False))]  # its worker encodes the new photos
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert engine.wait_idle(60)

        assert len(opens) == 1, f"the index was opened {len(opens)} times, by {opens}"
        assert engine.store.last_open == "rebuilt"
        assert len(engine.store.index) == STORED + 3  # the stored ones, then the new photos added to it
        assert len(pages) == 4 and all(len(page.hits) == 5 for page in pages)
    finally:
        engine.close()


def test_a_second_model_reopens_the_index(tmp_path, tiny_model):
    """Opened once per model: a store asked for another model's index opens that one."""
    from clipdesk.catalog import Catalog
    from clipdesk.index import IndexStore

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    try:
        store = IndexStore(catalog, tmp_path / "index")
        first = store.ensure_open("model-a", TINY_DIM)
        assert store.ensure_open("model-a", TINY_DIM) is first
        second = store.ensure_open("model-b", 8)
        assert second is not first and second.dim == 8 and store.model_id == "model-b"
    finally:
        catalog.close()
