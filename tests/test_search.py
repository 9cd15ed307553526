"""Search semantics: negative terms, combined queries, filters, paging, the text cache."""

from __future__ import annotations

import os

import numpy as np
import pytest
from conftest import make_photo

from clipdesk.search import Filters, SearchRequest, split_query


def test_split_query():
    assert split_query("beach -people") == ("beach", ["people"])
    assert split_query('dog -"red car" -cat park') == ("dog park", ["red car", "cat"])
    assert split_query("well-known t-shirt") == ("well-known t-shirt", [])
    assert split_query("  ") == ("", [])


@pytest.fixture
def library(engine_factory, make_library):
    photos = make_library(15)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    return engine, photos


def _exact_ranking(engine, query: np.ndarray) -> list[int]:
    ids = engine.catalog.live_vector_ids(engine.model_id)
    vecs = np.stack([engine.catalog.embedding_of(int(i)) for i in ids])
    return ids[np.argsort(-(vecs @ query), kind="stable")].tolist()


def test_text_ranking_matches_exact_cosine(library):
    engine, _ = library
    page = engine.search(SearchRequest(text="a sunset over the sea", limit=15))
    q = engine.encoder.encode_text("a sunset over the sea")
    assert [h.id for h in page.hits] == _exact_ranking(engine, q)


def test_negative_term_pushes_matches_down(library):
    engine, _ = library
    plain = engine.search(SearchRequest(text="beach", limit=15)).hits
    neg = engine.encoder.encode_text("people")
    most_people_like = max(plain, key=lambda h: float(engine.catalog.embedding_of(h.id) @ neg))
    pushed = engine.search(SearchRequest(text="beach -people", limit=15)).hits

    def rank(hits: list) -> int:
        return [h.id for h in hits].index(most_people_like.id)

    assert rank(pushed) >= rank(plain)
    q = engine.encoder.encode_text("beach")
    assert [h.id for h in pushed] == _exact_ranking(engine, q - 0.6 * neg)


def test_combined_text_and_image(library, tmp_path):
    engine, photos = library
    target = photos / "sub1" / "img_0004.jpg"
    only_image = engine.search(SearchRequest(image=str(target), limit=3)).hits
    assert only_image[0].path == str(target)
    both = engine.search(SearchRequest(text="mountains", image=str(target), text_weight=0.3, limit=15)).hits
    t, i = engine.encoder.encode_text("mountains"), engine.catalog.embedding_of(only_image[0].id)
    assert [h.id for h in both] == _exact_ranking(engine, 0.3 * t + 0.7 * i)
    # An in-memory picture (e.g. pasted from the clipboard) works too, and adds nothing.
    from PIL import Image

    pasted = Image.open(target).copy()
    assert engine.search(SearchRequest(image=pasted, limit=1)).hits[0].path == str(target)
    assert engine.catalog.counts()["indexed"] == 15


def test_indexed_photo_query_needs_no_model(engine_factory, library):
    engine, photos = library
    engine.close()
    fresh = engine_factory(data_dir=engine.data_dir)
    hit = fresh.search(SearchRequest(image=str(photos / "sub0" / "img_0000.jpg"), limit=1)).hits[0]
    assert hit.path == str(photos / "sub0" / "img_0000.jpg")
    assert not fresh.encoder.loaded


def test_filters_by_folder_date_and_type(library):
    engine, photos = library
    sub1 = engine.search(SearchRequest(text="x", limit=50, filters=Filters(folders=(str(photos / "sub1"),)))).hits
    assert len(sub1) == 5 and all(h.path.startswith(str(photos / "sub1") + os.sep) for h in sub1)
    # Dates: give three photos an old EXIF-less file time, then filter on it.
    old = sorted(photos.glob("sub2/*.jpg"))[:3]
    for p in old:
        os.utime(p, (946684800, 946684800))  # 2000-01-01
    engine.index()
    hits = engine.search(SearchRequest(text="x", limit=50, filters=Filters(date_to=978307200))).hits
    assert {h.path for h in hits} == {str(p) for p in old}
    assert engine.search(SearchRequest(text="x", filters=Filters(formats=("PNG",)))).hits == []
    make_photo(photos / "extra.png", seed=500)
    engine.index()
    pngs = engine.search(SearchRequest(text="x", filters=Filters(formats=("PNG",)))).hits
    assert [h.path for h in pngs] == [str(photos / "extra.png")]


def test_paging_covers_everything_once(library):
    engine, _ = library
    seen, offset = [], 0
    while True:
        page = engine.search(SearchRequest(text="forest", limit=4, offset=offset))
        seen += [h.id for h in page.hits]
        offset += 4
        if not page.has_more:
            break
    assert len(seen) == len(set(seen)) == 15


def test_repeated_text_queries_hit_the_cache(library, monkeypatch):
    engine, _ = library
    engine.search(SearchRequest(text="red bicycle"))
    calls = []
    original = engine.encoder.encode_texts
    monkeypatch.setattr(engine.encoder, "encode_texts", lambda texts: calls.append(texts) or original(texts))
    for _ in range(5):
        engine.search(SearchRequest(text="red bicycle"))
    assert calls == []
    engine.search(SearchRequest(text="blue bicycle"))
    assert calls == [["blue bicycle"]]


def test_a_long_pasted_description_is_cut_to_what_clip_reads_not_an_error(library):
    """CLIP's text tower reads 77 tokens and raised on more; a long description is cut instead."""
    engine, _ = library
    long_query = "a small red boat on a calm lake at dawn with mist and pine trees " * 20
    hits = engine.search(SearchRequest(text=long_query, limit=5)).hits
    assert len(hits) == 5
    # The words past the limit change nothing: twice as long reads the same.
    np.testing.assert_allclose(engine.encoder.encode_text(long_query), engine.encoder.encode_text(long_query * 2))
