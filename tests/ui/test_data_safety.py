"""The app and the library's data: a damaged catalog at start offers restore or salvage (and both
end in a working library with its folders and settings), Back Up Now, Restore a Backup, and the
status bar's full-disk state from the engine's real report on a real full filesystem."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from data_safety_helpers import damage_page, fill, page_of, tmpfs

from clipdesk.catalog import Catalog
from clipdesk.catalog.backup import backup_folder, list_backups, make_backup


def _window(qtbot, tmp_path: Path, data: Path, model: Path, watch: bool = False):
    from clipdesk.ui.app import create_application
    from clipdesk.ui.engine_bridge import EngineBridge
    from clipdesk.ui.main_window import MainWindow
    from clipdesk.ui.settings import Settings

    create_application()
    bridge = EngineBridge(str(data), str(model), watch=watch)
    window = MainWindow(bridge, Settings(str(tmp_path / "settings.ini")))
    qtbot.addWidget(window)
    window.resize(1100, 720)
    window.show()
    bridge.open()
    return window


def _meta(data: Path, key: str) -> str | None:
    conn = sqlite3.connect(f"file:{data / 'catalog.sqlite3'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def _with_setting(data: Path) -> None:
    catalog = Catalog(data / "catalog.sqlite3")
    try:
        catalog.set_meta("query_languages", "english")  # a setting people chose
    finally:
        catalog.close()


def _damaged_aside(data: Path) -> list[Path]:
    return [p for p in data.glob("catalog.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]


@pytest.mark.parametrize("choice", ["backup", "salvage"])
def test_a_damaged_catalog_offers_both_ways_back_and_each_ends_in_a_working_library(
    qtbot, tmp_path, library, ui_model, ui_photos, choice
):
    _with_setting(library)
    make_backup(library / "catalog.sqlite3", backup_folder(library))
    path = library / "catalog.sqlite3"
    damage_page(path, page_of(path, "roots"))  # the folders themselves are unreadable now
    damaged = path.read_bytes()

    window = _window(qtbot, tmp_path, library, ui_model)
    page = window.data_safety.recovery
    qtbot.waitUntil(lambda: page.active, timeout=20_000)
    assert window.pages.currentWidget() is page and not window.bridge.ready
    assert page.choices() == ["backup", "salvage"]
    assert page.restore_button.isVisible() and not page.no_backup.isVisible()
    text = page.restore_button.text()
    assert text.startswith("Restore the backup from ") and "(20 photos, 1 folder)" in text, text
    assert page.restore_button.description().startswith("Photos indexed since then will be indexed again")
    assert "never deleted" in page.explanation.text()

    (page.restore_button if choice == "backup" else page.salvage_button).click()
    qtbot.waitUntil(lambda: window.data_safety.last_done is not None, timeout=30_000)
    assert window.data_safety.last_done[0] == "recover"
    qtbot.waitUntil(lambda: window.status is not None and window.status.counts.get("indexed") == 20, timeout=60_000)
    assert not page.active and window.pages.currentWidget() is not page
    assert [r["path"] for r in window.status.roots] == [str(ui_photos)]  # folders kept
    assert _meta(library, "query_languages") == "english"  # settings kept
    aside = _damaged_aside(library)
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # moved aside, untouched
    qtbot.waitUntil(lambda: len(window.grid_paths()) == 20, timeout=30_000)  # a library that works


def test_without_a_backup_only_salvage_is_offered_and_keeps_the_folders(qtbot, tmp_path, library, ui_model, ui_photos):
    _with_setting(library)
    shutil.rmtree(backup_folder(library), ignore_errors=True)  # indexing the template made one
    path = library / "catalog.sqlite3"
    damage_page(path, page_of(path, "idx_images_scan"))
    window = _window(qtbot, tmp_path, library, ui_model)
    page = window.data_safety.recovery
    qtbot.waitUntil(lambda: page.active, timeout=20_000)
    assert page.choices() == ["salvage"]
    assert not page.restore_button.isVisible() and page.no_backup.isVisible()
    window.data_safety.recover("backup")  # not on offer: nothing happens
    assert not page.busy
    page.salvage_button.click()
    assert page.busy and page.progress.isVisible()
    qtbot.waitUntil(lambda: window.status is not None and window.status.counts.get("indexed") == 20, timeout=60_000)
    assert [r["path"] for r in window.status.roots] == [str(ui_photos)]
    assert _meta(library, "query_languages") == "english"
    assert len(_damaged_aside(library)) == 1


def test_back_up_now_then_restore_says_what_is_lost_and_brings_the_backup_back(
    qtbot, tmp_path, library, open_window, ui_photos
):
    from clipdesk.catalog.recovery import current_summary
    from clipdesk.ui.data_safety import restore_question

    shutil.rmtree(backup_folder(library), ignore_errors=True)  # indexing the template made one
    window = open_window(library, wait_model=False)
    safety = window.data_safety
    safety.back_up_now()
    qtbot.waitUntil(lambda: safety.last_done is not None, timeout=20_000)
    assert safety.last_done[0] == "backup"
    backups = list_backups(backup_folder(library))
    assert len(backups) == 1 and backups[0].summary.indexed == 20
    assert "The catalog was backed up (20 photos, 1 folder)" in window.flash_label.text()

    extra = tmp_path / "Scans"
    extra.mkdir()
    shutil.copy2(next(ui_photos.glob("trips/*.jpg")), extra / "scan.jpg")
    added: list[object] = []
    window.bridge.call(lambda e: e.add_root(extra), on_done=added.append)
    qtbot.waitUntil(lambda: bool(added), timeout=20_000)
    question = restore_question(current_summary(library), backups[0])
    assert f"folders added since: {extra}" in question and "kept aside, not deleted" in question

    safety.start_restore(backups[0].path)
    assert safety.progress is not None and safety.progress.isVisible()
    qtbot.waitUntil(lambda: safety.last_done is not None and safety.last_done[0] == "restore", timeout=30_000)
    assert safety.progress is None
    qtbot.waitUntil(lambda: window.bridge.ready, timeout=20_000)
    window.status = None
    window.bridge.refresh_status()
    qtbot.waitUntil(lambda: window.status is not None, timeout=20_000)
    assert [r["path"] for r in window.status.roots] == [str(ui_photos)]  # the folder added since is gone
    assert list(library.glob("catalog.sqlite3.before-restore-*"))  # the previous catalog kept aside
    assert "The backup was restored (20 photos, 1 folder)" in window.flash_label.text()


def test_moving_the_data_folder_reopens_the_library_there(qtbot, tmp_path, library, open_window, ui_photos):
    from clipdesk.ui.data_safety import move_destination

    window = open_window(library, wait_model=False)
    safety = window.data_safety
    taken = tmp_path / "other-disk"
    taken.mkdir()
    (taken / "something.txt").write_text("not ours")
    dest = move_destination(taken)
    assert dest == taken / "clipdesk-data"  # a folder with files in it gets a new folder inside
    safety.start_move(dest)
    qtbot.waitUntil(lambda: safety.last_done is not None and safety.last_done[0] == "move", timeout=30_000)
    qtbot.waitUntil(lambda: window.bridge.ready, timeout=20_000)
    assert window.bridge.data_dir == dest.resolve()
    window.status = None
    window.bridge.refresh_status()
    qtbot.waitUntil(lambda: window.status is not None, timeout=20_000)
    assert window.status.counts.get("indexed") == 20
    assert [r["path"] for r in window.status.roots] == [str(ui_photos)]
    assert (dest / "catalog.sqlite3").is_file() and (library / "catalog.sqlite3").is_file()  # --data-dir: old kept
    assert "clipdesk's data is now in" in window.flash_label.text()


def test_the_status_bar_shows_a_full_data_disk_and_clears_when_space_returns(qtbot, tmp_path, ui_model, ui_photos):
    from clipdesk.engine import Engine

    with tmpfs(tmp_path / "disk", "32m") as disk:
        data = disk / "data"
        engine = Engine(data, str(ui_model))
        engine.add_root(ui_photos)  # added before the disk fills; indexed by the app
        engine.close()
        window = _window(qtbot, tmp_path, data, ui_model)
        qtbot.waitUntil(lambda: window.bridge.ready, timeout=20_000)
        window.bridge.engine.disk_watch.poll_s = 0.2
        window.bridge.pause()  # nothing indexed before the disk is full
        window.bridge.load_model()
        qtbot.waitUntil(lambda: window.bridge.model_state[0] == "ready", timeout=30_000)
        ballast = fill(disk)
        window.bridge.resume()
        widget = window.status_bar.disk
        qtbot.waitUntil(lambda: widget.isVisible(), timeout=60_000)
        assert widget.state == "disk_full"
        message = widget.toolTip()  # the engine's own report, in full
        assert message.startswith("The disk holding clipdesk's data (") and "is full: indexing paused" in message
        assert "MB or move the data folder (Library ▸ Move the Data Folder…)" in message
        mb = re.search(r"free (\d+) MB", message).group(1)
        assert widget.label.text() == (
            f"The data disk is full: indexing paused, nothing was lost; free {mb} MB or move the data folder."
        )
        # Nothing indexed yet: the middle of the window says why (never "No photos found"), the banner too.
        empty = window.library_view.empty
        qtbot.waitUntil(lambda: empty.state == "disk_full", timeout=10_000)
        assert empty.title.text() == "The data disk is full" and "nothing was lost" in empty.body.text()
        assert empty.action_texts() == ["Move the Data Folder…", "Open the Data Folder"]
        banner = window.message_banner
        qtbot.waitUntil(lambda: banner.isVisible(), timeout=10_000)
        assert banner.title.text() == "Indexing paused: the data disk is full" and banner.level == "warning"
        assert banner.text.text() == message
        qtbot.wait(200)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / "data_disk_full.png"))
        assert [a.text() for a in widget.button.menu().actions()] == [
            "Open the Data Folder",
            "Move the Data Folder…",
        ]
        ballast.unlink()
        qtbot.waitUntil(lambda: not widget.isVisible(), timeout=60_000)
        assert widget.state == "ok"
        qtbot.waitUntil(lambda: window.status is not None and window.status.counts.get("indexed") == 20, timeout=60_000)
        qtbot.waitUntil(lambda: empty.state != "disk_full", timeout=10_000)
        window.close()


SHOTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"


@pytest.fixture(params=["en", "zh_CN"])
def shots_in(request, monkeypatch):
    """The interface in English (screenshots/) or Chinese (screenshots/zh_CN/): yields the folder."""
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from clipdesk.ui.app import create_application, install_translators

    create_application()
    monkeypatch.setenv("CLIPDESK_LANGUAGE", request.param)
    monkeypatch.setenv("CLIPDESK_THEME", "light")
    folder = SHOTS if request.param == "en" else SHOTS / request.param
    folder.mkdir(parents=True, exist_ok=True)
    install_translators(QApplication.instance(), QLocale(request.param))
    yield folder
    install_translators(QApplication.instance(), QLocale("en"))


def test_screenshot_damaged_catalog(qtbot, shots_in, tmp_path, library, ui_model):
    make_backup(library / "catalog.sqlite3", backup_folder(library))
    path = library / "catalog.sqlite3"
    damage_page(path, page_of(path, "roots"))
    window = _window(qtbot, tmp_path, library, ui_model)
    page = window.data_safety.recovery
    qtbot.waitUntil(lambda: page.active, timeout=20_000)
    qtbot.wait(300)
    assert window.grab().save(str(shots_in / "damaged_catalog.png"))
    if shots_in.name == "zh_CN":
        assert page.title.text() == "目录已损坏"
        assert (
            page.restore_button.text().startswith("恢复 ") and "（20 张照片，1 个文件夹）" in page.restore_button.text()
        )
        assert page.restore_button.description().startswith("此后索引的照片会重新索引")
        assert page.salvage_button.text() == "抢救能读取的内容，其余的重新索引"
    page.salvage_button.click()
    qtbot.wait(50)
    assert window.grab().save(str(shots_in / "damaged_catalog_salvaged.png"))
    qtbot.waitUntil(lambda: window.status is not None, timeout=30_000)
    window.close()


def test_the_restore_menu_asks_before_anything_changes(qtbot, tmp_path, library, open_window, ui_photos):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    shutil.rmtree(backup_folder(library), ignore_errors=True)
    window = open_window(library, wait_model=False)
    safety = window.data_safety
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton) -> None:
        def look() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                asked.append(box.text())
                box.button(button).click() if box.button(button) else box.accept()
            else:
                QTimer.singleShot(50, look)

        QTimer.singleShot(50, look)

    answer(QMessageBox.StandardButton.Ok)
    safety.restore_backup()  # no backup yet: says so, changes nothing
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=20_000)
    assert "There is no backup yet" in asked[0]

    made: list[object] = []
    window.bridge.call(lambda e: e.backup_now(), on_done=made.append)
    qtbot.waitUntil(lambda: bool(made), timeout=20_000)
    extra = tmp_path / "Scans"
    extra.mkdir()
    window.bridge.call(lambda e: e.add_root(extra), on_done=made.append)
    qtbot.waitUntil(lambda: len(made) == 2, timeout=20_000)

    answer(QMessageBox.StandardButton.No)
    safety.restore_backup()
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=20_000)
    assert asked[1].startswith("Restore the backup from ") and f"folders added since: {extra}" in asked[1]
    qtbot.wait(300)
    assert safety.last_done is None and safety.progress is None  # No: nothing happened
    assert not list(library.glob("catalog.sqlite3.before-restore-*"))

    answer(QMessageBox.StandardButton.Yes)
    safety.restore_backup()
    qtbot.waitUntil(lambda: safety.last_done is not None and safety.last_done[0] == "restore", timeout=30_000)
    qtbot.waitUntil(lambda: window.bridge.ready, timeout=20_000)
    assert [r.path for r in window.bridge.engine.roots()] == [str(ui_photos)]


def test_restoring_an_older_backup_from_the_menu_also_ends_the_damaged_page(
    qtbot, tmp_path, library, ui_model, ui_photos
):
    info = make_backup(library / "catalog.sqlite3", backup_folder(library))
    path = library / "catalog.sqlite3"
    damage_page(path, page_of(path, "roots"))
    window = _window(qtbot, tmp_path, library, ui_model)
    page = window.data_safety.recovery
    qtbot.waitUntil(lambda: page.active, timeout=20_000)
    window.data_safety.start_restore(info.path)
    qtbot.waitUntil(lambda: window.status is not None, timeout=30_000)
    assert not page.active and window.pages.currentWidget() is not page
    assert [r["path"] for r in window.status.roots] == [str(ui_photos)]
    assert list(library.glob("catalog.sqlite3.before-restore-*"))  # the damaged one, kept aside


@pytest.mark.parametrize("work", ["browse", "search", "indexing"])
def test_damage_met_during_a_session_switches_to_the_recovery_page_and_salvage_brings_the_library_back(
    qtbot, tmp_path, library, open_window, ui_photos, work
):
    from clipdesk.search import SearchRequest

    window = open_window(library, wait_model=work == "search")
    qtbot.waitUntil(lambda: len(window.grid_paths()) == 20, timeout=30_000)
    page = window.data_safety.recovery
    assert not page.active
    if work == "indexing":  # a new folder, indexed only once the damage is there
        window.bridge.pause()
        extra = tmp_path / "Scans"
        extra.mkdir()
        shutil.copy2(next(ui_photos.glob("trips/*.jpg")), extra / "scan.jpg")
        added: list[object] = []
        window.bridge.call(lambda e: e.add_root(extra), on_done=added.append)
        qtbot.waitUntil(lambda: bool(added), timeout=20_000)
    path = library / "catalog.sqlite3"
    damage_page(path, page_of(path, "images"))  # the start-up check reads no photo rows: only work does
    shown: list[object] = []
    window.bridge.catalogDamaged.connect(shown.append)
    if work == "browse":
        window.library_view.reload()
    elif work == "indexing":  # the indexing worker meets it and tells its listener, as the CLI shows it
        window.bridge.resume()
    else:
        window.bridge.search(SearchRequest(text="a beach at sunset", limit=50))
    qtbot.waitUntil(lambda: page.active, timeout=30_000)
    assert window.pages.currentWidget() is page and not window.bridge.ready
    assert "salvage" in page.choices()
    banner = window.message_banner
    assert not (banner.isVisible() and "clipdesk recover" in banner.text.text())  # the page, not a CLI command
    window.library_view.reload()  # more work meeting the same damage: no second page, nothing reopened
    qtbot.wait(500)
    assert len(shown) == 1 and page.active and not window.bridge.ready

    page.salvage_button.click()
    qtbot.waitUntil(lambda: window.data_safety.last_done is not None, timeout=30_000)
    assert window.data_safety.last_done[0] == "recover"
    qtbot.waitUntil(lambda: window.status is not None and window.status.counts.get("indexed") == 20, timeout=60_000)
    assert not page.active and window.pages.currentWidget() is not page
    assert str(ui_photos) in [r["path"] for r in window.status.roots]  # folders kept
    assert len(_damaged_aside(library)) == 1  # moved aside, never deleted
    window.library_view.reload()
    qtbot.waitUntil(lambda: len(window.grid_paths()) == 20, timeout=30_000)  # a library that works
