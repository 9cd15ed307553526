"""The vector index in a child process (the app's): same answers as in-process, a killed child is
reported and reloaded (never waited for), a killed parent takes its child with it, and an unchanged
index is never rewritten at quit. Real hnswlib, real processes, real SIGKILLs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from data_safety_helpers import DIM, batch, make_catalog

from clipdesk.index import IndexProcessLost, IndexStore, RemoteVectorIndex, VectorIndex

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the index process is POSIX-only (else in-process)")


def _vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody has reaped yet (a container's init may not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_remote_index_answers_as_the_in_process_one(tmp_path):
    vecs = _vectors(3000)
    ids = np.arange(3000, dtype=np.int64) * 3 + 1  # sparse ids, as after deletions
    local, remote = VectorIndex(DIM), RemoteVectorIndex.create(DIM)
    try:
        for start in range(0, 3000, 1000):
            local.add(ids[start : start + 1000], vecs[start : start + 1000])
            remote.add(ids[start : start + 1000], vecs[start : start + 1000])
        gone = ids[::7]
        local.remove(gone)
        remote.remove(gone)
        assert len(remote) == len(local) == 3000 - len(gone)
        assert remote.deleted_fraction == pytest.approx(local.deleted_fraction)
        assert np.array_equal(remote.id_array(), local.id_array())
        assert int(ids[1]) in remote and int(gone[0]) not in remote
        assert np.array_equal(remote.vectors(ids[:5]), local.vectors(ids[:5]))
        allowed = ids[100:900]  # a filter: the ids the folder/date filters allow
        for q in _vectors(5, seed=9):
            for kwargs in ({}, {"allowed": allowed}, {"ef": 50}):
                got, want = remote.search(q, 10, **kwargs), local.search(q, 10, **kwargs)
                assert np.array_equal(got[0], want[0]) and np.allclose(got[1], want[1])
        assert set(remote.search(vecs[200], 10, allowed=allowed)[0].tolist()) <= set(allowed.tolist())

        remote.save(tmp_path / "vectors-1", {"watermark": 1})  # the child writes the pair
        again, meta = RemoteVectorIndex.load(tmp_path / "vectors-1")
        in_process, _ = VectorIndex.load(tmp_path / "vectors-1")
        try:
            assert meta["watermark"] == 1 and len(again) == len(in_process) == len(local)
            q = vecs[42]
            assert np.array_equal(again.search(q, 10)[0], in_process.search(q, 10)[0])
        finally:
            again.close()
    finally:
        remote.close()
    assert remote.process.popen.returncode == 0  # stopped, not killed


def test_errors_in_the_child_are_raised_as_they_were(tmp_path):
    remote = RemoteVectorIndex.create(DIM)
    try:
        with pytest.raises(ValueError, match="not negative"):
            remote.add([-1], _vectors(1))
        with pytest.raises(FileNotFoundError):
            RemoteVectorIndex.load(tmp_path / "no-such")
        assert len(remote) == 0  # still serving
    finally:
        remote.close()


def test_a_killed_index_process_is_reported_dropped_and_reloaded(tmp_path):
    catalog = make_catalog(tmp_path / "catalog.sqlite3", photos=400)
    try:
        store = IndexStore(catalog, tmp_path / "index", in_process=False)
        reports: list[str] = []
        store.on_lost = reports.append
        index = store.open("m", DIM)
        assert isinstance(index, RemoteVectorIndex) and store.last_open == "rebuilt" and len(index) == 400
        query = index.vectors([3])[0]

        os.kill(index.process.pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(IndexProcessLost):
            index.search(query, 5)
        assert time.monotonic() - started < 5  # noticed, never waited for
        assert store.index is None and store.last_open == "lost" and len(reports) == 1

        # Indexing goes on meanwhile: the catalog is the truth; the reload catches up with it.
        root = catalog.roots()[0]
        catalog.commit_batch(batch(root.id, 400, 50), [], "m")
        store.add([1], _vectors(1))  # no index: nothing to do, nothing raised

        reloaded = store.ensure_open("m", DIM)
        assert reloaded is not index and store.last_open == "caught up" and len(reloaded) == 450
        assert reloaded.search(query, 1)[0][0] == 3
        store.close()
        assert _wait_gone(reloaded.process.pid)
    finally:
        catalog.close()


CHILD_OF_KILLED = r"""
import sys, time
import numpy as np
from clipdesk.index import RemoteVectorIndex
remote = RemoteVectorIndex.create(8)
remote.add([1, 2], np.eye(2, 8, dtype=np.float32))
print(remote.process.pid, flush=True)
time.sleep(60)
"""


def test_the_index_process_dies_with_a_killed_parent():
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD_OF_KILLED],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert not _gone(child_pid)
        parent.kill()  # SIGKILL: no atexit, no finalizers
        parent.wait(10)
        assert _wait_gone(child_pid), "the index process outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


@pytest.mark.parametrize("index_process", [False, True], ids=["in-process", "index-process"])
def test_closing_without_changes_does_not_rewrite_the_index(engine_factory, make_library, tmp_path, index_process):
    library = make_library(6)
    data = tmp_path / "data"
    engine = engine_factory(data, index_process=index_process)
    engine.add_root(library)
    engine.index()
    engine.close()  # built and saved
    (saved,) = list((data / "index").glob("vectors-*.hnsw"))
    os.utime(saved, ns=(1_000_000_000, 1_000_000_000))  # a stamp a rewrite could not keep

    engine = engine_factory(data, index_process=index_process)
    engine.load_model()
    assert engine.store.last_open == "loaded" and len(engine.store.index) == 6
    assert isinstance(engine.store.index, RemoteVectorIndex) == index_process
    engine.index()  # nothing new: no save either
    engine.close()
    assert [p.name for p in (data / "index").glob("vectors-*.hnsw")] == [saved.name]
    assert saved.stat().st_mtime_ns == 1_000_000_000


def test_a_search_that_meets_a_killed_index_process_reloads_it_and_answers(engine_factory, make_library, tmp_path):
    from clipdesk.engine import Listener
    from clipdesk.search import SearchRequest

    engine = engine_factory(tmp_path / "data", index_process=True)
    engine.add_root(make_library(6))
    engine.index()
    messages: list[tuple[str, str]] = []
    engine.add_listener(Listener(message=lambda level, text: messages.append((level, text))))
    first = engine.store.index
    assert isinstance(first, RemoteVectorIndex)
    os.kill(first.process.pid, signal.SIGKILL)

    page = engine.search(SearchRequest(text="a photo", limit=3))
    assert len(page.hits) == 3  # answered by the reloaded index
    assert engine.store.index is not first and engine.store.last_open == "loaded"
    assert messages == [("warning", "The search index stopped unexpectedly; it is being reloaded.")]
