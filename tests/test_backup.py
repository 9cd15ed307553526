"""Catalog backups: made with SQLite's online backup API, verified, pruned, listed with what they
hold; a SIGKILL mid-backup leaves nothing trusted; the schedule; restore and the index cache."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import numpy as np
from data_safety_helpers import DIM, make_catalog, user_made

from clipdesk.catalog import Catalog
from clipdesk.catalog.backup import KEEP, list_backups, make_backup
from clipdesk.cli.main import main
from clipdesk.index import IndexStore


def test_a_backup_is_verified_listed_with_what_it_holds_and_the_last_five_kept(tmp_path):
    catalog = make_catalog(tmp_path / "catalog.sqlite3", photos=400)
    try:  # taken while the catalog is open in WAL mode, with its newest pages in the WAL
        infos = [make_backup(catalog.path, tmp_path / "backups", now=1_700_000_000 + 3600 * i) for i in range(KEEP + 2)]
    finally:
        catalog.close()
    listed = list_backups(tmp_path / "backups")
    assert [b.path for b in listed] == [i.path for i in reversed(infos)][:KEEP]
    assert not infos[0].path.exists() and not infos[1].path.exists()  # the oldest two pruned
    newest = listed[0]
    assert newest.summary.photos == newest.summary.indexed == 400
    assert newest.summary.roots == ["/more-photos", "/photos"]
    assert newest.summary.settings == {"model_setting": "/models/mine", "query_languages": "english"}
    conn = sqlite3.connect(newest.path)
    assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    conn.close()
    assert user_made(newest.path) == user_made(tmp_path / "catalog.sqlite3")


def test_a_backup_killed_midway_is_never_trusted_and_is_cleaned_up_next_time(tmp_path):
    make_catalog(tmp_path / "catalog.sqlite3", photos=400).close()
    good = make_backup(tmp_path / "catalog.sqlite3", tmp_path / "backups")
    script = (
        "import sys; from pathlib import Path; from clipdesk.catalog.backup import make_backup; "
        "make_backup(Path(sys.argv[1]), Path(sys.argv[2]), now=2_000_000_000)"
    )
    env = {**os.environ, "CLIPDESK_TEST_KILL_AT": "backup"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "catalog.sqlite3"), str(tmp_path / "backups")], env=env
    )
    assert done.returncode == -9  # SIGKILL, with the copy written but not verified or renamed
    leftovers = [p for p in (tmp_path / "backups").iterdir() if ".partial" in p.name]
    assert leftovers, "the killed backup left its temp file"
    assert [b.path for b in list_backups(tmp_path / "backups")] == [good.path]  # the temp is not a backup
    newer = make_backup(tmp_path / "catalog.sqlite3", tmp_path / "backups")
    assert not any(".partial" in p.name for p in (tmp_path / "backups").iterdir())
    assert [b.path for b in list_backups(tmp_path / "backups")] == [newer.path, good.path]


def test_a_damaged_catalog_never_pushes_out_a_good_backup(tmp_path):
    make_catalog(tmp_path / "catalog.sqlite3", photos=400).close()
    for i in range(KEEP):
        make_backup(tmp_path / "catalog.sqlite3", tmp_path / "backups", now=1_700_000_000 + i)
    from data_safety_helpers import damage_page, page_of

    damage_page(tmp_path / "catalog.sqlite3", page_of(tmp_path / "catalog.sqlite3", "images"))
    try:
        make_backup(tmp_path / "catalog.sqlite3", tmp_path / "backups")
        raise AssertionError("a damaged catalog was backed up")
    except sqlite3.DatabaseError:
        pass
    assert len(list_backups(tmp_path / "backups")) == KEEP
    assert not any(".partial" in p.name for p in (tmp_path / "backups").iterdir())


def test_the_engine_backs_up_daily_and_after_a_large_indexing_run(engine_factory, make_library, tmp_path):
    engine = engine_factory()
    engine.backups.after_changes = 10
    engine.add_root(make_library(4))
    engine.index()
    first = engine.backups.backups()
    assert len(first) == 1 and first[0].summary.indexed == 4  # no backup yet: the day's first one
    engine.add_root(make_library(6, name="more", start=100))
    engine.index()
    assert engine.backups.backups() == first  # 6 changed photos, backed up today already: not yet
    engine.add_root(make_library(5, name="most", start=200))
    engine.index()
    backups = engine.backups.backups()  # 11 changed since the last backup
    assert len(backups) == 2 and backups[0].summary.indexed == 15
    engine.index()  # nothing changed: no new backup
    assert len(engine.backups.backups()) == 2


def test_cli_backup_and_restore_say_what_is_lost_and_keep_the_current_catalog(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    make_catalog(data / "catalog.sqlite3", photos=200).close()
    assert main(["backup", "--data-dir", str(data)]) == 0
    held = user_made(data / "catalog.sqlite3")
    catalog = Catalog(data / "catalog.sqlite3")
    catalog.add_root("/added-later")
    catalog.set_meta("query_languages", "multilingual")
    catalog.close()
    capsys.readouterr()
    assert main(["restore", "--data-dir", str(data), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "folders added since: /added-later" in out and "settings changed since: query_languages" in out
    assert user_made(data / "catalog.sqlite3") == held
    kept = list(data.glob("catalog.sqlite3.before-restore-*"))
    assert len([p for p in kept if not p.name.endswith(("-wal", "-shm"))]) == 1
    assert main(["backup", "--list", "--data-dir", str(data)]) == 0
    assert "200 indexed photos" in capsys.readouterr().out


def test_restore_without_a_terminal_or_yes_changes_nothing(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    make_catalog(data / "catalog.sqlite3", photos=10).close()
    assert main(["backup", "--data-dir", str(data)]) == 0
    before = (data / "catalog.sqlite3").read_bytes()
    with open(os.devnull) as no_terminal:
        monkeypatch.setattr("sys.stdin", no_terminal)
        assert main(["restore", "--data-dir", str(data)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert (data / "catalog.sqlite3").read_bytes() == before


def test_an_index_file_newer_than_the_catalog_is_never_trusted(tmp_path):
    """After a restore the catalog's change sequence goes back: an index saved later (at a higher
    watermark) describes another history and is rebuilt, never loaded."""
    catalog = make_catalog(tmp_path / "catalog.sqlite3", photos=450)  # 3 batches: change_seq 3
    store = IndexStore(catalog, tmp_path / "index")
    store.open("m", DIM)
    store.save()
    _stem, watermark = catalog.saved_index()
    assert store.last_open == "rebuilt" and watermark == catalog.change_seq()
    # The same ids, other vectors: what a restored catalog looks like next to a newer index file.
    ids = [int(i) for i in catalog.live_vector_ids("m")]
    with catalog.transaction() as conn:
        rng = np.random.default_rng(99)
        for image_id in ids:
            vec = rng.standard_normal(DIM).astype(np.float32)
            conn.execute(
                "UPDATE images SET embedding = ? WHERE id = ?", ((vec / np.linalg.norm(vec)).tobytes(), image_id)
            )
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'change_seq'")
    assert catalog.change_seq() < watermark
    fresh = IndexStore(catalog, tmp_path / "index")
    fresh.open("m", DIM)
    assert fresh.last_open == "rebuilt"
    probe = catalog.embedding_of(ids[0])
    assert probe is not None
    hits = fresh.index.search(probe[None, :], 1)  # type: ignore[union-attr]
    assert int(np.asarray(hits[0]).ravel()[0]) == ids[0]
    catalog.close()


def test_restore_rebuilds_the_index_from_the_restored_catalog(engine_factory, make_library, tmp_path, capsys):
    data = tmp_path / "data"
    engine = engine_factory(data)
    engine.add_root(make_library(5))
    engine.index()
    engine.backup_now()
    make_library(4, start=50)  # more photos in the same folder, indexed after the backup
    engine.index()
    engine.close()
    assert main(["restore", "--data-dir", str(data), "--yes"]) == 0
    assert not list((data / "index").glob("vectors-*"))  # the cache of the replaced catalog is gone
    again = engine_factory(data)
    again.load_model()
    assert again.store.last_open == "rebuilt" and len(again.store.index) == 5  # type: ignore[arg-type]
    report = again.index()
    assert report.encoded == 4  # the photos indexed after the backup come back by indexing
    assert again.status().counts["indexed"] == 9
