"""First run (welcome screen) and the Folders dialog, on a real engine that watches its folders."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt


def test_first_run_welcome_then_indexing_then_search(
    qtbot, tmp_path: Path, open_window, ui_photos, engine_order
) -> None:
    window = open_window(tmp_path / "fresh-data")
    assert window.pages.currentWidget() is window.welcome
    assert not window.search_bar.isVisible()
    assert not window.welcome.start_button.isEnabled()  # nothing chosen yet (no Pictures folder here)
    window.welcome.add_folder(str(ui_photos / "trips"))
    window.welcome.add_folder(str(ui_photos / "family"))
    window.welcome.folders.item(1).setCheckState(Qt.CheckState.Unchecked)  # changed their mind
    assert window.welcome.checked_folders() == [str(ui_photos / "trips")]
    window.welcome.start_button.click()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.views, timeout=10_000)
    assert window.search_bar.isVisible()
    qtbot.waitUntil(lambda: window.status.counts["indexed"] == 9, timeout=30_000)
    assert [r["path"] for r in window.status.roots] == [str(ui_photos / "trips")]
    qtbot.keyClicks(window.field, "harbour")
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() == 9, timeout=10_000
    )
    assert window.grid_paths() == engine_order(window, "harbour")


def test_folders_dialog_add_exclude_remove(qtbot, tmp_path: Path, library, open_window, ui_photos) -> None:
    window = open_window(library, watch=True)
    window.tasks.show_folders()
    dialog = window.tasks.folders_dialog
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItem(0).text(2) == "Watching for changes", timeout=10_000)
    item = dialog.tree.topLevelItem(0)
    assert item.data(0, Qt.ItemDataRole.UserRole) == str(ui_photos)
    assert item.text(1) == "21"  # 20 photos and the unreadable one

    extra = tmp_path / "Camera roll"
    extra.mkdir()
    for name in ("DSCN0010.jpg", "DSCN0012.jpg"):
        shutil.copy(ui_photos / "trips" / name, extra / f"copy-{name}")
    shutil.copy(ui_photos / "cameras" / "sony-d700.jpg", extra / "sony.jpg")
    dialog.add_folder(str(extra))
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 2, timeout=10_000)
    qtbot.waitUntil(lambda: window.status is not None and window.status.counts["indexed"] == 23, timeout=20_000)

    # A folder inside a watched one is refused, and the reason is shown.
    dialog.add_folder(str(ui_photos / "trips"))
    qtbot.waitUntil(lambda: not dialog.error_label.isHidden(), timeout=10_000)
    assert "already included" in dialog.error_label.text()

    # Exclusions: skip the copies.
    row = next(i for i in range(2) if dialog.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == str(extra))
    dialog.tree.topLevelItem(row).setSelected(True)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(row))
    dialog.excludes.setPlainText("copy-*\n")
    assert dialog.save_excludes_button.isEnabled()
    dialog.save_excludes_button.click()
    qtbot.waitUntil(
        lambda: any(r["path"] == str(extra) and r["excludes"] == ["copy-*"] and r["images"] == 1 for r in dialog.roots),
        timeout=20_000,
    )

    dialog.remove_folder(str(extra))
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.status.counts["indexed"] == 20, timeout=10_000)
    # The folder filter offers the folders that remain.
    assert window.filter_bar.folder_choices()[:2] == [None, str(ui_photos)]
    dialog.close()


def test_dropping_a_folder_on_the_window_adds_it(qtbot, tmp_path: Path, library, open_window, ui_photos) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    window = open_window(library)
    extra = tmp_path / "Phone"
    extra.mkdir()
    shutil.copy(ui_photos / "trips" / "DSCN0010.jpg", extra / "a.jpg")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(extra))])
    pos = QPointF(window.pages.geometry().center())
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos.toPoint(), *args)  # QPoint here, QPointF for the drop
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(pos, *args))
    qtbot.waitUntil(lambda: window.status is not None and len(window.status.roots) == 2, timeout=10_000)
    assert str(extra) in [r["path"] for r in window.status.roots]
    assert window.query.value is None  # a folder is not an image query
