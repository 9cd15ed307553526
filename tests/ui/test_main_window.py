"""The main window against a real engine and real photos."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from clipdesk.ui import search_session


def type_query(qtbot, window, text: str) -> None:
    window.field.setFocus()
    qtbot.keyClicks(window.field, text)
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )


def drop_files(window, paths: list[str]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    pos = window.pages.geometry().center()
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, drop)


def test_typing_fills_the_grid_in_ranked_order(qtbot, library, open_window, engine_order) -> None:
    window = open_window(library)
    # With no query the window shows the whole library, newest first.
    assert window.current_view() is window.library_view
    qtbot.waitUntil(lambda: window.library_view.showing_photos(), timeout=10_000)
    assert window.library_view.model.rowCount() == 20
    type_query(qtbot, window, "a dog on the beach")
    assert window.current_view() is window.search_view and window.sidebar.current() == "search"
    assert window.search_view.session.request.text == "a dog on the beach"  # debounced: one search for the whole text
    assert window.search_view.showing_photos()
    assert window.grid_paths() == engine_order(window, "a dog on the beach")
    assert len(window.grid_paths()) == 20
    scores = [h.score for h in window.search_view.model.hits()]
    assert scores == sorted(scores, reverse=True)
    assert "20 photos" in window.count_label.text()
    assert window.errors_button.isVisible() and "1 unreadable" in window.errors_button.text()


def test_results_page_in_as_the_grid_scrolls(qtbot, library, open_window, engine_order, monkeypatch) -> None:
    monkeypatch.setattr(search_session, "PAGE_FIRST", 6)
    window = open_window(library, size=(900, 500))
    type_query(qtbot, window, "street")
    assert (
        window.search_view.session.request.limit == 6 and window.search_view.model.rowCount() >= 6
    )  # the view may fill itself already
    for _ in range(10):
        if not window.search_view.model.has_more:
            break
        window.search_view.grid.scrollToBottom()
        window.search_view.model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not window.search_view.model.fetching, timeout=10_000)
    assert window.grid_paths() == engine_order(window, "street")


def test_dropping_a_photo_runs_an_image_query(qtbot, library, open_window, ui_photos) -> None:
    window = open_window(library)
    photo = str(ui_photos / "trips" / "DSCN0027.jpg")
    drop_files(window, [photo])
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )
    assert window.search_view.session.request.image == photo and window.search_view.session.request.text == ""
    assert window.chip.isVisible() and "DSCN0027.jpg" in window.chip.label.text()
    assert window.grid_paths()[0] == photo  # the photo itself is its own best match
    assert window.search_view.model.hits()[0].score > 0.999


def test_a_photo_from_outside_the_library_is_a_query_not_an_addition(
    qtbot, library, open_window, ui_photos, tmp_path
) -> None:
    window = open_window(library)
    outside = tmp_path / "Downloads" / "copy.jpg"
    outside.parent.mkdir()
    shutil.copy(ui_photos / "cameras" / "nikon-e950.jpg", outside)
    before = window.bridge.engine.catalog.counts()
    drop_files(window, [str(outside)])
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )
    # The same picture, encoded afresh, finds its twin in the library first.
    assert window.grid_paths()[0] == str(ui_photos / "cameras" / "nikon-e950.jpg")
    assert window.bridge.engine.catalog.counts() == before
    assert window.bridge.engine.catalog.image_by_path(str(outside)) is None


def test_several_dropped_photos_search_together_and_text_combines(qtbot, library, open_window, ui_photos) -> None:
    window = open_window(library)
    photos = [str(ui_photos / "trips" / "DSCN0010.jpg"), str(ui_photos / "trips" / "DSCN0012.jpg")]
    drop_files(window, photos)
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )
    assert window.search_view.session.request.image == tuple(photos)
    assert set(window.grid_paths()[:2]) == set(photos)
    assert "2 photos" in window.chip.label.text()
    qtbot.keyClicks(window.field, "at night")
    qtbot.waitUntil(
        lambda: window.search_view.session.request.text == "at night" and not window.search_view.session.searching,
        timeout=10_000,
    )
    assert window.search_view.session.request.image == tuple(photos)
    window.chip.close_button.click()
    qtbot.waitUntil(
        lambda: window.search_view.session.request.image is None and not window.search_view.session.searching,
        timeout=10_000,
    )
    assert not window.chip.isVisible()


def test_find_similar_from_a_result(qtbot, library, open_window) -> None:
    window = open_window(library)
    type_query(qtbot, window, "mountains")
    target = window.search_view.model.hit(4)
    window.search_view.grid.select_row(4)
    menu = window.commands.context_menu(
        window.search_view.grid.visualRect(window.search_view.model.index(4, 0)).center()
    )
    labels = [a.text() for a in menu.actions() if a.text()]
    for wanted in (
        "Open",
        "Show in Folder",
        "Copy &Path",
        "&Copy Image",
        "Find Similar",
        "Search with This Image + Text…",
    ):
        assert wanted in labels
    next(a for a in menu.actions() if a.text() == "Find Similar").trigger()
    menu.close()
    qtbot.waitUntil(
        lambda: window.search_view.session.request.image == target.id and not window.search_view.session.searching,
        timeout=10_000,
    )
    assert window.search_view.session.request.text == ""
    assert window.grid_paths()[0] == target.path
    assert os.path.basename(target.path) in window.chip.label.text()


def test_search_with_this_image_plus_text_keeps_the_words(qtbot, library, open_window) -> None:
    window = open_window(library)
    type_query(qtbot, window, "church")
    target = window.search_view.model.hit(2)
    window.search.find_similar([target], keep_text=True)
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.session.request.image == target.id,
        timeout=10_000,
    )
    assert window.search_view.session.request.text == "church" and window.field.hasFocus()


def test_preview_opens_oriented_steps_and_returns(qtbot, library, open_window, ui_photos) -> None:
    window = open_window(library)
    drop_files(window, [str(ui_photos / "family" / "portrait_6.jpg")])  # stored sideways, EXIF says rotate
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )
    window.search_view.grid.setFocus()
    window.search_view.grid.select_row(0)
    qtbot.keyClick(window.search_view.grid, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.preview
    hit = window.search_view.model.hit(0)
    assert window.preview.title.text() == "portrait_6.jpg"
    assert window.preview.path_label.full_text() == hit.path
    qtbot.waitUntil(lambda: window.preview.has_loaded(str(ui_photos / "family" / "portrait_6.jpg")), timeout=10_000)
    pixmap = window.preview.canvas.pixmap()
    assert pixmap.height() > pixmap.width()  # shown upright, as a portrait
    assert f"{hit.width} × {hit.height}" in window.preview.details_label.text() and hit.height > hit.width
    assert "kB" in window.preview.details_label.text() or "KB" in window.preview.details_label.text()
    assert "1 of 20" in window.preview.counter.text()
    qtbot.keyClick(window.preview, Qt.Key.Key_Right)
    assert window.preview.hit == window.search_view.model.hit(1) and "2 of 20" in window.preview.counter.text()
    qtbot.keyClick(window.preview, Qt.Key.Key_Left)
    assert window.preview.hit == window.search_view.model.hit(0)
    qtbot.keyClick(window.preview, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.views
    assert window.search_view.grid.currentIndex().row() == 0


def test_thumbnail_size_slider_wheel_and_keys(qtbot, library, open_window) -> None:
    window = open_window(library)
    type_query(qtbot, window, "house")
    start = window.zoom.value()
    qtbot.keyClick(window.search_view.grid, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.value() == start + 16
    qtbot.keyClick(window.search_view.grid, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.search_view.grid, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.value() == start - 16
    assert window.search_view.grid.delegate.size == start - 16
    assert window.settings.thumb_size == start - 16
    window.search_view.grid.zoomRequested.emit(1)
    assert window.zoom.value() == start


def test_keyboard_and_multi_select_copy_paths(qtbot, library, open_window) -> None:
    window = open_window(library)
    type_query(qtbot, window, "garden")
    qtbot.keyClick(window.field, Qt.Key.Key_Down)  # from the field into the grid
    assert window.search_view.grid.hasFocus() and window.search_view.grid.currentIndex().row() == 0
    qtbot.keyClick(window.search_view.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.search_view.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.search_view.grid.selected_rows() == [0, 1, 2]
    window.commands.copy_path.trigger()
    assert QGuiApplication.clipboard().text().splitlines() == window.grid_paths()[:3]
    mime = window.search_view.model.mimeData(window.search_view.grid.selectionModel().selectedIndexes())
    assert [u.toLocalFile() for u in mime.urls()] == window.grid_paths()[:3]
    window.search_view.grid.select_row(0)
    window.commands.copy_image.trigger()  # decoded in the background, then put on the clipboard
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=10_000)
    hit = window.search_view.model.hit(0)
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (hit.width, hit.height)


def test_sort_by_date_and_filters(qtbot, library, open_window, ui_photos) -> None:
    window = open_window(library)
    type_query(qtbot, window, "people")
    window.search.set_sort_mode("newest")
    qtbot.waitUntil(lambda: not window.search_view.session.searching, timeout=10_000)
    taken = [h.taken_at for h in window.search_view.model.hits()]
    assert taken == sorted(taken, reverse=True) and len(taken) == 20
    window.search.set_sort_mode("relevance")
    qtbot.waitUntil(lambda: not window.search_view.session.searching, timeout=10_000)
    # Folder filter: pick the "trips" folder as if chosen in the dialog.
    trips = str(ui_photos / "trips")
    window.filter_bar.set_folder(trips)
    qtbot.waitUntil(lambda: not window.search_view.session.searching, timeout=10_000)
    assert window.grid_paths() and all(p.startswith(trips + os.sep) for p in window.grid_paths())
    assert len(window.grid_paths()) == 9
    # A date range with no photos: a visible "no results" with the way out.
    window.filter_bar.set_date_mode("7")
    qtbot.waitUntil(lambda: not window.search_view.session.searching, timeout=10_000)
    assert window.search_view.model.rowCount() == 0
    assert not window.search_view.showing_photos() and window.search_view.empty.state == "no_results"
    assert window.search_view.empty.action_texts() == ["Clear filters"]
    window.search_view.empty.click_action(0)
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() == 20, timeout=10_000
    )


def test_paste_an_image_from_the_clipboard(qtbot, library, open_window, ui_photos) -> None:
    window = open_window(library)
    before = window.bridge.engine.catalog.counts()
    image = QImage(str(ui_photos / "trips" / "DSCN0040.jpg"))
    assert not image.isNull()
    QGuiApplication.clipboard().setImage(image)
    window.search_view.grid.setFocus()
    window.commands.paste.trigger()
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )
    assert window.chip.isVisible() and window.query.value is not None
    assert window.grid_paths()[0] == str(ui_photos / "trips" / "DSCN0040.jpg")
    assert window.bridge.engine.catalog.counts() == before
    # Ctrl+V in the search field with a copied image *file* also makes it the query.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(ui_photos / "family" / "landscape_1.jpg"))])
    QGuiApplication.clipboard().setMimeData(mime)
    window.field.setFocus()
    qtbot.keyClick(window.field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: (
            window.query.value == str(ui_photos / "family" / "landscape_1.jpg")
            and not window.search_view.session.searching
        ),
        timeout=10_000,
    )
    assert window.field.text() == ""  # no path pasted as text


def test_errors_list_names_the_unreadable_file(qtbot, library, open_window) -> None:
    window = open_window(library)
    window.errors_button.click()
    dialog = window.tasks.errors_dialog
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10_000)
    item = dialog.tree.topLevelItem(0)
    assert item.text(0) == "broken.jpg" and item.text(1).endswith("cameras") and "empty" in item.text(2)
    assert "1 file could not be read" in dialog.summary.text()
    dialog.close()


def test_worker_errors_reach_the_window(qtbot, library, open_window) -> None:
    window = open_window(library)
    window.bridge.message.emit("error", "Indexing stopped by an unexpected error: disk on fire")
    assert window.message_banner.isVisible() and "disk on fire" in window.message_banner.text.text()


def test_pause_and_resume(qtbot, library, open_window) -> None:
    window = open_window(library)
    window.tasks.toggle_pause(True)
    assert window.bridge.paused
    qtbot.waitUntil(lambda: window.progress is not None and window.progress.phase == "paused", timeout=5000)
    assert window.indexing.isVisible() and window.indexing.paused
    window.indexing.button.click()
    assert not window.bridge.paused


def test_drag_out_uses_file_urls(qtbot, library, open_window) -> None:
    window = open_window(library)
    type_query(qtbot, window, "tree")
    window.search_view.grid.select_row(0)
    assert window.search_view.grid.dragEnabled()
    pixmap = window.search_view.grid.drag_pixmap(window.search_view.grid.selectionModel().selectedIndexes())
    assert not pixmap.isNull()
    mime = window.search_view.model.mimeData(window.search_view.grid.selectionModel().selectedIndexes())
    assert mime.urls()[0] == QUrl.fromLocalFile(window.grid_paths()[0])
    assert window.search_view.grid.indexAt(QPoint(20, 20)).isValid()


def test_settings_survive_a_restart(qtbot, library, open_window, tmp_path: Path) -> None:
    window = open_window(library)
    window.set_thumb_size(240)
    window.search.set_sort_mode("oldest")
    window.close()
    from clipdesk.ui.settings import Settings

    settings = Settings(str(tmp_path / "settings-0.ini"))
    assert settings.thumb_size == 240 and settings.sort_mode == "oldest"
    assert settings.geometry is not None
