"""What the app makes of a query: its date words as a removable chip, the best matches set apart
from the other results, the "no close matches" notice, and the two language settings."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from PySide6.QtGui import QPalette


def _run(qtbot, window, text: str) -> None:
    window.field.setText(text)
    window.search.run_query()
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() > 0, timeout=10_000
    )


def test_date_words_become_a_chip_that_removing_searches_them_as_words(qtbot, library, open_window) -> None:
    window = open_window(library)
    _run(qtbot, window, "harbour")
    years = [datetime.fromtimestamp(h.taken_at).year for h in window.search_view.model.hits() if h.taken_at]
    year = max(set(years), key=years.count)
    assert not window.filter_bar.date_chip.isVisible()

    _run(qtbot, window, f"harbour in {year}")
    hits = window.search_view.model.hits()
    assert window.filter_bar.date_chip.isVisible() and str(year) in window.filter_bar.date_chip.text()
    assert hits and all(h.taken_at and datetime.fromtimestamp(h.taken_at).year == year for h in hits)
    assert len(hits) == years.count(year)  # the filter is the engine's: only that year's photos

    window.filter_bar.date_chip.click()
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() == 20, timeout=10_000
    )
    assert window.search_view.session.request.parse_dates is False
    assert window.search_view.session.request.text == f"harbour in {year}"  # the words stay, as plain words
    assert not window.filter_bar.date_chip.isVisible()


def test_the_grid_sets_the_best_matches_apart(qtbot, library, open_window) -> None:
    window = open_window(library)
    _run(qtbot, window, "a boat in the harbour")
    view, session = window.search_view, window.search_view.session
    assert session.page is not None and view.grid.best_count == session.page.best_count  # the engine's split

    # A page that splits after the third result (the engine's own page, its split moved).
    page = dataclasses.replace(session.page, best_count=3)
    window.bridge.searchFinished.emit(session._query_ticket, session.request, page)
    assert view.grid.divider_row() == 3
    assert "3" in window.filter_bar.summary.text() and "other results" in window.filter_bar.summary.text()
    window.resize(1100, 720)
    qtbot.wait(100)
    cell = view.grid.visualRect(view.model.index(3, 0))
    image = view.grid.viewport().grab().toImage()
    accent = view.grid.palette().color(QPalette.ColorRole.Highlight)
    assert image.pixelColor(cell.left() + 1, cell.center().y()).name() == accent.name()  # the divider is drawn
    before = view.grid.visualRect(view.model.index(2, 0))
    assert image.pixelColor(before.left() + 1, before.center().y()).name() != accent.name()

    # Nothing passes: the notice, no divider.
    window.bridge.searchFinished.emit(session._query_ticket, session.request, dataclasses.replace(page, best_count=0))
    assert view.grid.divider_row() is None
    assert window.filter_bar.summary.text() == "No close matches for “a boat in the harbour”: showing the nearest"
    # Sorted by date, the ranking is gone and so is the split.
    window.search.set_sort_mode("newest")
    qtbot.waitUntil(lambda: not session.searching, timeout=10_000)
    assert view.grid.divider_row() is None and session.best_count is None


def test_query_languages_are_stored_in_the_catalog(qtbot, library, open_window) -> None:
    window = open_window(library)
    menus = window.commands.languages
    assert menus.query_languages == "auto"
    menus.query["english"].trigger()
    stored: list[str] = []
    window.bridge.call(lambda engine: engine.searcher.query_languages, stored.append, owner=window)
    qtbot.waitUntil(lambda: stored == ["english"], timeout=10_000)
    window.close()
    again = open_window(library)
    qtbot.waitUntil(lambda: again.commands.languages.query_languages == "english", timeout=10_000)


def test_interface_language_setting(qtbot, library, open_window, monkeypatch) -> None:
    from clipdesk.ui.app import chosen_locale

    window = open_window(library)
    menus = window.commands.languages
    assert menus.interface["system"].isChecked()
    menus.interface["zh_CN"].trigger()
    assert window.settings.language == "zh_CN" and menus.interface["zh_CN"].isChecked()
    assert "next start" in window.status_bar.flash_label.text()
    monkeypatch.delenv("CLIPDESK_LANGUAGE")
    assert chosen_locale(window.settings.language).name() == "zh_CN"
    monkeypatch.setenv("CLIPDESK_LANGUAGE", "en")  # the environment wins (tests, screenshots)
    assert chosen_locale(window.settings.language).name().startswith("en")


def test_a_missing_multilingual_model_is_shown_and_english_only_is_offered(
    qtbot, library, open_window, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tmp_path / "no-student"))
    window = open_window(library)
    window.show_view("search")
    window.field.setText("海边的狗")
    window.search.run_query()
    session = window.search_view.session
    qtbot.waitUntil(lambda: session.last_error is not None, timeout=10_000)
    assert session.last_error[0] == "text_model"
    banner = window.text_model_banner
    qtbot.waitUntil(banner.isVisible, timeout=5_000)
    assert banner.level == "error" and "no-student" in banner.text.text()
    assert window.search_view.empty.state == "text_model"
    assert not window.message_banner.isVisible()  # said once, by its own banner
    assert window.search_view.empty.action_texts() == ["Search in English only"]
    window.search_view.empty.click_action(0)  # the same query, read as English by CLIP's own text tower
    qtbot.waitUntil(lambda: not session.searching and window.search_view.model.rowCount() == 20, timeout=10_000)
    assert window.commands.languages.query_languages == "english"
    assert session.page is not None and session.page.text_encoder == window.bridge.engine.model_id


def test_the_multilingual_model_answers_other_languages(
    qtbot, library, open_window, monkeypatch, tmp_path, ui_model
) -> None:
    from clipdesk.encoder.random_model import build_random_student

    student = build_random_student(tmp_path / "student", output_dim=16, image_model=str(ui_model))
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(student))
    window = open_window(library)
    states: list[str] = []
    window.bridge.textModelState.connect(lambda state, _detail: states.append(state))
    window.field.setText("海边的狗")
    window.search.run_query()
    session = window.search_view.session
    qtbot.waitUntil(lambda: not session.searching and window.search_view.model.rowCount() == 20, timeout=20_000)
    assert session.page.text_encoder == str(student)
    assert states == ["loading", "ready"] and not window.text_model_banner.isVisible()
