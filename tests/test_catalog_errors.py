"""SQLite failures reach people as a kind and a message they can act on: real damaged files,
a real full disk (a 1 MiB tmpfs), a real read-only mount and a real lock; no mocks."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from data_safety_helpers import batch

from clipdesk.catalog import Catalog, CatalogError, EncodedImage, Filters
from clipdesk.catalog.errors import classify

DIM = 512  # a real model's width: rows as wide as a real catalog's


def _batch(root_id: int, start: int, n: int) -> list[EncodedImage]:
    return batch(root_id, start, n, dim=DIM)


def _real_catalog(path: Path, n: int = 3000) -> Path:
    catalog = Catalog(path)
    root = catalog.add_root("/photos")
    for start in range(0, n, 500):
        catalog.commit_batch(_batch(root.id, start, 500), [], "m")
    catalog.close()  # the last connection checkpoints the WAL into the file and removes it
    assert not Path(f"{path}-wal").exists()
    return path


def _read_everything(catalog: Catalog) -> None:
    for _ in catalog.iter_embeddings("m"):
        pass
    catalog.counts()
    catalog.browse_ids(Filters(), 0, 10_000)
    catalog.month_counts(Filters())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _real_catalog(tmp_path_factory.mktemp("pristine") / "catalog.sqlite3")


def test_damaged_pages_in_the_middle_read_as_corrupt(pristine, tmp_path):
    damaged = tmp_path / "catalog.sqlite3"
    shutil.copyfile(pristine, damaged)
    size = damaged.stat().st_size
    assert size > 4_000_000
    with open(damaged, "r+b") as f:
        f.seek(size // 2 // 4096 * 4096)
        f.write(np.random.default_rng(7).integers(0, 256, 8192, dtype=np.uint8).tobytes())
    catalog = Catalog(damaged)  # the header and schema are intact: it opens
    try:
        with pytest.raises(CatalogError) as caught:
            _read_everything(catalog)
    finally:
        catalog.close()
    assert caught.value.kind == "corrupt"
    assert str(damaged) in caught.value.user_message and "photos are untouched" in caught.value.user_message
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)


def test_a_damaged_header_is_refused_at_open_as_corrupt(pristine, tmp_path):
    damaged = tmp_path / "catalog.sqlite3"
    shutil.copyfile(pristine, damaged)
    with open(damaged, "r+b") as f:
        f.write(b"this is no longer a database!!!!" * 4)  # the first 100 bytes: SQLite's header
    with pytest.raises(CatalogError) as caught:
        Catalog(damaged)
    assert caught.value.kind == "corrupt"


def test_the_cli_says_so_without_a_traceback(pristine, tmp_path, capsys):
    from clipdesk.cli.main import main

    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(pristine, data / "catalog.sqlite3")
    with open(data / "catalog.sqlite3", "r+b") as f:
        f.write(b"\0" * 100)
    assert main(["status", "--data-dir", str(data)]) == 7
    err = capsys.readouterr().err
    assert "damaged" in err and str(data / "catalog.sqlite3") in err and "Traceback" not in err


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB filesystem (tmpfs): tests run as root; skipped where mounting is not allowed."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_disk_full_and_loses_nothing(small_disk):
    catalog = Catalog(small_disk / "catalog.sqlite3")
    root = catalog.add_root("/photos")
    committed = 0
    try:
        with pytest.raises(CatalogError) as caught:
            for start in range(0, 10_000, 50):  # 50 x 2 KiB per batch: the disk fills within ~10 batches
                catalog.commit_batch(_batch(root.id, start, 50), [], "m")
                committed += 50
        assert caught.value.kind == "disk_full"
        assert caught.value.user_message.startswith("The disk holding the catalog")
        assert "nothing was lost" in caught.value.user_message
        assert committed > 0
        # Every batch committed before the disk filled is still there, and reads still work.
        assert catalog.counts()["indexed"] == committed
        assert sum(len(ids) for ids, _ in catalog.iter_embeddings("m")) == committed
    finally:
        catalog.close()


def test_a_read_only_disk_is_read_only(small_disk):
    _seed = Catalog(small_disk / "catalog.sqlite3")
    _seed.add_root("/photos")
    _seed.close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(CatalogError) as caught:
        Catalog(small_disk / "catalog.sqlite3")
    assert caught.value.kind == "read_only"
    assert "read-only" in caught.value.user_message and "--data-dir" in caught.value.user_message
    assert classify(OSError(30, os.strerror(30))) == "read_only"  # EROFS from a plain write


def test_a_catalog_locked_by_another_program_is_busy(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3", busy_timeout_s=0.2)
    other = sqlite3.connect(tmp_path / "catalog.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CatalogError) as caught:
            catalog.add_root("/photos")
        assert caught.value.kind == "busy"
        assert "locked" in caught.value.user_message
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert catalog.add_root("/photos").path == "/photos"  # the lock gone, the same catalog works
    catalog.close()


def test_bugs_are_not_dressed_up_as_disk_trouble(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):  # a foreign key violated: clipdesk's fault, keeps its traceback
        catalog.commit_batch(_batch(999, 0, 1), [], "m")
    catalog.close()


def test_closing_under_a_long_read_on_another_thread_interrupts_it_instead_of_crashing(tmp_path):
    """A background pass still inside a query when the engine closes (its stop timed out): closing
    that connection under it used to crash the process; now the query is interrupted and ends as a
    'closed' CatalogError, and the connection is closed by its own thread."""
    catalog = Catalog(tmp_path / "c.sqlite3")
    started, outcome = threading.Event(), {}

    def slow_read(conn):
        started.set()
        # A recursive CTE that runs for minutes unless interrupted.
        return conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
        ).fetchone()

    def reader():
        try:
            outcome["value"] = catalog._read(slow_read)
        except CatalogError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=reader)
    thread.start()
    assert started.wait(10)
    time.sleep(0.2)
    catalog.close()
    thread.join(10)
    assert not thread.is_alive()
    assert "value" not in outcome
    assert outcome["error"].kind == "closed"
    assert "nothing was lost" in outcome["error"].user_message
    with pytest.raises(CatalogError) as later:  # and asking again after close is refused the same way
        catalog.counts()
    assert later.value.kind == "closed"
