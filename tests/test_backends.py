"""The engine's core behaviour on both libraries: SQLite + hnswlib on this computer, and a shared library on a
real PostgreSQL + pgvector (tests/pg_server.py). Same tests, same assertions, one parametrised fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clipdesk.engine import Engine
from clipdesk.search import BrowseRequest, Filters, SearchRequest

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def library(backend: str, request: pytest.FixtureRequest) -> str | None:
    """None for SQLite; a fresh shared library's URL for PostgreSQL."""
    return request.getfixturevalue("pg_url") if backend == "postgres" else None


@pytest.fixture
def make_engine(engine_factory: Callable[..., Engine], library: str | None) -> Callable[..., Engine]:
    def _make(data_dir: Path | None = None, **kwargs: object) -> Engine:
        return engine_factory(data_dir, library=library, **kwargs)

    return _make


def _indexed_paths(engine: Engine) -> set[str]:
    ids = engine.catalog.live_vector_ids(engine.model_id)
    return {r.path for r in engine.catalog.images(ids.tolist()).values()}


def test_add_index_search_with_filters(make_engine, make_library):
    root = make_library(12)
    engine = make_engine()
    engine.add_root(root)
    report = engine.index()
    assert (report.encoded, report.errors) == (12, 0)
    assert engine.status().counts["indexed"] == 12

    probe = root / "sub1" / "img_0004.jpg"
    page = engine.search(SearchRequest(image=str(probe), limit=12))
    assert page.hits[0].path == str(probe)  # a photo is its own nearest neighbour
    assert len(page.hits) == 12 and len({h.id for h in page.hits}) == 12
    text = engine.search(SearchRequest(text="a photo", limit=5, split=False))
    assert len(text.hits) == 5 and text.has_more

    under = engine.search(SearchRequest(image=str(probe), limit=50, filters=Filters(folders=(str(root / "sub0"),))))
    assert {Path(h.path).parent.name for h in under.hits} == {"sub0"} and len(under.hits) == 4
    none = engine.search(SearchRequest(image=str(probe), limit=50, filters=Filters(formats=("PNG",))))
    assert none.hits == []
    browse = engine.browse(BrowseRequest(Filters(folders=(str(root / "sub2"),)), 0, 50))
    assert len(browse.hits) == 4 and not browse.has_more


def test_rename_keeps_embedding_and_delete_forgets(make_engine, make_library):
    root = make_library(6)
    engine = make_engine()
    engine.add_root(root)
    engine.index()
    old, new = root / "sub0" / "img_0000.jpg", root / "sub2" / "renamed.jpg"
    before = engine.catalog.image_by_path(str(old))
    assert before is not None
    os.rename(old, new)
    (root / "sub1" / "img_0001.jpg").unlink()
    report = engine.index()
    assert (report.encoded, report.moved, report.removed) == (0, 1, 1)  # nothing re-encoded
    after = engine.catalog.image_by_path(str(new))
    assert after is not None and after.id == before.id and after.status == "indexed"
    assert engine.catalog.image_by_path(str(old)) is None
    assert _indexed_paths(engine) == {str(p) for p in root.rglob("*.jpg")}
    hits = engine.search(SearchRequest(image=str(new), limit=10)).hits
    assert hits[0].path == str(new) and len(hits) == 5


def test_offline_root_keeps_photos(make_engine, make_library, tmp_path):
    root = make_library(6)
    engine = make_engine()
    engine.add_root(root)
    engine.index()
    away = tmp_path / "unplugged"
    os.rename(root, away)
    report = engine.index()
    assert report.offline_roots == [str(root)] and report.removed == 0
    counts = engine.status().counts
    assert (counts["indexed"], counts["offline"]) == (6, 6)
    first = int(engine.catalog.live_vector_ids(engine.model_id)[0])
    everywhere = engine.search(SearchRequest(image=first))
    assert len(everywhere.hits) == 6 and all(h.offline for h in everywhere.hits)
    online_only = engine.search(SearchRequest(image=first, filters=Filters(include_offline=False)))
    assert online_only.hits == []
    os.rename(away, root)
    report = engine.index()
    assert report.offline_roots == [] and report.encoded == 0
    assert engine.status().counts["offline"] == 0


def test_killed_index_run_resumes(backend, library, make_library, tmp_path, tiny_model):
    """SIGKILL inside the second batch's commit: the first batch stays, the restart encodes only the rest."""
    root = make_library(12)
    data = tmp_path / "data"
    env = {**os.environ, "CLIPDESK_DATA_DIR": str(data), "CLIPDESK_MODEL": str(tiny_model)}
    env.pop("CLIPDESK_LIBRARY", None)
    if library:
        env["CLIPDESK_LIBRARY"] = library
    cmd = [sys.executable, "-m", "clipdesk"]
    assert subprocess.run([*cmd, "add", str(root)], env=env, capture_output=True).returncode == 0
    killed = subprocess.run(
        [*cmd, "index", "--batch-size", "4"],
        env={**env, "CLIPDESK_TEST_KILL_AT": "commit:2"},
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -9
    again = subprocess.run([*cmd, "index"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "Indexed 8 new" in again.stdout, again.stdout
    engine = Engine(data, str(tiny_model), library=library)
    try:
        assert engine.status().counts["indexed"] == 12
        assert _indexed_paths(engine) == {str(p) for p in root.rglob("*.jpg")}
    finally:
        engine.close()


def test_status_and_unreadable_file(make_engine, make_library):
    root = make_library(3)
    (root / "broken.jpg").write_bytes(b"not a picture at all")
    engine = make_engine()
    engine.add_root(root)
    report = engine.index()
    assert (report.encoded, report.errors) == (3, 1)
    status = engine.status()
    assert status.counts == {"indexed": 3, "pending": 0, "error": 1, "offline": 0, "total": 4}
    assert [p for p, _ in status.errors] == [str(root / "broken.jpg")]
    assert [r["path"] for r in status.roots] == [str(root)]


def test_copy_reuses_embedding(make_engine, make_library):
    root = make_library(3)
    engine = make_engine()
    engine.add_root(root)
    engine.index()
    shutil.copy2(root / "sub0" / "img_0000.jpg", root / "copy.jpg")
    report = engine.index()
    assert (report.encoded, report.reused) == (0, 1)
    assert engine.status().counts["indexed"] == 4


def test_labels_and_albums(make_engine, make_library):
    root = make_library(9)
    engine = make_engine()
    engine.add_root(root)
    engine.index()
    engine.labelling.prepare()  # the label vectors, then every photo tagged
    assert engine.catalog.labelled_count() == 9  # every photo tagged (or found to fit no label) after its batch
    for info in engine.labels()[:3]:
        everywhere = engine.label_photos(info.id, 0, 50).hits
        assert len(everywhere) == info.count and info.count > 0
        under = engine.labelled_page(Filters(label=info.id, folders=(str(root / "sub1"),)), 0, 50).hits
        assert {h.id for h in under} == {h.id for h in everywhere if Path(h.path).parent.name == "sub1"}
    example = root / "sub2" / "img_0002.jpg"
    album = engine.add_album("Like this", examples=[str(example)], strictness=0.0)
    assert album.ready and album.count > 0
    members = engine.album_photos("Like this", 0, 50, strictness=0.0).hits
    assert members[0].path == str(example)
    assert [h.score for h in members] == sorted((h.score for h in members), reverse=True)


def test_text_in_photos_is_found_the_same_way(make_engine, make_library):
    root = make_library(4)
    engine = make_engine()
    engine.add_root(root)
    engine.index()
    catalog = engine.catalog
    records = sorted(catalog.images(catalog.live_vector_ids(engine.model_id).tolist()).values(), key=lambda r: r.id)
    texts = [["Invoice 发票", "Tel 138-1234-5678"], ["促销 OK"], ["nothing here"], []]
    catalog.write_photo_text(
        [
            (r.id, r.content_key, [{"text": t, "box": [], "score": 1.0} for t in lines])
            for r, lines in zip(records, texts, strict=True)
        ]
    )
    ids = [r.id for r in records]
    assert catalog.text_progress() == (4, 4)
    assert catalog.photos_with_text("INVOICE") == [ids[0]]  # case folded
    assert catalog.photos_with_text("voic") == [ids[0]]  # 3+ characters: anywhere
    assert catalog.photos_with_text("voic", whole_words=True) == [] and catalog.photos_with_text("\x00") == []
    assert catalog.photos_with_text("tel 138", whole_words=True) == [ids[0]]  # words in order, any separator
    assert catalog.photos_with_text("13812345678") == [ids[0]]  # digits without their separators
    assert catalog.photos_with_text("发票") == [ids[0]] and catalog.photos_with_text("促") == [ids[1]]
    assert catalog.photos_with_text("ok") == [ids[1]] and catalog.photos_with_text("no") == []  # whole words
    assert catalog.photo_text(ids[3]).lines == [] and catalog.photo_text(ids[2]).text == "nothing here"
    assert set(catalog.texts_of(ids)) == set(ids)
