"""An unplugged root: its photos read as offline through the root's own row, which is the
only row written when it goes or comes back (a million photos once meant a million rows, and
their embeddings' pages, rewritten at every launch with the drive missing)."""

from __future__ import annotations

import os
import sqlite3

import numpy as np

from clipdesk.catalog import Catalog, EncodedImage
from clipdesk.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from clipdesk.search import Filters


def _item(root_id: int, path: str, taken_at: float) -> EncodedImage:
    vec = np.ones(8, np.float32) / 8**0.5
    return EncodedImage(path, root_id, 10, 20, f"key:{path}", 4, 3, taken_at, "JPEG", vec)


def _two_roots(catalog: Catalog) -> tuple[int, int]:
    drive = catalog.add_root("/media/usb")
    home = catalog.add_root("/home/me/Pictures")
    items = [_item(drive.id, f"/media/usb/{i}.jpg", 1000.0 + i) for i in range(5)]
    items += [_item(home.id, f"/home/me/Pictures/{i}.jpg", 2000.0 + i) for i in range(3)]
    catalog.commit_batch(items, [], "m")
    return drive.id, home.id


def _image_rows(catalog: Catalog) -> list[tuple]:
    return catalog.query("SELECT * FROM images ORDER BY id")


def test_a_root_going_offline_writes_its_own_row_only(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    drive, _home = _two_roots(catalog)
    rows = _image_rows(catalog)
    writer = catalog._writer
    before = writer.total_changes
    catalog.set_root_online(drive, False)
    assert writer.total_changes - before == 1  # the root's row; no image row
    assert _image_rows(catalog) == rows
    assert catalog.counts()["offline"] == 5 and catalog.counts()["indexed"] == 8
    assert catalog.counts(catalog.image_counts_by_root())["offline"] == 5
    records = catalog.images([r[0] for r in rows])
    assert {r.path for r in records.values() if r.offline} == {f"/media/usb/{i}.jpg" for i in range(5)}
    assert catalog.image_by_path("/media/usb/0.jpg").offline
    assert not catalog.image_by_path("/home/me/Pictures/0.jpg").offline
    assert not next(r for r in catalog.roots() if r.id == drive).online

    catalog.set_root_online(drive, True)
    assert writer.total_changes - before == 2
    assert _image_rows(catalog) == rows
    assert catalog.counts()["offline"] == 0 and not catalog.image_by_path("/media/usb/0.jpg").offline
    catalog.close()


def test_filters_browsing_and_pending_work_follow_the_root(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    drive, home = _two_roots(catalog)
    catalog.apply_scan_changes(pending=[("/media/usb/new.jpg", drive, 1, 2), ("/home/me/Pictures/new.jpg", home, 1, 2)])
    catalog.set_root_online(drive, False)
    home_ids = {r[0] for r in catalog.query("SELECT id FROM images WHERE root_id = ? AND status = 'indexed'", (home,))}
    assert set(catalog.filtered_ids(Filters(include_offline=False), "m").tolist()) == home_ids
    assert len(catalog.filtered_ids(Filters(include_offline=True, formats=("JPEG",)), "m")) == 8
    assert set(catalog.browse_ids(Filters(include_offline=False), 0, 100)) == home_ids
    assert len(catalog.browse_ids(Filters(), 0, 100)) == 8
    assert sum(n for _, _, n in catalog.month_counts(Filters(include_offline=False))) == 3
    # A file waiting on an unplugged drive is not worked on; it is once the drive is back.
    assert [p for _, p, _ in catalog.pending_ids("m")] == ["/home/me/Pictures/new.jpg"]
    catalog.set_root_online(drive, True)
    assert {p for _, p, _ in catalog.pending_ids("m")} == {"/home/me/Pictures/new.jpg", "/media/usb/new.jpg"}
    catalog.close()


def test_flags_written_by_an_older_version_are_ignored_after_the_upgrade(tmp_path):
    """A catalog from before: rows flagged offline one by one, then the drive came back."""
    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:2], start=1):
        for statement in script.split(";\n"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO roots(id, path, online) VALUES (1, '/media/usb', 1), (2, '/gone', 0)")
    conn.executemany(
        "INSERT INTO images(root_id, path, size, mtime_ns, status, taken_at, format, model_id, embedding, offline) "
        "VALUES (?, ?, 1, 2, 'indexed', 5.0, 'JPEG', 'm', ?, ?)",
        [(1, "/media/usb/a.jpg", b"\0" * 32, 1), (2, "/gone/b.jpg", b"\0" * 32, 0)],
    )
    conn.close()
    catalog = Catalog(path)
    assert catalog.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert not catalog.image_by_path("/media/usb/a.jpg").offline  # its root is online
    assert catalog.image_by_path("/gone/b.jpg").offline
    assert catalog.counts()["offline"] == 1
    assert catalog.browse_ids(Filters(include_offline=False), 0, 10) == [catalog.image_by_path("/media/usb/a.jpg").id]
    columns = [r[2] for r in catalog.query("PRAGMA index_info(idx_images_browse)")]
    assert "root_id" in columns and "offline" not in columns
    catalog.close()


def test_an_unplugged_drive_at_reconcile_leaves_every_photo_row_as_it_was(engine_factory, make_library, tmp_path):
    photos = make_library(6)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    rows = _image_rows(engine.catalog)
    os.rename(photos, tmp_path / "unplugged")
    report = engine.index()
    assert report.offline_roots == [str(photos)]
    assert _image_rows(engine.catalog) == rows
    assert engine.catalog.counts()["offline"] == 6 and not engine.catalog.roots()[0].online
    os.rename(tmp_path / "unplugged", photos)
    report = engine.index()
    assert report.encoded == 0 and engine.catalog.roots()[0].online
    assert _image_rows(engine.catalog) == rows and engine.catalog.counts()["offline"] == 0
