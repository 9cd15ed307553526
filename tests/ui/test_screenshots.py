"""Screenshots of every screen into bench/out/screenshots/ (git-ignored), to be looked at by a person;
the main screens again in Chinese into bench/out/screenshots/zh_CN/.

Each shot also asserts the basics a person would notice first (right view, text present, nothing cut off)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication, QDate, QLocale
from PySide6.QtWidgets import QApplication, QLabel

CORPUS = Path(os.environ.get("CLIPDESK_CORPUS", "/work/shared/corpus/exif-samples"))
if not CORPUS.is_dir():
    CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "exif-samples"
SHOTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"
DEFAULT_SIZE = (1180, 780)  # MainWindow.sizeHint


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(params=["en", "zh_CN"])
def language(request, monkeypatch, shots: Path) -> Iterator[Path]:
    """The interface in English (shots in screenshots/) or Chinese (screenshots/zh_CN/): yields the folder."""
    from clipdesk.ui.app import install_translators

    monkeypatch.setenv("CLIPDESK_LANGUAGE", request.param)  # create_application (in open_window) reads it
    folder = shots if request.param == "en" else shots / request.param
    folder.mkdir(exist_ok=True)
    install_translators(QApplication.instance(), QLocale(request.param))
    yield folder
    install_translators(QApplication.instance(), QLocale("en"))


def tr(context: str, text: str) -> str:
    """What the window shows for `text` in the current language."""
    return QCoreApplication.translate(context, text)


@pytest.fixture(scope="module")
def many_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole corpus plus quarter-size copies of its JPEGs (EXIF kept): 170+ photos over many months."""
    if not CORPUS.is_dir():
        pytest.skip(f"photo corpus not found at {CORPUS}")
    root = tmp_path_factory.mktemp("many") / "Photos"
    (root / "copies").mkdir(parents=True)
    for path in CORPUS.rglob("*"):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".tiff", ".heic", ".heif") or "invalid" in path.parts:
            continue
        target = root / path.relative_to(CORPUS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        if path.suffix.lower() in (".jpg", ".jpeg"):
            try:
                with Image.open(path) as im:
                    exif = im.info.get("exif", b"")
                    size = (max(1, im.width // 4), max(1, im.height // 4))
                    im.draft("RGB", size)  # a JPEG decodes at the smaller scale: the copies cost little to make
                    small = im.convert("RGB").resize(size)
                    small.save(root / "copies" / f"{path.stem}-small.jpg", quality=85, exif=exif)
            except (OSError, ValueError):
                pass  # an unreadable sample stays unreadable; the original is in the library anyway
    return root


def settle(qtbot, window, ms: int = 400) -> None:
    """Let thumbnails arrive and layouts finish before grabbing."""
    qtbot.waitUntil(lambda: window.loader.pending == 0, timeout=10_000)
    qtbot.wait(ms)


def save(widget, path: Path, min_bytes: int = 5_000) -> None:
    assert widget.grab().save(str(path)), path
    assert path.stat().st_size > min_bytes


def status_texts_fit(window) -> None:
    """Every status bar text is shown whole at this window size (no "about less than a minut")."""
    for label in window.statusBar().findChildren(QLabel):
        if label.isVisible() and label.text() and not label.text().startswith("<"):
            needed = label.fontMetrics().horizontalAdvance(label.text())
            assert needed <= label.width() + 1, (label.text(), needed, label.width())


def test_screenshots(qtbot, language: Path, tmp_path: Path, library, open_window, ui_photos, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    shots = language
    window = open_window(library, size=DEFAULT_SIZE, watch=True)
    qtbot.waitUntil(lambda: window.library_view.showing_photos(), timeout=10_000)
    settle(qtbot, window)
    save(window, shots / "library_20.png")
    status_texts_fit(window)

    window.show_view("search")
    assert window.search_view.empty.state == "no_query"
    save(window, shots / "search_no_query.png")

    qtbot.keyClicks(window.field, "harbour at sunset")
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() == 20, timeout=10_000
    )
    window.search_view.grid.select_row(1)
    settle(qtbot, window)
    save(window, shots / "search_results.png")
    assert (
        tr("SearchView", "Best matches for “{text}”").format(text="harbour at sunset")
        in window.filter_bar.summary.text()
    )

    # Date words: a chip; and results split into best matches and the others.
    years = [datetime.fromtimestamp(h.taken_at).year for h in window.search_view.model.hits() if h.taken_at]
    year = max(set(years), key=years.count)
    window.field.setText(f"harbour in {year}")
    window.search.run_query()
    session = window.search_view.session
    qtbot.waitUntil(lambda: not session.searching and session.date_phrase == str(year), timeout=10_000)
    assert window.filter_bar.date_chip.isVisible()
    split = dataclasses.replace(session.page, best_count=min(4, window.search_view.model.rowCount() - 1))
    window.bridge.searchFinished.emit(session._query_ticket, session.request, split)  # a split to show
    settle(qtbot, window)
    save(window, shots / "search_date_chip_best_matches.png")
    window.bridge.searchFinished.emit(session._query_ticket, session.request, dataclasses.replace(split, best_count=0))
    settle(qtbot, window)
    save(window, shots / "search_no_close_matches.png")
    window.filter_bar.date_chip.click()
    window.field.setText("harbour at sunset")
    window.search.run_query()
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() == 20, timeout=10_000
    )
    window.search_view.grid.select_row(1)
    settle(qtbot, window)

    grid = window.search_view.grid
    pos = grid.visualRect(window.search_view.model.index(1, 0)).center()
    menu = window.commands.context_menu(pos)
    menu.popup(grid.viewport().mapToGlobal(pos))
    qtbot.wait(100)
    save(menu, shots / "context_menu.png")
    menu.close()
    for name, menu in (
        ("menu_query_languages.png", window.commands.languages.query_menu),
        ("menu_interface_language.png", window.commands.languages.interface_menu),
    ):
        menu.popup(window.mapToGlobal(window.rect().center()))
        qtbot.wait(100)
        save(menu, shots / name, min_bytes=1_500)  # three lines of text
        menu.close()

    window.preview_flow.open(0)
    qtbot.waitUntil(lambda: window.preview.has_loaded(window.search_view.model.hit(0).path), timeout=10_000)
    qtbot.wait(200)
    save(window, shots / "preview.png")
    window.preview_flow.close()

    window.field.clear()
    window.search.use_image_files([str(ui_photos / "family" / "portrait_6.jpg")])
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() == 20, timeout=10_000
    )
    settle(qtbot, window)
    save(window, shots / "image_query.png")
    window.preview_flow.open(0)
    qtbot.waitUntil(lambda: window.preview.has_loaded(window.search_view.model.hit(0).path), timeout=10_000)
    qtbot.wait(200)
    save(window, shots / "preview_rotated_photo.png")
    window.preview_flow.close()
    window.chip.close_button.click()
    window.field.setText("boat on a lake")
    window.filter_bar.set_date_range(QDate(1990, 1, 1), QDate(1990, 12, 31))
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.empty.state == "no_results",
        timeout=10_000,
    )
    qtbot.wait(100)
    save(window, shots / "no_results.png")
    window.filter_bar.clear()

    window.tasks.show_folders()
    dialog = window.tasks.folders_dialog
    qtbot.waitUntil(
        lambda: (
            dialog.tree.topLevelItemCount() == 1
            and dialog.tree.topLevelItem(0).text(2) == tr("FoldersDialog", "Watching for changes")
        ),
        timeout=10_000,
    )
    dialog.resize(700, 460)
    qtbot.wait(200)
    save(dialog, shots / "folders_dialog.png")
    dialog.close()

    window.errors_button.click()
    errors = window.tasks.errors_dialog
    qtbot.waitUntil(lambda: errors.tree.topLevelItemCount() == 1, timeout=10_000)
    qtbot.wait(100)
    save(errors, shots / "errors_dialog.png")
    errors.close()
    window.close()

    # First run.
    first = open_window(tmp_path / "first-run", size=DEFAULT_SIZE)
    first.welcome.add_folder(str(ui_photos))
    qtbot.wait(200)
    assert first.pages.currentWidget() is first.welcome
    save(first, shots / "welcome.png")
    # What a first run shows while the default model downloads (the bridge's signal: no network here).
    first.bridge.modelState.emit("downloading", "sentence-transformers/clip-ViT-B-32")
    qtbot.wait(100)
    assert first.model_banner.isVisible() and first.model_indicator.text() == tr("ModelIndicator", "Downloading model…")
    save(first, shots / "welcome_model_downloading.png")
    first.close()

    # Model unavailable (offline, no model on disk).
    offline = open_window(tmp_path / "offline", model=tmp_path / "missing-model", wait_model=False, size=DEFAULT_SIZE)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    qtbot.waitUntil(lambda: offline.bridge.model_state[0] == "unavailable", timeout=20_000)
    offline.welcome.add_folder(str(ui_photos))
    offline.welcome.start_button.click()
    qtbot.waitUntil(
        lambda: offline.pages.currentWidget() is offline.views and offline.library_view.empty.state == "model",
        timeout=20_000,
    )
    qtbot.wait(200)
    save(offline, shots / "model_unavailable.png")
    offline.close()


def test_screenshot_library_empty(qtbot, shots: Path, tmp_path: Path, open_window) -> None:
    """A folder with no photos in it: the Library says so and offers the way out."""
    empty = tmp_path / "Nothing here"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a photo")
    data = tmp_path / "data"
    window = open_window(data, size=DEFAULT_SIZE)
    window.tasks.add_folders([str(empty)])
    qtbot.waitUntil(lambda: window.library_view.empty.state == "no_photos", timeout=20_000)
    qtbot.wait(200)
    save(window, shots / "library_empty.png")
    assert window.library_view.empty.action_texts() == ["Manage folders…"]
    window.close()


def test_screenshot_indexing_and_dark(
    qtbot, language: Path, tmp_path: Path, open_window, ui_photos, ui_model, monkeypatch, library
) -> None:
    from clipdesk.encoder.clip import ClipEncoder
    from clipdesk.engine import Engine
    from clipdesk.ui import app as app_module

    shots = language
    real = ClipEncoder.encode_pixels
    monkeypatch.setattr(
        ClipEncoder, "encode_pixels", lambda self, px, *a, **k: (time.sleep(0.4), real(self, px, *a, **k))[1]
    )
    data = tmp_path / "indexing"
    window = open_window(
        data, factory=lambda model: Engine(data, model, batch_size=2), wait_model=False, size=DEFAULT_SIZE
    )
    window.welcome.add_folder(str(ui_photos))
    window.welcome.start_button.click()
    # New photos appear in the Library as they are indexed.
    qtbot.waitUntil(
        lambda: (
            window.progress is not None
            and window.progress.phase == "indexing"
            and window.library_view.model.rowCount() >= 4
        ),
        timeout=30_000,
    )
    settle(qtbot, window)
    save(window, shots / "library_indexing.png")
    assert (
        tr("IndexingStatus", "Indexing {counts}").split(" ")[0].replace("{counts}", "") in window.indexing.label.text()
    )
    status_texts_fit(window)
    qtbot.keyClicks(window.field, "bridge")
    qtbot.waitUntil(
        lambda: not window.search_view.session.searching and window.search_view.model.rowCount() >= 4, timeout=10_000
    )
    window.tasks.toggle_pause(True)
    qtbot.waitUntil(lambda: window.progress.phase == "paused", timeout=10_000)
    settle(qtbot, window)
    save(window, shots / "indexing_paused.png")
    assert tr("IndexingStatus", "Indexing paused at {counts}").split("{")[0] in window.indexing.label.text()
    status_texts_fit(window)
    window.close()
    monkeypatch.setattr(ClipEncoder, "encode_pixels", real)

    app = QApplication.instance()
    monkeypatch.setenv("CLIPDESK_THEME", "dark")
    app_module.apply_palette(app)
    try:
        dark = open_window(library, size=DEFAULT_SIZE)
        qtbot.waitUntil(lambda: dark.library_view.showing_photos(), timeout=10_000)
        settle(qtbot, dark)
        save(dark, shots / "library_dark.png")
        dark.search.use_image_files([str(ui_photos / "trips" / "DSCN0021.jpg")])
        qtbot.waitUntil(
            lambda: not dark.search_view.session.searching and dark.search_view.model.rowCount() == 20, timeout=10_000
        )
        dark.search_view.grid.select_row(2)
        settle(qtbot, dark)
        save(dark, shots / "search_results_dark.png")
        dark.close()
    finally:
        monkeypatch.setenv("CLIPDESK_THEME", "light")
        app_module.apply_palette(app)
        os.environ.pop("CLIPDESK_THEME", None)
    assert QApplication.palette().window().color().lightness() > 128


def test_screenshot_library_with_many_photos(qtbot, shots: Path, tmp_path: Path, open_window, many_photos) -> None:
    data = tmp_path / "data"
    window = open_window(data, watch=True, size=DEFAULT_SIZE)
    window.tasks.add_folders([str(many_photos)])
    qtbot.waitUntil(
        lambda: window.status is not None and window.status.counts.get("indexed", 0) >= 170, timeout=240_000
    )
    qtbot.waitUntil(
        lambda: (
            window.library_view.model.rowCount() == window.status.counts["indexed"] and not window.library_view.loading
        ),
        timeout=30_000,
    )
    model = window.library_view.model
    assert len(model.sections) > 5  # photos from many months
    settle(qtbot, window)
    save(window, shots / "library_many.png")
    status_texts_fit(window)
    # Jump to a month in the middle: its header is pinned on top.
    middle = len(model.sections) // 2
    window.library_view.timeline.follow(middle)
    window.library_view.grid.scroll_to_section(middle)
    settle(qtbot, window)
    save(window, shots / "library_many_jumped.png")
    grid = window.library_view.grid
    first, _last = grid.visible_rows()
    assert model.section_of(first) == middle and window.library_view.timeline.currentItem().text(1) == str(
        model.sections[middle].count
    )
    window.sidebar.set_collapsed(True)
    settle(qtbot, window)
    save(window, shots / "library_sidebar_collapsed.png")
    assert window.sidebar.width() < 60 and window.commands.sidebar.isChecked() is False
    window.close()


def test_screenshot_multilingual_model_missing(qtbot, language: Path, library, open_window, monkeypatch, tmp_path):
    """A query in Chinese while the multilingual text model cannot be had: its banner and the way out."""
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tmp_path / "no-student"))
    window = open_window(library, size=DEFAULT_SIZE)
    window.show_view("search")
    window.field.setText("海边的狗")
    window.search.run_query()
    qtbot.waitUntil(lambda: window.search_view.empty.state == "text_model", timeout=10_000)
    qtbot.waitUntil(window.text_model_banner.isVisible, timeout=5_000)
    qtbot.wait(200)
    save(window, language / "multilingual_model_unavailable.png")
    assert window.search_view.empty.action_texts() == [tr("EmptyChoice", "Search in English only")]
    window.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_things_preview_labels_and_albums(
    qtbot, language: Path, theme: str, library, open_window, ui_model, ui_photos, monkeypatch
) -> None:
    """The Things view (overview and one label), the preview's "What's in this photo", the album
    dialog and an album with its strictness edge, in light and dark."""
    from clipdesk.engine import Engine
    from clipdesk.ui import app as app_module

    engine = Engine(library, str(ui_model))  # tagged as the app does at start, before the window opens
    try:
        engine.labelling.prepare()
        engine.labelling.tag_backlog()
    finally:
        engine.close()
    shots = language
    app = QApplication.instance()
    monkeypatch.setenv("CLIPDESK_THEME", theme)
    app_module.apply_palette(app)
    try:
        window = open_window(library, size=DEFAULT_SIZE)
        qtbot.waitUntil(lambda: window.library_view.showing_photos(), timeout=10_000)
        window.show_view("things")
        view = window.things_view
        qtbot.waitUntil(lambda: view.loaded and bool(view.tiles.visible_labels()), timeout=10_000)
        settle(qtbot, window)
        save(window, shots / f"things_{theme}.png")
        assert tr("MainWindow", "Things") in window.sidebar.list.item(2).text()
        first = view.tiles.visible_labels()[0]
        view.tiles.labelOpened.emit(first)
        qtbot.waitUntil(lambda: view.showing_label() and view.model.rowCount() > 0, timeout=10_000)
        settle(qtbot, window)
        save(window, shots / f"things_label_{theme}.png")
        assert window.filter_bar.label_chip.isVisible()

        window.preview_flow.open(0)
        qtbot.waitUntil(lambda: bool(window.preview.labels.buttons()), timeout=10_000)
        qtbot.waitUntil(lambda: window.preview.has_loaded(window.preview.hit.path), timeout=10_000)
        settle(qtbot, window)
        save(window, shots / f"preview_labels_{theme}.png")
        assert tr("PhotoLabels", "What's in this photo:") == window.preview.labels.title.text()
        window.preview_flow.close()

        window.filter_bar.set_label(None)
        window.show_view("library")
        qtbot.waitUntil(lambda: window.library_view.model.rowCount() > 2, timeout=10_000)
        row = next(
            r
            for r in range(window.library_view.model.rowCount())
            if "DSCN0010" in window.library_view.model.hit(r).path
        )
        window.library_view.grid.select_row(row)
        dialog = window.labels_flow.new_album()
        dialog.name_edit.setText("Trips")
        dialog.examples.selection_button.click()
        dialog.counter_examples.add_paths([str(ui_photos / "cameras" / "canon-ixus.jpg")])
        qtbot.wait(200)
        save(dialog, shots / f"album_dialog_{theme}.png", min_bytes=2_000)
        dialog.create_button.click()
        album = window.album_view
        qtbot.waitUntil(lambda: window.current_view() is album and album.shown_at == 0.5, timeout=30_000)
        album.slider.setValue(0)
        qtbot.waitUntil(lambda: album.shown_at == 0.0, timeout=10_000)
        settle(qtbot, window)
        save(window, shots / f"album_edge_{theme}.png")
        window.close()
    finally:
        monkeypatch.setenv("CLIPDESK_THEME", "light")
        app_module.apply_palette(app)
        os.environ.pop("CLIPDESK_THEME", None)
