"""At start the engine loads the model and its index before it walks the folders: on a large
library the first scan (a walk and a stat of every file) otherwise competed with the index load
and held up the first search. Asserted as the order of the engine's own events, not as timings."""

from __future__ import annotations

import os
import threading

from clipdesk.engine import Listener
from clipdesk.search import SearchRequest


def _record(engine) -> list[str]:
    events: list[str] = []
    lock = threading.Lock()

    def add(name: str) -> None:
        with lock:
            events.append(name)

    engine.add_listener(
        Listener(
            progress=lambda p: add(f"progress:{p.phase}"),
            model_state=lambda state, _detail: add(f"model:{state}"),
        )
    )
    return events


def _indexed_library(engine_factory, make_library, tmp_path):
    photos = make_library(6)
    engine = engine_factory(tmp_path / "data")
    engine.add_root(photos)
    engine.index()
    engine.close()
    return photos


def test_model_and_index_are_ready_before_the_first_scan(engine_factory, make_library, tmp_path):
    _indexed_library(engine_factory, make_library, tmp_path)
    engine = engine_factory(tmp_path / "data")
    events = _record(engine)
    engine.start(watch=True)
    assert engine.wait_idle(60)
    assert "model:ready" in events and "progress:scanning" in events
    assert events.index("model:ready") < events.index("progress:scanning"), events
    assert engine.store.last_open == "loaded"  # the saved index, opened once
    assert len(engine.search(SearchRequest(text="a photo", limit=10)).hits) == 6


def test_with_the_photo_folder_missing_search_comes_first_and_the_folder_goes_offline(
    engine_factory, make_library, tmp_path
):
    photos = _indexed_library(engine_factory, make_library, tmp_path)
    os.rename(photos, tmp_path / "unplugged")
    engine = engine_factory(tmp_path / "data")
    events = _record(engine)
    engine.start(watch=True)
    assert engine.wait_idle(60)
    assert events.index("model:ready") < events.index("progress:scanning"), events
    assert not engine.catalog.roots()[0].online
    hits = engine.search(SearchRequest(text="a photo", limit=10)).hits
    assert len(hits) == 6 and all(h.offline for h in hits)


def test_a_model_that_cannot_load_does_not_hold_up_the_scan(engine_factory, make_library, tmp_path):
    photos = make_library(3)
    engine = engine_factory(tmp_path / "data", model=tmp_path / "no-such-model")
    engine.catalog.add_root(str(photos))
    events = _record(engine)
    engine.start(watch=False)
    assert engine.wait_idle(60)
    assert "model:unavailable" in events and "progress:scanning" in events
    assert events.index("model:unavailable") < events.index("progress:scanning"), events
    assert engine.catalog.counts()["pending"] == 3  # found, waiting for a model
