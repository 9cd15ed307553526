"""A damaged catalog: every command says so (exit 7) and names the choices; `clipdesk recover`
restores the latest backup or salvages what SQLite can read, keeping folders, settings and
albums; the damaged file is moved aside, never deleted. Real damage to real files, no mocks."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from data_safety_helpers import damage_page, make_catalog, page_of, user_made

from clipdesk.catalog import recovery
from clipdesk.catalog.backup import backup_folder, make_backup
from clipdesk.cli.main import main

PHOTOS = 600


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder: a catalog with user-made things and one backup of it."""
    data = tmp_path_factory.mktemp("pristine")
    make_catalog(data / "catalog.sqlite3", photos=PHOTOS).close()
    make_backup(data / "catalog.sqlite3", backup_folder(data))
    return data


def _copy(pristine: Path, dest: Path, with_backup: bool = True) -> Path:
    shutil.copytree(pristine, dest, ignore=None if with_backup else shutil.ignore_patterns("backups"))
    return dest


def _damage(data: Path, where: str) -> None:
    path = data / "catalog.sqlite3"
    if where == "header":
        with open(path, "r+b") as fh:
            fh.write(b"this is no longer a database!!!!" * 4)  # SQLite's 100-byte header and more
    elif where == "table page":
        damage_page(path, page_of(path, "images"))
    elif where == "index page":
        damage_page(path, page_of(path, "idx_images_scan"))
    elif where == "roots page":
        damage_page(path, page_of(path, "roots"))
    else:
        raise AssertionError(where)


def _indexed(data: Path) -> int:
    conn = sqlite3.connect(data / "catalog.sqlite3")
    try:
        return conn.execute("SELECT COUNT(*) FROM images WHERE status = 'indexed'").fetchone()[0]
    finally:
        conn.close()


# Damage that the open or the status read meets (a table page of images is met by a read of it).
@pytest.mark.parametrize("where", ["header", "index page", "roots page"])
def test_every_command_on_a_damaged_catalog_exits_7_and_names_the_choices(pristine, tmp_path, capsys, where):
    data = _copy(pristine, tmp_path / "data")
    _damage(data, where)
    assert main(["status", "--data-dir", str(data)]) == 7
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected error" not in err
    assert "clipdesk recover --from-backup" in err and "clipdesk recover --salvage" in err
    assert "photos are untouched" in err
    assert recovery.catalog_state(data).state == recovery.DAMAGED


@pytest.mark.parametrize("where", ["header", "table page", "index page", "roots page"])
def test_recover_from_the_backup_brings_everything_back(pristine, tmp_path, capsys, where):
    data = _copy(pristine, tmp_path / "data")
    before = user_made(data / "catalog.sqlite3")
    _damage(data, where)
    damaged_bytes = (data / "catalog.sqlite3").read_bytes()
    assert main(["recover", "--data-dir", str(data)]) == 7  # no choice given: says what it found and the choices
    assert "--salvage" in capsys.readouterr().err
    assert main(["recover", "--from-backup", "--data-dir", str(data)]) == 0
    assert "damaged file was kept as" in capsys.readouterr().out
    assert user_made(data / "catalog.sqlite3") == before
    assert _indexed(data) == PHOTOS
    aside = [p for p in data.glob("catalog.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged_bytes  # moved aside, untouched
    assert recovery.catalog_state(data, full=True).state == recovery.OK
    assert main(["status", "--data-dir", str(data)]) == 0


@pytest.mark.parametrize("where", ["header", "table page", "index page", "roots page"])
def test_salvage_keeps_user_made_things_and_fills_in_from_the_backup(pristine, tmp_path, capsys, where):
    data = _copy(pristine, tmp_path / "data")
    before = user_made(data / "catalog.sqlite3")
    _damage(data, where)
    assert main(["recover", "--salvage", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "read from the damaged file" in out
    assert user_made(data / "catalog.sqlite3") == before
    assert _indexed(data) == PHOTOS  # what the damaged file lost, the backup held
    assert recovery.catalog_state(data, full=True).state == recovery.OK


@pytest.mark.parametrize("where", ["table page", "index page"])
def test_salvage_without_a_backup_keeps_every_readable_row(pristine, tmp_path, where):
    data = _copy(pristine, tmp_path / "data", with_backup=False)
    before = user_made(data / "catalog.sqlite3")
    _damage(data, where)
    result = recovery.recover(data, recovery.SALVAGE)
    assert result.backup is None and result.salvage is not None
    assert user_made(data / "catalog.sqlite3") == before  # folders, settings, albums live on other pages
    recovered = _indexed(data)
    if where == "index page":
        assert recovered == PHOTOS  # the rows themselves were intact
    else:
        assert PHOTOS - 40 <= recovered < PHOTOS  # one leaf page's rows are lost; the scan finds them again


def test_damage_in_a_page_no_open_reads_is_found_by_recover(pristine, tmp_path, capsys):
    """The open reads the header and schema only (a full check reads every page: 39 s at 1M
    photos); `clipdesk recover` reads every page, and a backup's check does too."""
    data = _copy(pristine, tmp_path / "data")
    _damage(data, "table page")
    assert main(["status", "--data-dir", str(data)]) == 0  # status reads no embedding row
    capsys.readouterr()
    assert main(["recover", "--data-dir", str(data)]) == 7
    err = capsys.readouterr().err
    assert "Traceback" not in err and "clipdesk recover --from-backup" in err
    with pytest.raises(sqlite3.DatabaseError):
        make_backup(data / "catalog.sqlite3", backup_folder(data))  # never a damaged backup


def test_recover_on_a_healthy_catalog_changes_nothing(pristine, tmp_path, capsys):
    data = _copy(pristine, tmp_path / "data")
    before = (data / "catalog.sqlite3").read_bytes()
    assert main(["recover", "--salvage", "--data-dir", str(data)]) == 0
    assert "nothing to recover" in capsys.readouterr().out
    assert (data / "catalog.sqlite3").read_bytes() == before
    assert not list(data.glob("catalog.sqlite3.damaged-*"))


def test_the_app_asks_the_engine_api_before_opening_and_recovers(pristine, tmp_path, engine_factory):
    from clipdesk.engine import datastate

    data = _copy(pristine, tmp_path / "data")
    before = user_made(data / "catalog.sqlite3")
    _damage(data, "roots page")
    state = datastate.catalog_state(data)
    assert state.state == datastate.DAMAGED and "damaged" in state.message
    assert len(state.backups) == 1 and state.backups[0].summary.indexed == PHOTOS
    result = datastate.recover(datastate.FROM_BACKUP, data_dir=data)
    assert result.moved_aside is not None and result.moved_aside.exists()
    assert datastate.catalog_state(data).state == datastate.OK
    engine = engine_factory(data)  # opens as usual now
    assert [r.path for r in engine.roots()] == [p for p, _ in before["roots"]]
