"""The file system moving underneath a watching engine: storms of events, renamed and moved
folders, files replaced by rename, files still being written, a root that is unmounted and
mounted again, and the inotify watch limit.

The engine indexes and watches a read-only bind mount of the library (it could not write
there even as root); the test changes the library through its real path underneath.
After each change settles the catalog must equal what is on disk, file by file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import make_photo
from PIL import Image

from clipdesk.imaging import content_key
from clipdesk.pipeline.scan import walk

from .util import REPO, clean_env, wait_for


def tiny_png(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)).save(path, "PNG", compress_level=1)


def on_disk(view: Path) -> dict[str, tuple[int, int]]:
    return {f.path: (f.size, f.mtime_ns) for f in walk(str(view))}


def catalog_state(engine) -> dict[str, tuple]:
    rows = engine.catalog.query("SELECT path, id, status, size, mtime_ns, content_key FROM images")
    return {r[0]: r[1:] for r in rows}


def settled(engine, view: Path) -> bool:
    disk = on_disk(view)
    rows = catalog_state(engine)
    return set(rows) == set(disk) and all(r[1] == "indexed" and (r[2], r[3]) == disk[p] for p, r in rows.items())


def wait_settled(engine, view: Path, timeout: float = 180) -> None:
    # Cheap polling first (the indexer needs the CPU more than this check does).
    wait_for(
        lambda: engine.last_progress.phase == "idle" and not engine.watcher.pending_count, timeout=timeout, step=0.2
    )
    assert wait_for(lambda: settled(engine, view), timeout=timeout, step=0.5), _diff(engine, view)
    assert engine.wait_idle(60)
    assert settled(engine, view), _diff(engine, view)


def _diff(engine, view: Path) -> str:
    disk, rows = on_disk(view), catalog_state(engine)
    missing, extra = sorted(set(disk) - set(rows)), sorted(set(rows) - set(disk))
    wrong = sorted(p for p in set(disk) & set(rows) if rows[p][1] != "indexed" or rows[p][2:4] != disk[p])
    return (
        f"{len(missing)} missing e.g. {missing[:3]}, {len(extra)} extra e.g. {extra[:3]}, "
        f"{len(wrong)} stale e.g. {[(p, rows[p], disk[p]) for p in wrong[:3]]}"
    )


def assert_whole(engine, view: Path) -> None:
    """Every catalogued photo is the file on disk now (content included: nothing half-written),
    and the vector index holds exactly the indexed ids."""
    for path, (*_, key) in catalog_state(engine).items():
        assert key == content_key(path), path
    assert engine.store.index.ids() == set(engine.catalog.live_vector_ids(engine.model_id).tolist())


@pytest.fixture
def watched(tmp_path, engine_factory, ro_view, monkeypatch):
    monkeypatch.setenv("CLIPDESK_THREADS", "1")  # a tiny model on a shared 2-core machine
    source = tmp_path / "library"
    for i in range(6):
        make_photo(source / "start" / f"p{i}.jpg", seed=i)
    view = ro_view(source)
    engine = engine_factory(batch_size=64, settle_s=0.3)
    engine.add_root(view)
    engine.start(watch=True)
    wait_settled(engine, view)
    return engine, source, view


def slow_write(data: bytes, target: Path, chunks: int = 8, pause: float = 0.1) -> None:
    with open(target, "wb") as fh:
        step = max(1, len(data) // chunks)
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            time.sleep(pause)


def test_event_storms(tmp_path, watched):
    engine, source, view = watched
    staging = tmp_path / "staging"
    for i in range(5000):  # 5 folders of 1,000 in 10 subfolders each
        tiny_png(staging / f"f{i // 1000}" / f"s{(i // 100) % 10}" / f"t{i:05d}.png", seed=10_000 + i)
    big = [make_photo(tmp_path / "big" / f"b{i}.jpg", seed=500 + i, size=(400, 300)) for i in range(4)]

    # 1. 5,000 files copied in at once, while a few larger files are still being written, one
    #    of them with a pause longer than the settle time (it is seen half-written).
    calls = engine.encoder.image_encode_calls
    writers = [threading.Thread(target=slow_write, args=(b.read_bytes(), source / "start" / b.name)) for b in big[:3]]
    half = source / "start" / big[3].name
    data = big[3].read_bytes()

    def pausing_writer() -> None:
        with open(half, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
            time.sleep(1.5)
            fh.write(data[len(data) // 2 :])

    half_seen: list[tuple] = []

    def watch_half() -> None:  # a half-written file must never be catalogued as indexed
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            record = engine.catalog.image_by_path(str(view / "start" / half.name))
            if record is not None and record.status == "indexed" and record.size != len(data):
                half_seen.append(record)
            if record is not None and record.status == "indexed" and record.size == len(data):
                return
            time.sleep(0.02)

    threads = [*writers, threading.Thread(target=pausing_writer), threading.Thread(target=watch_half)]
    for t in threads:
        t.start()
    shutil.copytree(staging, source / "storm")
    for t in threads:
        t.join()
    wait_settled(engine, view)
    assert not half_seen, half_seen
    assert engine.encoder.image_encode_calls - calls >= 5004
    assert_whole(engine, view)
    assert not engine.catalog.errors()

    # 2. A folder of 1,000 renamed: same images, same ids, nothing re-encoded.
    ids_by_key = {r[4]: r[0] for r in catalog_state(engine).values()}
    calls = engine.encoder.image_encode_calls
    os.rename(source / "storm" / "f0", source / "storm" / "f0 renamed")
    wait_settled(engine, view)
    assert engine.encoder.image_encode_calls == calls
    assert {r[4]: r[0] for r in catalog_state(engine).values()} == ids_by_key

    # 3. Moved out of the root and straight back: nothing happens at all.
    os.rename(source / "storm" / "f1", tmp_path / "outside")
    os.rename(tmp_path / "outside", source / "storm" / "f1")
    wait_settled(engine, view)
    assert engine.encoder.image_encode_calls == calls
    assert {r[4]: r[0] for r in catalog_state(engine).values()} == ids_by_key

    # 4. Moved out for a while (its photos leave the catalog), then back (they return).
    os.rename(source / "storm" / "f2" / "s0", tmp_path / "outside")
    wait_settled(engine, view)
    assert not any("/f2/s0/" in p for p in catalog_state(engine))
    os.rename(tmp_path / "outside", source / "storm" / "f2" / "s0")
    wait_settled(engine, view)
    assert sum("/f2/s0/" in p for p in catalog_state(engine)) == 100
    assert_whole(engine, view)

    # 5. Files replaced by write-to-temp-then-rename (how editors and sync tools save):
    #    the new content is indexed in place, once; no temp file is ever catalogued.
    calls = engine.encoder.image_encode_calls
    replaced = sorted((source / "storm" / "f3" / "s0").glob("*.png"))[:50]
    for i, target in enumerate(replaced):
        tmp = target.with_name(f".{target.name}.tmp")
        tiny_png(tmp, seed=90_000 + i)
        os.replace(tmp, target)
    wait_settled(engine, view)
    assert engine.encoder.image_encode_calls - calls == 50
    assert_whole(engine, view)
    assert not any(".tmp" in p for p in catalog_state(engine))
    assert engine.catalog.integrity_check() == "ok"


def test_root_unmounted_and_mounted_again(tmp_path, engine_factory, monkeypatch):
    """A real unmount: the mount point stays, empty. Nothing is deleted meanwhile, and once the
    drive is back, watching resumes by itself (a photo added then is found)."""
    from .util import read_only_view

    monkeypatch.setenv("CLIPDESK_THREADS", "1")
    drive = tmp_path / "drive"
    for i in range(5):
        make_photo(drive / f"p{i}.jpg", seed=i)
    mount_point = tmp_path / "mnt"
    with read_only_view(drive, mount_point) as ok:
        if not ok:
            pytest.skip("cannot bind-mount here (needs root and CAP_SYS_ADMIN)")
        engine = engine_factory(settle_s=0.2)
        engine.add_root(mount_point)
        engine.start(watch=True)
        assert wait_for(lambda: engine.catalog.counts()["indexed"] == 5)
        assert engine.wait_idle(30)
        ids = sorted(engine.catalog.live_vector_ids(engine.model_id).tolist())

    # Unmounted: the folder is there but empty.
    assert mount_point.is_dir() and not any(mount_point.iterdir())
    assert wait_for(lambda: engine.catalog.counts()["offline"] == 5, timeout=30), engine.catalog.counts()
    assert engine.wait_idle(30)
    assert engine.catalog.counts()["indexed"] == 5  # nothing deleted
    assert sorted(engine.catalog.live_vector_ids(engine.model_id).tolist()) == ids

    with read_only_view(drive, mount_point) as ok:
        assert ok
        assert wait_for(lambda: engine.catalog.counts()["offline"] == 0, timeout=30), engine.catalog.counts()
        make_photo(drive / "while_mounted_again.jpg", seed=99)
        target = str(mount_point / "while_mounted_again.jpg")
        assert wait_for(
            lambda: (
                engine.catalog.image_by_path(target) is not None
                and engine.catalog.image_by_path(target).status == "indexed"
            ),
            timeout=30,
        )
        assert engine.wait_idle(30)
        assert sorted(engine.catalog.live_vector_ids(engine.model_id).tolist())[:5] == ids
        engine.stop()


WATCH_LIMIT_SCRIPT = r"""
import json, os, sys, time
from clipdesk.catalog import Root
from clipdesk.watcher import FolderWatcher

root = sys.argv[1]
seen, rescans, warnings = set(), [], []
watcher = FolderWatcher(seen.update, rescans.append, settle_s=0.2, on_warning=warnings.append, poll_interval_s=0.3)
modes = [dict(watcher.watch([Root(1, root, True, (), True)]))]
time.sleep(0.5)
for i in range(20):  # far more new folders than watches left
    os.makedirs(os.path.join(root, f"new{i}"))
    with open(os.path.join(root, f"new{i}", "a.jpg"), "wb") as fh:
        fh.write(b"x")
expected = {os.path.join(root, f"new{i}", "a.jpg") for i in range(20)}
deadline = time.monotonic() + 20
while time.monotonic() < deadline and not (expected <= seen or root in rescans or None in rescans):
    time.sleep(0.1)
modes.append(dict(watcher.modes))
watcher.stop()
print(json.dumps({"modes": modes, "missed": sorted(expected - seen), "rescans": rescans, "warnings": warnings}))
"""


def run_with_inotify_limit(script: str, root: Path, watches: int = 8):
    """`script` (given `root` as argv[1]) in a user namespace whose inotify watch limit is
    lowered to `watches`; what it printed last, read as JSON."""
    cmd = f'echo {watches} > /proc/sys/user/max_inotify_watches && exec {sys.executable} -c "$SCRIPT" {root}'
    r = subprocess.run(
        ["unshare", "-U", "-r", "sh", "-c", cmd],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(SCRIPT=script, PYTHONPATH=str(REPO)),
        cwd="/",
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_inotify_watch_limit_reached_while_watching(tmp_path):
    """The real limit, lowered for this test alone (a user namespace has its own). When it runs
    out as new folders appear: a warning, polling takes over, and a rescan covers whatever the
    events missed."""
    probe = subprocess.run(
        ["unshare", "-U", "-r", "sh", "-c", "echo 8 > /proc/sys/user/max_inotify_watches"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot lower the inotify limit in a user namespace: {probe.stderr.decode().strip()}")
    root = tmp_path / "root"
    for i in range(3):
        (root / f"d{i}").mkdir(parents=True)
    out = run_with_inotify_limit(WATCH_LIMIT_SCRIPT, root)
    assert out["modes"][0] == {str(root): "watching"}
    assert out["modes"][-1] == {str(root): "polling"}, out
    assert any("limit" in w for w in out["warnings"]), out
    # Nothing missed: every file was reported, or the root is rescanned after the switch.
    assert not out["missed"] or str(root) in out["rescans"], out


def test_inotify_watch_limit_reached_at_start(tmp_path):
    """A root with more folders than watches left: not silently half-watched."""
    probe = subprocess.run(["unshare", "-U", "-r", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a user namespace here")
    root = tmp_path / "root"
    for i in range(30):
        (root / f"d{i}").mkdir(parents=True)
    script = (
        "import json, sys; from clipdesk.catalog import Root; from clipdesk.watcher import FolderWatcher; "
        "w = []; fw = FolderWatcher(print, print, on_warning=w.append); "
        "m = fw.watch([Root(1, sys.argv[1], True, (), True)]); fw.stop(); print(json.dumps([m, w]))"
    )
    modes, warnings = run_with_inotify_limit(script, root)
    assert modes == {str(root): "polling"}
    assert any("limit" in w for w in warnings)


def test_inotify_queue_overflow_is_caught_by_a_rescan(watched):
    """A storm faster than the events are read overflows the kernel's inotify queue: the
    events after that are dropped. watchdog only logs it; the photos must still be found."""
    engine, source, view = watched
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    if limit > 200_000:
        pytest.skip(f"max_queued_events is {limit}: too many events to overflow it quickly")
    reader = getattr(engine.watcher._observers.get(str(view)), "_inotify_fd", None)  # watchdog's reader
    if reader is None or not hasattr(reader, "_lock"):
        pytest.skip("not watching with watchdog's inotify observer")
    a, b = source / "start" / "p0.jpg", source / "start" / "p1.jpg"
    photo = (source / "start" / "p2.jpg").read_bytes()
    assert reader._lock.acquire(timeout=10)  # nobody reads the queue meanwhile (test-only trick)
    try:
        for _ in range(limit // 2 + 4000):  # alternate, so the kernel cannot merge them
            os.utime(a)
            os.utime(b)
        for i in range(20):  # these events are dropped by the kernel
            (source / "start" / f"late{i}.jpg").write_bytes(photo)
    finally:
        reader._lock.release()
    wait_settled(engine, view, timeout=60)
    assert sum("/late" in p for p in catalog_state(engine)) == 20
