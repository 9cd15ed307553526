"""Zero-shot labels in the library: tag rows agree with the stored embeddings, stay right through the
watcher, follow a model change, and are found by English or Chinese name. (Small test vocabulary: conftest.)"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import make_photo
from reliability.util import wait_for

from clipdesk.catalog import Catalog, Filters
from clipdesk.catalog.schema import MIGRATIONS
from clipdesk.labels import CutOff, load_vocabulary
from clipdesk.search import SearchRequest


def expected_tags(engine, image_id: int, cutoff: CutOff | None = None) -> list[tuple[str, float]]:
    """The tags computed here from the stored embedding and the stored label vectors, by hand."""
    cutoff = cutoff or CutOff()
    set_id = engine.catalog.current_label_set()
    rows = engine.catalog.query("SELECT label, vector FROM label_vectors WHERE set_id = ? ORDER BY position", (set_id,))
    labels = [r[0] for r in rows]
    vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows]).astype(np.float64)
    scale = engine.catalog.query("SELECT logit_scale FROM label_sets WHERE id = ?", (set_id,))[0][0]
    blob = engine.catalog.query("SELECT embedding FROM images WHERE id = ?", (image_id,))[0][0]
    image = np.frombuffer(blob, dtype=np.float32).astype(np.float64)
    logits = scale * vectors @ image
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    floor = max(cutoff.min_probability, cutoff.lift / len(labels))
    order = np.argsort(-probs, kind="stable")[: cutoff.k]
    return [(labels[i], float(probs[i])) for i in order if probs[i] >= floor]


def stored_tags(engine) -> dict[int, list[tuple[str, float]]]:
    ids = [r[0] for r in engine.catalog.query("SELECT id FROM images WHERE status = 'indexed'")]
    return {i: engine.catalog.tags_of(i) for i in ids}


def assert_tags_match_embeddings(engine) -> None:
    tags = stored_tags(engine)
    assert tags
    for image_id, rows in tags.items():
        want = expected_tags(engine, image_id)
        assert [label for label, _ in rows] == [label for label, _ in want], image_id
        assert np.allclose([p for _, p in rows], [p for _, p in want], atol=1e-5)
    labelled = {r[0] for r in engine.catalog.query("SELECT image_id FROM labelled")}
    assert labelled == set(tags)  # every indexed photo is done, with or without tags
    # The counts the triggers keep equal a count of the rows, and each cover is the label's best photo.
    counted = {x.label: (x.count, x.cover_id) for x in engine.catalog.label_counts()}
    rows = engine.catalog.query("SELECT label, image_id FROM photo_labels ORDER BY probability DESC, image_id")
    want: dict[str, tuple[int, int]] = {}
    for label, image_id in rows:
        n, cover = want.get(label, (0, image_id))
        want[label] = (n + 1, cover)
    assert counted == want


def _tag(engine, photos: Path):
    engine.add_root(photos)
    engine.index()
    engine.labelling.prepare()  # the vectors: computed once for this catalog
    return engine, photos


@pytest.fixture(scope="module")
def tagged(tmp_path_factory, tiny_model):
    """12 photos indexed and tagged once, for the tests that only read them (as make_library makes them)."""
    from clipdesk.engine import Engine

    base = tmp_path_factory.mktemp("tagged")
    for i in range(12):
        make_photo(base / "photos" / f"sub{i % 3}" / f"img_{i:04d}.jpg", seed=i)
    engine = Engine(base / "data", str(tiny_model), settle_s=0.3, batch_size=8)
    try:
        yield _tag(engine, base / "photos")
    finally:
        engine.close()


@pytest.fixture
def own_tagged(engine_factory, make_library):
    """The same, for a test that changes the library."""
    return _tag(engine_factory(), make_library(12))


def test_migration_adds_the_label_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:3], start=1):  # a catalog from before labels
        for statement in script.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    catalog = Catalog(path)
    tables = {r[0] for r in catalog.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    assert {
        "label_sets",
        "label_vectors",
        "photo_labels",
        "labelled",
        "albums",
        "album_members",
        "label_counts",
    } <= tables
    assert "images_embedding_written" in tables
    plan = catalog.query(
        "EXPLAIN QUERY PLAN SELECT image_id FROM photo_labels WHERE set_id = 1 AND label = 'cat' "
        "ORDER BY probability DESC"
    )
    assert "idx_photo_labels_browse" in " ".join(str(r) for r in plan)
    catalog.close()


def test_tags_equal_an_independent_computation_from_the_stored_embeddings(tagged) -> None:
    engine, _ = tagged
    assert_tags_match_embeddings(engine)
    vocabulary = load_vocabulary()
    stored = engine.catalog.label_set(engine.model_id, vocabulary.version)
    assert stored is not None and stored.label_ids == vocabulary.ids
    assert np.allclose(np.linalg.norm(stored.vectors, axis=1), 1.0, atol=1e-5)
    assert stored.logit_scale == pytest.approx(engine.encoder.logit_scale)
    # The engine's API reads the same rows.
    some = next(i for i, rows in stored_tags(engine).items() if rows)
    assert [(x.id, x.probability) for x in engine.photo_labels(some)] == engine.catalog.tags_of(some)


def test_vectors_are_computed_once_and_indexing_tags_new_batches(own_tagged, make_library) -> None:
    engine, _ = own_tagged
    created = engine.catalog.query("SELECT created_at FROM label_sets")
    make_library(4, name="photos", start=100)  # into the same root
    engine.index()  # the vectors are stored: each committed batch is tagged right after its commit
    assert engine.catalog.query("SELECT created_at FROM label_sets") == created
    assert_tags_match_embeddings(engine)


def test_existing_library_is_tagged_after_the_upgrade(engine_factory, make_library, tmp_path) -> None:
    photos = make_library(8)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()  # no label vectors yet: nothing is tagged, nothing computed
    assert not engine.catalog.query("SELECT COUNT(*) FROM photo_labels")[0][0]
    assert not engine.catalog.query("SELECT COUNT(*) FROM label_sets")[0][0]
    engine.close()
    engine = engine_factory()  # the app's start: the background computes the vectors, then tags the backlog
    engine.start(watch=False)
    assert engine.wait_idle(30)
    engine.load_model()
    assert wait_for(lambda: engine.catalog.labelled_count() == 8, 60)
    assert engine.labelling.wait_idle(30)
    assert_tags_match_embeddings(engine)


def test_watcher_keeps_tags_right_for_new_changed_and_deleted_photos(engine_factory, make_library) -> None:
    photos = make_library(6)
    engine = engine_factory(settle_s=0.3)
    engine.add_root(photos)
    engine.index()
    engine.labelling.prepare()
    engine.start(watch=True)
    assert engine.wait_idle(30)

    existing = sorted(photos.rglob("*.jpg"))
    new = make_photo(photos / "new" / "fresh.jpg", seed=500)
    changed = existing[0]
    before = engine.catalog.image_by_path(str(changed))
    assert before is not None
    old_tags = engine.catalog.tags_of(before.id)
    time.sleep(0.05)
    make_photo(changed, seed=900)  # same path, new picture
    gone = existing[1]
    gone_id = engine.catalog.image_by_path(str(gone)).id
    os.remove(gone)
    copy = photos / "copies" / "again.jpg"
    copy.parent.mkdir()
    shutil.copy2(existing[2], copy)  # a copy reuses its embedding: tagged by the backlog

    def settled() -> bool:
        rec = engine.catalog.image_by_path(str(changed))
        return (
            engine.catalog.image_by_path(str(new)) is not None
            and engine.catalog.image_by_path(str(copy)) is not None
            and rec is not None
            and rec.content_key != before.content_key
            and engine.catalog.image_by_path(str(gone)) is None
        )

    assert wait_for(settled, 30)
    assert engine.wait_idle(30) and engine.labelling.wait_idle(30)
    assert_tags_match_embeddings(engine)
    assert not engine.catalog.query("SELECT COUNT(*) FROM photo_labels WHERE image_id = ?", (gone_id,))[0][0]
    assert engine.catalog.tags_of(before.id) != old_tags or not old_tags  # recomputed from the new picture


def test_model_change_relabels(engine_factory, make_library, tmp_path, tiny_model) -> None:
    from clipdesk.encoder.random_model import build_random_clip

    other = build_random_clip(tmp_path / "other-clip", size="tiny", seed=7)
    photos = make_library(8)
    engine = engine_factory(model=tiny_model)
    engine.add_root(photos)
    engine.index()
    engine.labelling.prepare()
    first_set = engine.catalog.current_label_set()
    first = stored_tags(engine)
    engine.close()

    engine = engine_factory(model=other)
    engine.index()  # re-encodes every photo with the new model; its vectors do not exist yet
    engine.labelling.prepare()
    assert engine.catalog.current_label_set() != first_set
    assert {r[0] for r in engine.catalog.query("SELECT DISTINCT set_id FROM photo_labels")} <= {
        engine.catalog.current_label_set()
    }
    assert_tags_match_embeddings(engine)
    assert stored_tags(engine) != first
    # Both models' vectors stay cached: switching back computes nothing, and tags and counts are right again.
    assert engine.catalog.query("SELECT COUNT(*) FROM label_sets")[0][0] == 2
    engine.close()
    engine = engine_factory(model=tiny_model)
    created = engine.catalog.query("SELECT id, created_at FROM label_sets ORDER BY id")
    engine.index()
    engine.labelling.prepare()
    assert engine.catalog.current_label_set() == first_set
    assert engine.catalog.query("SELECT id, created_at FROM label_sets ORDER BY id") == created
    assert_tags_match_embeddings(engine)
    names = lambda tags: {i: [label for label, _ in rows] for i, rows in tags.items()}  # noqa: E731
    assert names(stored_tags(engine)) == names(first)


def test_label_filter_and_listing_by_english_or_chinese_name(tagged) -> None:
    engine, _ = tagged
    counts = engine.labels()
    assert counts and sum(x.count for x in counts) == engine.catalog.query("SELECT COUNT(*) FROM photo_labels")[0][0]
    top = counts[0]
    rows = engine.catalog.query(
        "SELECT image_id, probability FROM photo_labels WHERE label = ? ORDER BY probability DESC", (top.id,)
    )
    assert top.count == len(rows) and top.cover_id == rows[0][0]
    label = load_vocabulary()[top.id]
    for name in (label.id, label.en.upper(), label.zh, *label.zh_aliases):
        assert engine.find_label(name).id == top.id
    listed = engine.search(SearchRequest(filters=Filters(label=top.id), limit=100))
    assert [h.id for h in listed.hits] == [r[0] for r in rows]  # best fit first
    searched = engine.search(SearchRequest(text="a photo", filters=Filters(label=top.id), limit=100))
    assert {h.id for h in searched.hits} == {r[0] for r in rows}
    assert engine.find_label("no such thing") is None


def test_chinese_names_of_the_test_vocabulary() -> None:
    vocabulary = load_vocabulary()
    from clipdesk.labels import find_label

    assert find_label(vocabulary, "猫").id == "cat"
    assert find_label(vocabulary, "猫咪").id == "cat"
    assert find_label(vocabulary, "小票").id == "receipt"
    assert find_label(vocabulary, "Kitten").id == "cat"


def test_describe_image_outside_the_library(tagged, tmp_path) -> None:
    engine, _ = tagged
    outside = make_photo(tmp_path / "elsewhere" / "x.jpg", seed=4242)
    labels = engine.describe_image(str(outside), limit=3)
    assert len(labels) == 3
    probs = [x.probability for x in labels]
    assert probs == sorted(probs, reverse=True) and all(0 < p < 1 for p in probs)
    texts = engine.describe_image(str(outside), limit=2, texts=["a cat", "a receipt", "a beach"])
    assert len(texts) == 2 and texts[0][1] >= texts[1][1]


@pytest.mark.skipif(not os.environ.get("CLIPDESK_SLOW_TESTS"), reason="~30 s: set CLIPDESK_SLOW_TESTS=1")
def test_shipped_vocabulary_vectors_compute_on_the_tiny_model(tiny_model, monkeypatch) -> None:
    from clipdesk.encoder import ClipEncoder
    from clipdesk.labels import label_vectors

    monkeypatch.delenv("CLIPDESK_VOCABULARY_DIR")
    vocabulary = load_vocabulary()
    start = time.monotonic()
    vectors = label_vectors(ClipEncoder(str(tiny_model)), vocabulary)
    assert vectors.vectors.shape[0] == len(vocabulary) > 1000
    assert time.monotonic() - start < 300
