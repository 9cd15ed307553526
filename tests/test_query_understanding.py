"""A query as understood: its date words become a date filter, and its results know where the best
matches stop."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import make_dated_photo, make_photo
from PIL import Image

from clipdesk.search import Filters, SearchRequest, understand
from clipdesk.search.cutoff import best_match_count

NOW = datetime(2026, 11, 30, 12, 0)


def test_understood_query_parts():
    q = understand("beach last summer -people", NOW)
    assert (q.text, q.negatives, q.date_phrase) == ("beach", ("people",), "last summer")
    assert (q.date_from, q.date_to) == (datetime(2026, 6, 1), datetime(2026, 9, 1))
    assert q.to_json() == {
        "text": "beach",
        "date_from": "2026-06-01T00:00:00",
        "date_to": "2026-09-01T00:00:00",
        "date_phrase": "last summer",
        "negatives": ["people"],
    }
    plain = understand("beach last summer", NOW, parse_dates=False)  # the chip was removed
    assert (plain.text, plain.date_from) == ("beach last summer", None)
    assert understand("poster -2019", NOW).negatives == ("2019",)  # a negated year stays a negative term


def test_query_dates_intersect_the_filters():
    q = understand("beach 2019", NOW)
    lo, hi = datetime(2019, 1, 1).timestamp(), datetime(2020, 1, 1).timestamp()
    merged = q.date_filters(Filters(folders=("/p",)))
    assert merged is not None and merged.folders == ("/p",)
    assert merged.date_from == lo and hi - 0.01 < merged.date_to < hi
    july = datetime(2019, 7, 1).timestamp()
    narrowed = q.date_filters(Filters(date_from=july))
    assert narrowed is not None and narrowed.date_from == july and narrowed.date_to == merged.date_to
    assert q.date_filters(Filters(date_from=datetime(2021, 1, 1).timestamp())) is None  # no overlap


@pytest.fixture(scope="module")
def dated(tmp_path_factory, tiny_model, tiny_student):
    """Nine photos from three years, indexed once: the tests using it only search."""
    from clipdesk.engine import Engine

    base = tmp_path_factory.mktemp("dated")
    photos = base / "dated"
    taken = {2018: "2018:08:02 09:00:00", 2019: "2019:07:14 10:00:00", 2021: "2021:07:20 16:30:00"}
    paths: dict[int, list[str]] = {}
    for i in range(9):
        year = (2018, 2019, 2021)[i % 3]
        paths.setdefault(year, []).append(str(make_dated_photo(photos / f"d{i}.jpg", i, taken[year])))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tiny_student))
        engine = Engine(base / "data", str(tiny_model), settle_s=0.3, batch_size=8)
        try:
            engine.add_root(photos)
            engine.index()
            yield engine, paths
        finally:
            engine.close()


def test_date_words_filter_the_results(dated):
    engine, paths = dated
    page = engine.search(SearchRequest(text="beach 2019", now=NOW))
    assert sorted(h.path for h in page.hits) == sorted(paths[2019])
    assert page.query is not None and page.query.text == "beach" and page.query.date_phrase == "2019"
    # The same words with the chip removed: no date filter, every photo ranked.
    assert len(engine.search(SearchRequest(text="beach 2019", now=NOW, parse_dates=False)).hits) == 9
    # "summer 2021" and an explicit filter that rules it out.
    assert sorted(h.path for h in engine.search(SearchRequest(text="dog summer 2021", now=NOW)).hits) == sorted(
        paths[2021]
    )
    ruled_out = Filters(date_to=datetime(2020, 1, 1).timestamp())
    assert engine.search(SearchRequest(text="dog summer 2021", now=NOW, filters=ruled_out)).hits == []
    # Only date words: that period's photos, newest first.
    only = engine.search(SearchRequest(text="since 2019", now=NOW))
    assert [h.path for h in only.hits] == sorted(paths[2021], reverse=True) + sorted(paths[2019], reverse=True)


def test_chinese_date_phrase(dated, tiny_student):
    engine, paths = dated
    page = engine.search(SearchRequest(text="2019年的海滩", now=NOW))
    assert sorted(h.path for h in page.hits) == sorted(paths[2019])
    assert page.text_encoder == str(tiny_student) and page.query is not None
    assert page.query.date_from == datetime(2019, 1, 1) and "海滩" in page.query.text
    # 前年 (the year before last) from November 2026 is 2024: none of these photos.
    assert engine.search(SearchRequest(text="前年的海滩", now=NOW)).hits == []


def _copies(engine, folder: Path):
    """70 different photos plus 4 near-copies of one more (re-saved at other sizes and qualities), indexed."""
    photos = folder / "lib"
    for i in range(70):
        make_photo(photos / f"p{i:03d}.jpg", seed=1000 + i)
    original = make_photo(folder / "original.png", seed=7, size=(160, 120))
    for k, (size, quality) in enumerate([((160, 120), 95), ((120, 90), 80), ((96, 72), 70), ((200, 150), 90)]):
        Image.open(original).resize(size).save(photos / f"copy{k}.jpg", quality=quality)
    engine.add_root(photos)
    engine.index()
    return engine, photos, original


@pytest.fixture(scope="module")
def copies_library(tmp_path_factory, tiny_model):
    """_copies, built once for the tests that only search it."""
    from clipdesk.engine import Engine

    base = tmp_path_factory.mktemp("copies")
    engine = Engine(base / "data", str(tiny_model), settle_s=0.3, batch_size=8)
    try:
        yield _copies(engine, base)
    finally:
        engine.close()


@pytest.fixture
def own_copies_library(engine_factory, tmp_path):
    """_copies for a test that changes the library."""
    return _copies(engine_factory(), tmp_path)


def _library_scores(engine, query: np.ndarray) -> np.ndarray:
    ids = engine.catalog.live_vector_ids(engine.model_id)
    return np.stack([engine.catalog.embedding_of(int(i)) for i in ids]) @ query


def test_split_uses_the_query_against_the_whole_library(copies_library):
    """The split is cutoff.best_match_count (tested on data with known answers in test_cutoff.py) over
    the ranking fetched and the query's scores over the library (all of a library this small)."""
    engine, _, original = copies_library
    for request in (SearchRequest(image=str(original), limit=20), SearchRequest(text="a red car", limit=30)):
        page = engine.search(request)
        background = _library_scores(engine, engine.searcher.query_vector(request))
        expected = best_match_count(np.sort(background)[::-1][: 20 if request.image else 30], background, 74)
        assert page.best_count == expected
        assert [h.best for h in page.hits] == [i < expected for i in range(len(page.hits))]
    # A random tiny CLIP puts every photo in a narrow cone (spread ~0.08 around ~0.9): even the
    # near-copies (1.0) do not stand out from the library, and the page says so.
    page = engine.search(SearchRequest(image=str(original), limit=20))
    assert {Path(h.path).name for h in page.hits[:4]} == {f"copy{k}.jpg" for k in range(4)}
    assert page.best_count == 0 and page.no_close_matches


def test_fixed_threshold_and_no_split(copies_library):
    engine, photos, original = copies_library
    fixed = engine.search(SearchRequest(image=str(original), limit=20, min_score=0.999))
    assert fixed.best_count == 4
    assert sorted(h.path for h in fixed.hits if h.best) == sorted(str(p) for p in photos.glob("copy*.jpg"))
    assert [h.best for h in fixed.hits] == [True] * 4 + [False] * 16
    # Later pages count from the start of the ranking: none of theirs is a best match.
    later = engine.search(SearchRequest(image=str(original), limit=10, offset=10, min_score=0.999))
    assert later.best_count == 4 and not any(h.best for h in later.hits)
    none = engine.search(SearchRequest(image=str(original), limit=20, min_score=1.5))
    assert none.best_count == 0 and none.no_close_matches and len(none.hits) == 20
    plain = engine.search(SearchRequest(image=str(original), limit=20, split=False))
    assert plain.best_count is None and not any(h.best for h in plain.hits) and not plain.no_close_matches


def test_background_sample_is_reused_until_the_library_changes(own_copies_library):
    engine, photos, original = own_copies_library
    sample = engine.searcher.background
    for _ in range(3):
        engine.search(SearchRequest(image=str(original), limit=5))
    assert sample.draws == 1
    make_photo(photos / "new.jpg", seed=5000)
    engine.index()
    engine.search(SearchRequest(image=str(original), limit=5))
    assert sample.draws == 2  # a library smaller than the sample: every change is drawn again
    assert len(sample.vectors(engine.store.index, engine.model_id)) == 75
