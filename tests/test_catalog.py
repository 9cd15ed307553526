"""The SQLite catalog: schema, WAL, transactions, readers alongside the writer."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from clipdesk.catalog import Catalog, EncodedImage, FailedImage
from clipdesk.catalog.schema import SCHEMA_VERSION


def _item(root_id: int, i: int) -> EncodedImage:
    return EncodedImage(f"/p/{i}.jpg", root_id, 10, 20, f"key{i}", 4, 3, None, "JPEG", np.ones(8, np.float32) / 8**0.5)


def test_schema_is_versioned_and_wal(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    assert catalog.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert catalog.query("PRAGMA journal_mode")[0][0] == "wal"
    tables = {r[0] for r in catalog.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"roots", "images", "meta", "vector_tombstones"} <= tables
    catalog.close()
    Catalog(tmp_path / "c.sqlite3").close()  # reopening migrates nothing and fails nothing


def test_newer_schema_is_refused_with_a_message(tmp_path):
    conn = sqlite3.connect(tmp_path / "c.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer clipdesk"):
        Catalog(tmp_path / "c.sqlite3")


def test_a_failed_batch_commits_nothing(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    root = catalog.add_root("/p")
    bad = _item(root.id, 2)
    bad.root_id = 999  # violates the foreign key: the whole batch must roll back
    with pytest.raises(sqlite3.IntegrityError):
        catalog.commit_batch([_item(root.id, 1), bad], [], "m")
    assert catalog.counts()["total"] == 0
    seq = catalog.change_seq()
    catalog.commit_batch([_item(root.id, 1)], [FailedImage("/p/x.jpg", root.id, 1, 1, None, "truncated")], "m")
    assert catalog.counts() == {"indexed": 1, "pending": 0, "error": 1, "offline": 0, "total": 2}
    assert catalog.change_seq() > seq
    assert catalog.errors() == [("/p/x.jpg", "truncated")]


def test_readers_see_committed_data_while_writer_works(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    root = catalog.add_root("/p")
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                n = catalog.counts()["indexed"]
                assert n % 10 == 0  # batches appear whole or not at all
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for b in range(30):
        catalog.commit_batch([_item(root.id, b * 10 + i) for i in range(10)], [], "m")
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert catalog.counts()["indexed"] == 300
    assert catalog.integrity_check() == "ok"


def test_offline_root_keeps_images(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    root = catalog.add_root("/p")
    catalog.commit_batch([_item(root.id, i) for i in range(3)], [], "m")
    catalog.set_root_online(root.id, False)
    assert catalog.counts()["offline"] == 3 and catalog.counts()["indexed"] == 3
    catalog.set_root_online(root.id, True)
    assert catalog.counts()["offline"] == 0


def test_unchanged_model_is_confirmed_while_a_long_write_runs(tmp_path):
    """Loading the model only reads the catalog when nothing changed, so a long write (a
    million photos flagged offline after a drive was unplugged) does not hold it up."""
    catalog = Catalog(tmp_path / "c.sqlite3")
    assert catalog.mark_model("m") is False  # first model: recorded, nothing stale
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with catalog.transaction():
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert holding.wait(10)
        assert catalog.mark_model("m") is False
        assert writer.is_alive()  # answered while the write was still under way, not after it
    finally:
        release.set()
        writer.join()
    assert catalog.mark_model("other") is True  # a real change still goes through the writer
