"""A full or read-only data disk, on real small filesystems (tmpfs mounted by the test as root;
skipped with the reason elsewhere): every write path turns it into one DataDiskProblem, failed
saves leave no temp files, the CLI exits 6 with a message and no traceback, the app's engine
pauses and resumes by itself, and every photo ends up indexed exactly once."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from data_safety_helpers import DIM, fill, make_catalog, remount, tmpfs
from PIL import Image

from clipdesk.catalog.backup import list_backups, make_backup
from clipdesk.cli.main import main
from clipdesk.datadisk import DataDiskProblem
from clipdesk.engine import Listener
from clipdesk.imaging import ThumbnailCache
from clipdesk.index import IndexStore


@pytest.fixture
def disk(tmp_path: Path):
    with tmpfs(tmp_path / "disk", "32m") as mount_point:
        yield mount_point


def _no_temps(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".partial")) or ".partial" in p.name]


def test_an_index_save_on_a_full_disk_keeps_the_previous_pair_and_leaves_no_temp(disk):
    catalog = make_catalog(disk / "catalog.sqlite3", photos=400)
    store = IndexStore(catalog, disk / "index")
    store.open("m", DIM)  # rebuilt and saved while there is room
    saved = catalog.saved_index()
    before = sorted(p.name for p in (disk / "index").iterdir())
    rng = np.random.default_rng(3)
    store.add(np.arange(10_000, 10_000 + 3000), rng.standard_normal((3000, DIM)).astype(np.float32))
    ballast = fill(disk)
    with pytest.raises(DataDiskProblem) as caught:
        store.save()
    assert caught.value.kind == "disk_full"
    assert "is full: indexing paused, nothing was lost; free" in caught.value.user_message
    assert sorted(p.name for p in (disk / "index").iterdir()) == before  # no temp, no half pair
    assert catalog.saved_index() == saved
    ballast.unlink()
    catalog.close()


def test_a_thumbnail_on_a_full_disk_is_skipped_without_a_temp(disk):
    cache = ThumbnailCache(disk / "thumbnails")
    thumb = Image.fromarray(np.random.default_rng(1).integers(0, 255, (320, 320, 3), dtype=np.uint8))
    fill(disk)
    with pytest.raises(DataDiskProblem):
        cache.store("ab" * 20, thumb)
    assert cache.store_if_room("cd" * 20, thumb) is None
    assert _no_temps(disk / "thumbnails") == []
    assert not cache.has("ab" * 20) and not cache.has("cd" * 20)


def test_a_backup_on_a_full_disk_is_refused_and_leaves_nothing(disk):
    make_catalog(disk / "catalog.sqlite3", photos=400).close()
    good = make_backup(disk / "catalog.sqlite3", disk / "backups")
    fill(disk)
    with pytest.raises(DataDiskProblem) as caught:
        make_backup(disk / "catalog.sqlite3", disk / "backups")
    assert caught.value.kind == "disk_full"
    assert [b.path for b in list_backups(disk / "backups")] == [good.path]
    assert _no_temps(disk / "backups") == []


def _indexed_once(data: Path, photos: Path) -> None:
    """Every photo is in the catalog once, indexed."""
    conn = sqlite3.connect(data / "catalog.sqlite3")
    rows = conn.execute("SELECT path, status FROM images").fetchall()
    conn.close()
    on_disk = sorted(str(p) for p in photos.rglob("*.jpg"))
    assert sorted(r[0] for r in rows) == on_disk
    assert {r[1] for r in rows} == {"indexed"}


def _encoded(out: str) -> int:
    match = re.search(r"Indexed (\d+) new or changed photos", out)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("room_kib", [0, 640])
def test_cli_index_on_a_full_disk_exits_6_then_the_next_run_finishes_the_work(
    disk, make_library, tiny_model, capsys, room_kib
):
    photos = make_library(40)
    data = disk / "data"
    args = ["--data-dir", str(data), "--model", str(tiny_model)]
    assert main(["add", str(photos), *args]) == 0
    ballast = fill(disk)
    if room_kib:  # some room: a few batches commit before the disk is full
        with open(ballast, "r+b") as fh:
            fh.truncate(max(ballast.stat().st_size - room_kib * 1024, 0))
    capsys.readouterr()
    code = main(["index", "--batch-size", "4", *args])
    out, err = capsys.readouterr()
    assert code == 6, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert re.search(r"is full: indexing paused, nothing was lost; free \d+ MB or move the data folder", err)
    assert _no_temps(data) == []
    assert _encoded(out) == 0
    ballast.unlink()  # space returns
    committed = _indexed_count(data)  # batches committed before the disk filled stay committed
    assert main(["index", "--batch-size", "4", *args]) == 0
    second = _encoded(capsys.readouterr().out)
    _indexed_once(data, photos)
    assert committed + second == 40  # the next run encodes exactly what the first did not commit
    if room_kib:
        assert committed > 0, "no batch committed: make the room larger"


def _indexed_count(data: Path) -> int:
    conn = sqlite3.connect(data / "catalog.sqlite3")
    try:
        return conn.execute("SELECT COUNT(*) FROM images WHERE status = 'indexed'").fetchone()[0]
    finally:
        conn.close()


def test_cli_index_on_a_read_only_disk_exits_6(disk, make_library, tiny_model, capsys):
    photos = make_library(6)
    data = disk / "data"
    args = ["--data-dir", str(data), "--model", str(tiny_model)]
    assert main(["add", str(photos), *args]) == 0
    remount(disk, "ro")
    try:
        capsys.readouterr()
        code = main(["index", *args])
        err = capsys.readouterr().err
        assert code == 6, err
        assert "read-only" in err and "Traceback" not in err
    finally:
        remount(disk, "rw")


def test_the_engine_pauses_on_a_full_disk_and_resumes_by_itself(disk, make_library, engine_factory):
    photos = make_library(30)
    engine = engine_factory(disk / "data")
    states: list[tuple[str, str]] = []
    engine.add_listener(Listener(disk=lambda state, text: states.append((state, text))))
    engine.disk_watch.poll_s = 0.2
    engine.add_root(photos)
    ballast = fill(disk)
    engine.start(watch=False)
    deadline = time.monotonic() + 60
    while not states and time.monotonic() < deadline:
        time.sleep(0.1)
    assert states and states[0][0] == "disk_full", states
    assert engine.disk_problem is not None
    assert "free" in states[0][1] and "MB" in states[0][1]
    ballast.unlink()
    deadline = time.monotonic() + 60
    while engine.status().counts["indexed"] < 30 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ("ok", "The data disk has room again: indexing resumed.") in states
    assert engine.disk_problem is None
    assert engine.wait_idle(30)
    engine.stop()
    _indexed_once(disk / "data", photos)
    assert os.path.exists(disk / "data" / "catalog.sqlite3")


def test_labelling_on_a_full_disk_is_the_disk_state_not_an_unexpected_error(disk, make_library, engine_factory):
    from clipdesk.engine.labelling import PrepareLabels

    engine = engine_factory(disk / "data")
    engine.add_root(make_library(6))
    engine.index()  # the CLI's path: no label vectors yet
    states: list[tuple[str, str]] = []
    messages: list[tuple[str, str]] = []
    engine.add_listener(
        Listener(disk=lambda state, text: states.append((state, text)), message=lambda *m: messages.append(m))
    )
    ballast = fill(disk)
    try:
        engine.labelling.start()
        engine.labelling.submit(PrepareLabels())
        deadline = time.monotonic() + 60
        while not states and time.monotonic() < deadline:
            time.sleep(0.1)
        assert states and states[0][0] == "disk_full", (states, messages)
        assert not [m for m in messages if "unexpected" in m[1]], messages
    finally:
        ballast.unlink()
        engine.labelling.stop(10)
