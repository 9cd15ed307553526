"""The app keeps its vector index in a child process, and quitting leaves an unchanged index file alone."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the index process is POSIX-only (else in-process)")


def test_the_app_searches_through_its_index_process_and_quits_without_rewriting_it(
    qtbot, library: Path, open_window
) -> None:
    from clipdesk.index import RemoteVectorIndex

    window = open_window(library)  # the app's own engine (no factory): Engine(index_process=True)
    engine = window.bridge.engine
    qtbot.waitUntil(lambda: engine.store.index is not None, timeout=30_000)
    index = engine.store.index
    assert isinstance(index, RemoteVectorIndex) and index.process.pid != os.getpid()
    assert engine.store.last_open == "loaded" and not engine.store.changed

    qtbot.keyClicks(window.field, "a photo")
    qtbot.keyClick(window.field, "\r")
    qtbot.waitUntil(
        lambda: window.search_view.model.rowCount() > 0 and not window.search_view.session.searching, timeout=20_000
    )

    (saved,) = list((library / "index").glob("vectors-*.hnsw"))
    os.utime(saved, ns=(1_000_000_000, 1_000_000_000))  # a stamp a rewrite could not keep
    window.close()
    assert [p.name for p in (library / "index").glob("vectors-*.hnsw")] == [saved.name]
    assert saved.stat().st_mtime_ns == 1_000_000_000
    deadline = time.monotonic() + 10
    while index.process.popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert index.process.popen.poll() == 0  # stopped with the engine, not killed
