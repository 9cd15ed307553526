"""`clipdesk move-data DEST`: catalog, index, thumbnails and backups copied, verified, switched
(the app and the CLI find DEST by themselves), and the old copy removed only after the switch;
a SIGKILL at each step leaves a library that works and a move that can be finished."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from data_safety_helpers import make_catalog, user_made

from clipdesk import config
from clipdesk.catalog.backup import backup_folder, make_backup
from clipdesk.cli.main import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user of their own: the platform folders (data, cache, config) under tmp_path."""
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("CLIPDESK_DATA_DIR", raising=False)
    return tmp_path


def _library(data: Path) -> dict[str, object]:
    """A data folder as the app leaves it: catalog, an index file, thumbnails, a backup."""
    data.mkdir(parents=True, exist_ok=True)
    make_catalog(data / "catalog.sqlite3", photos=300).close()
    (data / "index").mkdir(exist_ok=True)
    (data / "index" / "vectors-3.hnsw").write_bytes(os.urandom(5000))
    thumbs = config.thumbnail_dir(data)
    (thumbs / "ab").mkdir(parents=True, exist_ok=True)
    (thumbs / "ab" / "abcdef.jpg").write_bytes(os.urandom(3000))
    make_backup(data / "catalog.sqlite3", backup_folder(data))
    return user_made(data / "catalog.sqlite3")


def _run_cli(args: list[str], kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if kill_at:
        env["CLIPDESK_TEST_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "clipdesk", *args], env=env, capture_output=True, text=True)


def test_the_default_data_folder_moves_and_is_found_there(home, capsys):
    old = config.data_dir()
    held = _library(old)
    old_thumbs = config.thumbnail_dir(old)
    dest = home / "other-disk" / "clipdesk"
    assert main(["move-data", str(dest)]) == 0
    assert "Moved clipdesk's data" in capsys.readouterr().out
    assert config.data_dir() == dest.resolve()  # no --data-dir needed from now on
    assert user_made(dest / "catalog.sqlite3") == held
    assert (dest / "index" / "vectors-3.hnsw").stat().st_size == 5000
    assert (dest / "thumbnails" / "ab" / "abcdef.jpg").stat().st_size == 3000
    assert len(list((dest / "backups").glob("catalog-*.sqlite3"))) == 1
    assert not (old / "catalog.sqlite3").exists() and not old_thumbs.exists()
    assert "moved to" in (old / "MOVED-TO.txt").read_text()
    assert not (dest / ".clipdesk-move-incomplete").exists()
    assert main(["status"]) == 0
    assert str(dest) in capsys.readouterr().out


def test_killed_while_copying_the_old_folder_stays_in_use_and_the_move_can_be_redone(home):
    old = config.data_dir()
    held = _library(old)
    dest = home / "other-disk" / "clipdesk"
    done = _run_cli(["move-data", str(dest)], kill_at="move-copied")
    assert done.returncode == -9, done.stderr
    assert config.data_dir() == old  # no switch yet
    assert user_made(old / "catalog.sqlite3") == held
    assert (dest / ".clipdesk-move-incomplete").exists()
    done = _run_cli(["move-data", str(dest)])  # the unfinished copy is ours: replaced
    assert done.returncode == 0, done.stderr
    assert config.data_dir() == dest.resolve()
    assert user_made(dest / "catalog.sqlite3") == held


def test_killed_after_the_switch_the_new_folder_is_in_use_and_clean_up_finishes(home):
    old = config.data_dir()
    held = _library(old)
    dest = home / "other-disk" / "clipdesk"
    done = _run_cli(["move-data", str(dest)], kill_at="move-switched")
    assert done.returncode == -9, done.stderr
    assert config.data_dir() == dest.resolve()
    assert user_made(dest / "catalog.sqlite3") == held
    assert (old / "catalog.sqlite3").exists()  # not removed before the switch was durable
    pointer = json.loads(config.data_dir_pointer().read_text())
    assert pointer["moved_from"] == str(old)
    done = _run_cli(["move-data", str(dest)])
    assert done.returncode == 0, done.stderr
    assert not (old / "catalog.sqlite3").exists()
    assert json.loads(config.data_dir_pointer().read_text()) == {"data_dir": str(dest.resolve())}


def test_a_data_dir_given_by_option_is_copied_and_kept(home, capsys):
    old = home / "explicit"
    held = _library(old)
    dest = home / "elsewhere"
    assert main(["move-data", "--data-dir", str(old), str(dest)]) == 0
    assert f"--data-dir {dest}" in capsys.readouterr().out
    assert not config.data_dir_pointer().exists()
    assert user_made(dest / "catalog.sqlite3") == held == user_made(old / "catalog.sqlite3")


def test_a_folder_that_is_not_empty_is_refused(home, capsys):
    old = config.data_dir()
    _library(old)
    dest = home / "busy"
    dest.mkdir()
    (dest / "someone-elses.txt").write_text("keep me")
    assert main(["move-data", str(dest)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert config.data_dir() == old and (dest / "someone-elses.txt").read_text() == "keep me"


def test_a_moved_folder_that_is_gone_is_never_replaced_by_an_empty_one(home, capsys):
    old = config.data_dir()
    _library(old)
    dest = home / "usb" / "clipdesk"
    assert main(["move-data", str(dest)]) == 0
    dest.rename(home / "unplugged")  # the disk is not there
    capsys.readouterr()
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "cannot be found" in err and "Traceback" not in err
    assert not dest.exists()


def test_a_retry_removes_only_what_the_move_wrote_and_keeps_what_others_put_there(home, capsys):
    old = config.data_dir()
    held = _library(old)
    (old / "api-token").write_text("secret")
    os.chmod(old / "api-token", 0o600)
    dest = home / "usb"
    done = _run_cli(["move-data", str(dest)], kill_at="move-copied")
    assert done.returncode == -9, done.stderr
    (dest / "holiday.jpg").write_bytes(b"someone's photo")  # put there after the interrupted move
    assert main(["move-data", str(dest)]) == 2  # not empty: refused, and nothing of theirs removed
    assert (dest / "holiday.jpg").read_bytes() == b"someone's photo"
    assert "not empty" in capsys.readouterr().err
    (dest / "holiday.jpg").unlink()
    assert main(["move-data", str(dest)]) == 0
    assert user_made(dest / "catalog.sqlite3") == held
    assert (dest / "api-token").read_text() == "secret"  # API clients keep working after a move
    assert (dest / "api-token").stat().st_mode & 0o777 == 0o600


def test_a_destination_inside_or_around_a_photo_folder_is_refused(home, capsys):
    from clipdesk.catalog import Catalog

    old = config.data_dir()
    _library(old)
    photos = home / "disk" / "Pictures"
    photos.mkdir(parents=True)
    catalog = Catalog(old / "catalog.sqlite3")
    catalog.add_root(str(photos))
    catalog.close()
    for dest in (photos / "clipdesk-data", home / "disk"):
        assert main(["move-data", str(dest)]) == 2
        assert "photo folder" in capsys.readouterr().err
    assert not (photos / "clipdesk-data").exists()
    assert config.data_dir() == old
