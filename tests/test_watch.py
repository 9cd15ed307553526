"""The engine watching folders: additions, renames and deletions while it runs."""

from __future__ import annotations

import errno
import os
import time

import numpy as np
import pytest
from conftest import make_photo
from reliability.util import wait_for as _wait_for

from clipdesk.engine import Listener
from clipdesk.pipeline import Changes
from clipdesk.search import SearchRequest
from clipdesk.watcher import FolderWatcher


def wait_for(predicate, timeout: float = 20.0) -> bool:
    return _wait_for(predicate, timeout)


def paths_in(engine) -> set[str]:
    return {r[0] for r in engine.catalog.query("SELECT path FROM images WHERE status = 'indexed'")}


@pytest.fixture
def watching(engine_factory, make_library):
    photos = make_library(6)
    engine = engine_factory(settle_s=0.3)
    engine.add_root(photos)
    changes: list[Changes] = []
    engine.add_listener(Listener(changes=changes.append))
    engine.start(watch=True)
    assert wait_for(lambda: len(paths_in(engine)) == 6)
    assert engine.wait_idle(30)
    return engine, photos, changes


def test_added_file_becomes_searchable_after_it_settles(watching):
    engine, photos, changes = watching
    new = make_photo(photos / "sub0" / "fresh.jpg", seed=123)
    assert wait_for(lambda: str(new) in paths_in(engine))
    hit = engine.search(SearchRequest(image=str(new), limit=1)).hits[0]
    assert hit.path == str(new)
    assert any(c.added for c in changes)


def test_file_written_slowly_is_indexed_once_complete(watching, tmp_path):
    engine, photos, _ = watching
    data = make_photo(tmp_path / "src.jpg", seed=321, size=(300, 200)).read_bytes()
    target = photos / "slow.jpg"
    with open(target, "wb") as fh:  # a slow copy: chunks with pauses shorter than settle time
        for i in range(0, len(data), max(1, len(data) // 6)):
            fh.write(data[i : i + max(1, len(data) // 6)])
            fh.flush()
            time.sleep(0.1)
    assert wait_for(lambda: str(target) in paths_in(engine))
    assert engine.wait_idle(30)
    record = engine.catalog.image_by_path(str(target))
    assert record.status == "indexed" and record.size == len(data)
    assert not engine.catalog.errors()


def test_rename_and_delete_while_watching(watching):
    engine, photos, _ = watching
    calls = engine.encoder.image_encode_calls
    src = photos / "sub1" / "img_0001.jpg"
    dst = photos / "sub1" / "renamed.jpg"
    os.rename(src, dst)
    assert wait_for(lambda: str(dst) in paths_in(engine) and str(src) not in paths_in(engine))
    assert engine.encoder.image_encode_calls == calls  # a rename is not a re-encode
    gone = photos / "sub2" / "img_0002.jpg"
    gone.unlink()
    assert wait_for(lambda: str(gone) not in paths_in(engine))
    assert engine.wait_idle(30)
    hits = engine.search(SearchRequest(text="photo", limit=50)).hits
    assert {h.path for h in hits} == paths_in(engine) and len(hits) == 5


def test_temp_file_renamed_into_place_is_indexed_once(watching):
    engine, photos, _ = watching
    tmp = make_photo(photos / "sub0" / "edit.jpg.tmp", seed=77, fmt="JPEG")
    os.rename(tmp, photos / "sub0" / "edit.jpg")
    assert wait_for(lambda: str(photos / "sub0" / "edit.jpg") in paths_in(engine))
    assert engine.wait_idle(30)
    assert not any(p.endswith(".tmp") for p in paths_in(engine))


def test_watch_limit_falls_back_to_polling(tmp_path):
    class LimitedObserver:
        def schedule(self, *args, **kwargs):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    warnings: list[str] = []
    seen: list[set[str]] = []
    root = tmp_path / "root"
    root.mkdir()
    from clipdesk.catalog import Root

    watcher = FolderWatcher(
        seen.append,
        lambda r: None,
        settle_s=0.2,
        observer_factory=LimitedObserver,
        on_warning=warnings.append,
        poll_interval_s=0.2,
    )
    try:
        modes = watcher.watch([Root(1, str(root), True, (), True)])
        assert modes == {str(root): "polling"}
        assert warnings and "limit" in warnings[0]
        make_photo(root / "a.jpg", seed=1)
        assert wait_for(lambda: any(str(root / "a.jpg") in s for s in seen), timeout=10)
    finally:
        watcher.stop()


def test_event_flood_turns_into_a_rescan(tmp_path):
    rescans: list[str | None] = []
    root = tmp_path / "root"
    root.mkdir()
    from clipdesk.catalog import Root

    watcher = FolderWatcher(lambda p: None, rescans.append, settle_s=0.2, max_pending=20)
    try:
        watcher.watch([Root(1, str(root), True, (), True)])
        for i in range(40):
            (root / f"{i}.jpg").write_bytes(b"x")
        assert wait_for(lambda: None in rescans, timeout=10)
    finally:
        watcher.stop()


def test_root_that_disappears_and_returns_is_watched_again(engine_factory, make_library, tmp_path):
    photos = make_library(3)
    engine = engine_factory(settle_s=0.2)
    engine.add_root(photos)
    engine.start(watch=True)
    assert wait_for(lambda: len(paths_in(engine)) == 3)
    os.rename(photos, tmp_path / "away")
    assert wait_for(lambda: engine.watcher.modes.get(str(photos)) == "offline")
    assert engine.wait_idle(30)
    assert engine.catalog.counts()["indexed"] == 3  # nothing deleted
    os.rename(tmp_path / "away", photos)
    assert wait_for(lambda: engine.watcher.modes.get(str(photos)) == "watching")
    new = make_photo(photos / "back.jpg", seed=5)
    assert wait_for(lambda: str(new) in paths_in(engine))
    assert engine.catalog.counts()["offline"] == 0


def test_idle_image_tower_is_freed_and_comes_back(engine_factory, make_library):
    """While watching with nothing to encode, the image tower's weights are freed; text search
    goes on, and a new photo brings them back with the same embeddings as before."""
    photos = make_library(4)
    engine = engine_factory(settle_s=0.3, image_model_ttl_s=0.5)
    engine.add_root(photos)
    engine.start(watch=True)
    assert wait_for(lambda: len(paths_in(engine)) == 4)
    first = photos / "sub0" / "img_0000.jpg"
    before = engine.catalog.embedding_of(engine.catalog.image_by_path(str(first)).id)
    text_before = engine.encoder.encode_texts(["a red boat"])
    assert wait_for(lambda: not engine.encoder.image_tower_loaded, timeout=15)
    assert np.array_equal(engine.encoder.encode_texts(["a red boat"]), text_before)
    assert len(engine.search(SearchRequest(text="boat", limit=10)).hits) == 4

    os.link(first, photos / "again.jpg")  # a new file: the tower is read back to encode it
    assert wait_for(lambda: str(photos / "again.jpg") in paths_in(engine))
    again = engine.catalog.embedding_of(engine.catalog.image_by_path(str(photos / "again.jpg")).id)
    assert np.allclose(again, before, atol=1e-6)
    # ...and an image query from outside the library needs it too.
    assert wait_for(lambda: not engine.encoder.image_tower_loaded, timeout=15)
    hits = engine.search(SearchRequest(image=str(make_photo(photos.parent / "outside.jpg", seed=1)), limit=3)).hits
    assert len(hits) == 3 and engine.encoder.image_tower_loaded


def test_image_tower_is_kept_when_the_ttl_is_zero(engine_factory, make_library):
    engine = engine_factory(settle_s=0.3, image_model_ttl_s=0)
    engine.add_root(make_library(2))
    engine.start(watch=True)
    assert wait_for(lambda: len(paths_in(engine)) == 2)
    time.sleep(1.0)
    assert engine.encoder.image_tower_loaded
