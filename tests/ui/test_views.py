"""The window's pieces on their own: the empty-state decision, the search session, the Library view
(paging, months, jumping, keyboard, new photos keeping the scroll position), the sidebar."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractItemView

from clipdesk.ui.empty_choice import (
    CHOOSE_IMAGE,
    CLEAR_FILTERS,
    MANAGE_FOLDERS,
    MOVE_DATA,
    OPEN_DATA,
    AppState,
    choose_screen,
)
from clipdesk.ui.mainwindow.statusbar.indexing import time_left


def test_empty_choice_is_a_function_of_state() -> None:
    opened = AppState(ready=True, roots=("~/Pictures",), indexed=20)
    assert choose_screen(AppState()).state == "opening"
    assert choose_screen(AppState(failed="disk on fire")).state == "failed"
    assert choose_screen(AppState(ready=True, roots=())).page == "welcome"
    # Photos in hand are shown before the first status arrives.
    assert choose_screen(AppState(ready=True, rows=5)).page == "photos"
    nothing = AppState(ready=True, roots=("~/Pictures",))
    assert choose_screen(nothing).state == "no_photos"
    assert choose_screen(nothing).actions[0][1] == MANAGE_FOLDERS
    assert choose_screen(AppState(ready=True, roots=("a",), indexing=True)).state == "indexing"
    assert choose_screen(AppState(ready=True, roots=("a",), model_state="unavailable")).state == "model"
    assert choose_screen(opened).state == "loading"  # the Library's first page is on its way
    filtered = choose_screen(AppState(ready=True, roots=("a",), indexed=20, filters_active=True))
    assert filtered.state == "no_results" and filtered.actions[0][1] == CLEAR_FILTERS
    search = AppState(view="search", ready=True, roots=("a",), indexed=20)
    assert choose_screen(search).state == "no_query" and choose_screen(search).actions[0][1] == CHOOSE_IMAGE
    assert "Photos ready to search: 20." in choose_screen(search).body
    asked = AppState(view="search", ready=True, roots=("a",), indexed=20, has_query=True)
    assert choose_screen(AppState(**{**asked.__dict__, "searching": True})).state == "searching"
    assert choose_screen(AppState(**{**asked.__dict__, "error_kind": "image", "error_text": "x"})).state == "bad_image"
    assert choose_screen(AppState(**{**asked.__dict__, "error_kind": "model"})).state == "model"
    assert choose_screen(asked).state == "no_results" and not choose_screen(asked).actions


def test_a_full_or_read_only_data_disk_before_any_photo_is_indexed_is_not_no_photos() -> None:
    """The disk stopped indexing: the page says so and offers the data folder, never "No photos found"."""
    waiting = AppState(ready=True, roots=("~/Pictures",), pending=20)
    for disk, title in (("disk_full", "The data disk is full"), ("read_only", "The data disk is read-only")):
        for state in (
            waiting,
            AppState(**{**waiting.__dict__, "pending": 0}),
            AppState(**{**waiting.__dict__, "view": "search"}),
        ):
            screen = choose_screen(AppState(**{**state.__dict__, "disk": disk}))
            assert (screen.page, screen.state, screen.title) == ("empty", disk, title)
            assert "nothing was lost" in screen.body and "resumes by itself" in screen.body
            assert "No photos" not in screen.body and not screen.busy
            assert [key for _, key in screen.actions] == [MOVE_DATA, OPEN_DATA]
    # Photos already indexed stay on show (the status bar carries the disk state); "ok" changes nothing.
    assert choose_screen(AppState(ready=True, roots=("a",), rows=5, disk="disk_full")).page == "photos"
    assert choose_screen(AppState(ready=True, roots=("a",), disk="ok")).state == "no_photos"


def test_time_left_reads_naturally() -> None:
    assert time_left(12) == "less than a minute left"
    assert time_left(89) == "about 1 min left"
    assert time_left(150) == "about 3 min left"
    assert time_left(3600) == "about 1 h left"
    assert time_left(3 * 3600 + 20 * 60) == "about 3 h 20 min left"


def test_search_session_tickets_paging_and_sort(qtbot, library, ui_model) -> None:
    from clipdesk.ui.engine_bridge import EngineBridge
    from clipdesk.ui.search_session import SearchSession

    bridge = EngineBridge(str(library), str(ui_model), watch=False)
    with qtbot.waitSignal(bridge.engineReady, timeout=20_000):
        bridge.open()
    try:
        session = SearchSession(bridge)
        changes: list[bool] = []
        session.changed.connect(lambda: changes.append(session.searching))
        session.search("harbour")
        session.search("old church")  # replaces the first before it is answered
        qtbot.waitUntil(lambda: not session.searching, timeout=20_000)
        assert session.request.text == "old church" and changes[0] is True and changes[-1] is False
        truth = [h.path for h in bridge.engine.search(session.request).hits]
        assert [h.path for h in session.model.hits()] == truth
        session.set_sort("newest")
        qtbot.waitUntil(lambda: not session.searching, timeout=20_000)
        taken = [h.taken_at or 0.0 for h in session.model.hits()]
        assert taken == sorted(taken, reverse=True) and len(taken) == 20
        session.search("")  # an empty query clears
        assert session.request is None and session.model.rowCount() == 0
    finally:
        bridge.shutdown()


def test_library_pages_months_jumps_and_keys(qtbot, library, open_window, ui_photos) -> None:
    from clipdesk.search import BrowseRequest, Filters

    window = open_window(library, size=(900, 560))
    view = window.library_view
    qtbot.waitUntil(lambda: view.showing_photos() and not view.loading, timeout=10_000)
    model, grid = view.model, view.grid
    engine = window.bridge.engine
    truth = [h.path for h in engine.browse(BrowseRequest(limit=100)).hits]
    buckets = engine.timeline(Filters())
    assert model.rowCount() == len(truth) == 20
    assert [(s.first, s.count) for s in model.sections] == [(b.offset, b.count) for b in buckets]
    assert "20 photos, newest first" in window.filter_bar.summary.text()

    # Sparse paging: pages of 4, fetched only for rows that are looked at.
    model.page_size = 4
    view.reload()
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)
    last_row = model.rowCount() - 1
    assert not model.loaded(last_row) and model.hit(last_row) is None  # off screen: not read yet
    qtbot.waitUntil(lambda: model.hit(last_row) is not None, timeout=10_000)  # looking at it asks for its page
    assert model.pages_loaded < model.rowCount() // 4
    for row in range(model.rowCount()):
        model.hit(row)
    qtbot.waitUntil(lambda: all(model.loaded(r) for r in range(model.rowCount())), timeout=10_000)
    assert [model.hit(r).path for r in range(model.rowCount())] == truth

    # The year/month list jumps; the grid's first visible photo is then that month's first.
    reachable = [n for n in range(1, len(model.sections)) if grid.section_top(n) <= grid.verticalScrollBar().maximum()]
    target = reachable[-1]
    assert view.jump_to_month(model.sections[target].year, model.sections[target].month)
    first, _ = grid.visible_rows()
    assert grid.verticalScrollBar().value() == grid.section_top(target) and model.section_of(first) == target
    view.timeline.setCurrentItem(view.timeline.topLevelItem(0))
    assert grid.verticalScrollBar().value() == 0

    # Keyboard: Down keeps the column and crosses into the next month; End goes to the last photo.
    grid.setFocus()
    grid.select_row(0)
    columns = grid.columns
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    expected = columns if model.sections[0].count > columns else model.sections[1].first
    assert grid.currentIndex().row() == expected
    qtbot.keyClick(grid, Qt.Key.Key_End)
    assert grid.currentIndex().row() == model.rowCount() - 1
    # A rubber band over the first line selects its photos, not the header.
    grid.verticalScrollBar().setValue(0)
    band = QRect(QPoint(2, 2), QPoint(grid.viewport().width() - 2, grid.header_height + grid.cell.height() // 2))
    grid.setSelection(band, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert grid.selected_rows() == list(range(min(columns, model.sections[0].count)))
    # Enter opens the preview of the Library's photo; Escape comes back to it.
    grid.select_row(3)
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert window.preview_flow.showing and window.preview.hit.path == truth[3]
    assert window.preview.back_button.text() == "Back to library"
    qtbot.keyClick(window.preview, Qt.Key.Key_Escape)
    assert window.current_view() is view and grid.currentIndex().row() == 3

    # Drag out and the context menu work on the Library's photos as on search results.
    grid.select_row(5)
    indexes = grid.selectionModel().selectedIndexes()
    assert not grid.drag_pixmap(indexes).isNull()
    assert [u.toLocalFile() for u in model.mimeData(indexes).urls()] == [truth[5]]
    menu = window.commands.context_menu(grid.visualRect(model.index(5, 0)).center())
    similar = next(a for a in menu.actions() if a.text() == "Find Similar")
    similar.trigger()
    menu.close()
    qtbot.waitUntil(lambda: window.current_view() is window.search_view and not window.search_view.session.searching)
    assert window.search_view.session.request.image == model.hit(5).id and window.grid_paths()[0] == truth[5]
    window.chip.close_button.click()
    qtbot.waitUntil(lambda: window.current_view() is view, timeout=10_000)

    # The folder filter applies to the Library too.
    window.filter_bar.set_folder(str(ui_photos / "trips"))
    qtbot.waitUntil(lambda: not view.loading and model.rowCount() == 9, timeout=10_000)
    assert "9 photos" in window.filter_bar.summary.text()


def _new_photo(path: Path, seed: int) -> None:
    pixels = np.random.default_rng(seed).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, quality=85)  # no EXIF date: taken "now", the newest


def test_new_photos_appear_without_losing_the_scroll_position(
    qtbot, tmp_path: Path, library, open_window, ui_photos
) -> None:
    window = open_window(library, watch=True, size=(820, 520))
    view = window.library_view
    model, grid = view.model, view.grid
    qtbot.waitUntil(lambda: view.showing_photos() and not view.loading, timeout=10_000)
    bar = grid.verticalScrollBar()
    assert bar.maximum() > grid.cell.height() * 2, "the test needs a library taller than the window"
    bar.setValue(bar.maximum() // 2)
    anchor = grid.indexAt(QPoint(grid.cell.width() // 2, grid.header_height + grid.cell.height() // 2))
    assert anchor.isValid()
    photo = model.hit(anchor.row())
    grid.selectionModel().setCurrentIndex(anchor, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    top = grid.visualRect(anchor).top()  # (selecting scrolled it clear of the pinned month header)

    _new_photo(ui_photos / "family" / "new-1.jpg", 1)
    _new_photo(ui_photos / "family" / "new-2.jpg", 2)
    try:
        qtbot.waitUntil(lambda: model.rowCount() == 22 and not view.loading, timeout=30_000)
        row = model.row_of(photo.id)
        assert row == anchor.row() + 2  # two newer photos came in above it
        assert abs(grid.visualRect(model.index(row, 0)).top() - top) <= 1  # ...and it did not move on screen
        assert grid.currentIndex().row() == row and grid.selected_rows() == [row]  # still the user's photo
        # At the top of the library, new photos show up at the top.
        bar.setValue(0)
        _new_photo(ui_photos / "family" / "new-3.jpg", 3)
        qtbot.waitUntil(lambda: model.rowCount() == 23 and not view.loading, timeout=30_000)
        assert bar.value() == 0 and model.hit(0).path.endswith("new-3.jpg")
    finally:
        for n in (1, 2, 3):
            (ui_photos / "family" / f"new-{n}.jpg").unlink(missing_ok=True)


def test_sidebar_keyboard_and_collapse(qtbot, library, open_window) -> None:
    window = open_window(library)
    assert window.sidebar.keys() == ["library", "search", "things", "duplicates"]
    assert window.sidebar.current() == "library" and window.current_view() is window.library_view
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view() is window.search_view and window.sidebar.current() == "search"
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view() is window.things_view and window.sidebar.current() == "things"
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.views.currentWidget() is window.duplicates_view and window.sidebar.current() == "duplicates"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    window.sidebar.list.setFocus()
    qtbot.keyClick(window.sidebar.list, Qt.Key.Key_Up)
    assert window.current_view() is window.library_view
    wide = window.sidebar.width()
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.sidebar.collapsed and window.sidebar.width() < wide
    assert window.sidebar.list.item(0).text() == "" and window.sidebar.list.item(0).toolTip()
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert not window.sidebar.collapsed and window.sidebar.list.item(0).text() == "Library"
    window.sidebar.set_collapsed(True)
    window.close()
    assert window.settings.sidebar_collapsed  # remembered for the next start
    window.settings.sidebar_collapsed = False
    window = open_window(library)
    # Typing goes to the results; clearing the words comes back to the Library.
    window.field.setFocus()
    qtbot.keyClicks(window.field, "tower")
    qtbot.waitUntil(lambda: window.current_view() is window.search_view, timeout=10_000)
    window.field.clear()
    qtbot.waitUntil(lambda: window.current_view() is window.library_view, timeout=10_000)
    assert window.search_view.session.request is None


def test_copying_a_library_photo_and_the_grid_scroll_mode(qtbot, library, open_window) -> None:
    """The Library grid shares the search grid's actions: copy path works from it."""
    from PySide6.QtGui import QGuiApplication

    window = open_window(library)
    view = window.library_view
    qtbot.waitUntil(lambda: view.showing_photos() and not view.loading, timeout=10_000)
    view.grid.setFocus()
    view.grid.select_row(2)
    window.commands.copy_path.trigger()
    assert QGuiApplication.clipboard().text() == view.model.hit(2).path
    assert view.grid.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel
    assert os.path.exists(view.model.hit(2).path)
