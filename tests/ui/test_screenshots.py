"""Screenshots of every screen into build/screenshots/, to be looked at by a person.

Each shot also asserts the basics a person would notice first (right page, text present)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def settle(qtbot, window, ms: int = 400) -> None:
    """Let thumbnails arrive and layouts finish before grabbing."""
    qtbot.waitUntil(lambda: window.loader.pending == 0, timeout=10_000)
    qtbot.wait(ms)


def save(widget, path: Path) -> None:
    assert widget.grab().save(str(path)), path
    assert path.stat().st_size > 5_000


def test_screenshots(
    qtbot, shots: Path, tmp_path: Path, library, open_window, ui_photos, ui_model, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    window = open_window(library, size=(1200, 800), watch=True)
    save(window, shots / "start_no_query.png")
    assert window.empty.state == "no_query"

    qtbot.keyClicks(window.field, "harbour at sunset")
    qtbot.waitUntil(lambda: not window.searching and window.model.rowCount() == 20, timeout=10_000)
    window.grid.select_row(1)
    settle(qtbot, window)
    save(window, shots / "main_results.png")

    window._context_menu(window.grid.visualRect(window.model.index(1, 0)).center())
    qtbot.wait(100)
    save(window._menu, shots / "context_menu.png")
    window._menu.close()

    window.open_preview(0)
    qtbot.waitUntil(lambda: window.model.hit(0).path in window.preview._cache, timeout=10_000)
    qtbot.wait(200)
    save(window, shots / "preview.png")
    window.close_preview()

    window.field.clear()
    window.use_image_files([str(ui_photos / "family" / "portrait_6.jpg")])
    qtbot.waitUntil(lambda: not window.searching and window.model.rowCount() == 20, timeout=10_000)
    settle(qtbot, window)
    save(window, shots / "image_query.png")
    window.open_preview(0)
    qtbot.waitUntil(lambda: window.model.hit(0).path in window.preview._cache, timeout=10_000)
    qtbot.wait(200)
    save(window, shots / "preview_rotated_photo.png")
    window.close_preview()
    window.chip.close_button.click()
    window.field.setText("boat on a lake")

    from PySide6.QtCore import QDate

    window.date_from.setDate(QDate(1990, 1, 1))
    window.date_to.setDate(QDate(1990, 12, 31))
    window.date_combo.setCurrentIndex(window.date_combo.findData("custom"))
    qtbot.waitUntil(lambda: not window.searching and window.empty.state == "no_results", timeout=10_000)
    qtbot.wait(100)
    save(window, shots / "no_results.png")
    window.clear_filters()

    window.show_folders()
    dialog = window._folders_dialog
    qtbot.waitUntil(
        lambda: dialog.tree.topLevelItemCount() == 1 and dialog.tree.topLevelItem(0).text(2) == "Watching for changes",
        timeout=10_000,
    )
    dialog.resize(700, 460)
    qtbot.wait(200)
    save(dialog, shots / "folders_dialog.png")
    dialog.close()

    window.errors_button.click()
    errors = window._errors_dialog
    qtbot.waitUntil(lambda: errors.tree.topLevelItemCount() == 1, timeout=10_000)
    qtbot.wait(100)
    save(errors, shots / "errors_dialog.png")
    errors.close()
    window.close()

    # First run.
    first = open_window(tmp_path / "first-run", size=(1200, 800))
    first.welcome.add_folder(str(ui_photos))
    qtbot.wait(200)
    assert first.pages.currentWidget() is first.welcome
    save(first, shots / "welcome.png")
    # What a first run shows while the default model downloads (state driven directly: no network here).
    first._on_model_state("downloading", "sentence-transformers/clip-ViT-B-32")
    qtbot.wait(100)
    assert first.model_banner.isVisible() and first.model_indicator.text() == "Downloading model…"
    save(first, shots / "welcome_model_downloading.png")
    first.close()

    # Model unavailable (offline, no model on disk).
    offline = open_window(tmp_path / "offline", model=tmp_path / "missing-model", wait_model=False, size=(1200, 800))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    qtbot.waitUntil(lambda: offline.bridge.model_state[0] == "unavailable", timeout=20_000)
    offline.welcome.add_folder(str(ui_photos))
    offline.welcome.start_button.click()
    qtbot.waitUntil(
        lambda: offline.pages.currentWidget() is offline.results_page and offline.empty.state == "model", timeout=20_000
    )
    qtbot.wait(200)
    save(offline, shots / "model_unavailable.png")
    offline.close()


def test_screenshot_indexing_and_dark(
    qtbot, shots: Path, tmp_path: Path, open_window, ui_photos, ui_model, monkeypatch, library
) -> None:
    from clipdesk.encoder.clip import ClipEncoder
    from clipdesk.engine import Engine
    from clipdesk.ui import app as app_module

    real = ClipEncoder.encode_pixels
    monkeypatch.setattr(
        ClipEncoder, "encode_pixels", lambda self, px, *a, **k: (time.sleep(0.4), real(self, px, *a, **k))[1]
    )
    data = tmp_path / "indexing"
    window = open_window(
        data, factory=lambda model: Engine(data, model, batch_size=2), wait_model=False, size=(1200, 800)
    )
    window.welcome.add_folder(str(ui_photos))
    window.welcome.start_button.click()
    qtbot.waitUntil(
        lambda: (
            window.progress is not None
            and window.progress.phase == "indexing"
            and window.progress.done >= 4
            and window.status is not None
            and window.status.counts["indexed"] >= 4
        ),
        timeout=30_000,
    )
    qtbot.keyClicks(window.field, "bridge")
    qtbot.waitUntil(lambda: not window.searching and window.model.rowCount() >= 4, timeout=10_000)
    window.toggle_pause(True)
    qtbot.waitUntil(lambda: window.progress.phase == "paused", timeout=10_000)
    settle(qtbot, window)
    save(window, shots / "indexing_paused.png")
    assert "paused" in window.indexing.label.text()
    window.close()
    monkeypatch.setattr(ClipEncoder, "encode_pixels", real)

    app = QApplication.instance()
    monkeypatch.setenv("CLIPDESK_THEME", "dark")
    app_module.apply_palette(app)
    try:
        dark = open_window(library, size=(1200, 800))
        qtbot.keyClicks(dark.field, "old town")
        qtbot.waitUntil(lambda: not dark.searching and dark.model.rowCount() == 20, timeout=10_000)
        dark.use_image_files([str(ui_photos / "trips" / "DSCN0021.jpg")])
        qtbot.waitUntil(lambda: not dark.searching and dark.model.rowCount() == 20, timeout=10_000)
        dark.grid.select_row(2)
        settle(qtbot, dark)
        save(dark, shots / "main_results_dark.png")
        dark.close()
    finally:
        monkeypatch.setenv("CLIPDESK_THEME", "light")
        app_module.apply_palette(app)
        os.environ.pop("CLIPDESK_THEME", None)
    assert QApplication.palette().window().color().lightness() > 128
