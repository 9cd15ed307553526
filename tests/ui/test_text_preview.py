"""Text in photos in the app: a search's words found in a photo's text are highlighted in the preview, "Copy text"
copies the photo's text, the status bar shows the second pass's progress, and Library ▸ Read Text in Photos turns
it off for the library. Real OCR (read once, before the window opens), a real engine, the real window."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/text_images.py
from text_images import FONT, SIGN, make_text_library

CORPUS = Path(os.environ.get("CLIPDESK_CORPUS", "/work/shared/corpus/exif-samples"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"
pytestmark = pytest.mark.skipif(not FONT.exists() or not CORPUS.is_dir(), reason="no CJK font or photo corpus")


@pytest.fixture(scope="module")
def read_template(tmp_path_factory: pytest.TempPathFactory, ui_model: Path) -> tuple[Path, dict[str, Path]]:
    """A library of text photos, indexed and read once (real OCR); tests get copies of its data folder."""
    from clipdesk.engine import Engine

    base = tmp_path_factory.mktemp("text-library")
    made = make_text_library(base / "Pictures", CORPUS)
    data = base / "data"
    engine = Engine(data, str(ui_model))
    try:
        engine.add_root(base / "Pictures")
        engine.index()
        with pytest.MonkeyPatch.context() as env:
            env.delenv("CLIPDESK_TEXT", raising=False)  # tests/conftest.py turns it off for the other tests
            assert engine.text_pass.run() == len(made)
    finally:
        engine.close()
    return data, made


@pytest.fixture
def read_library(
    tmp_path: Path, read_template: tuple[Path, dict[str, Path]], monkeypatch
) -> tuple[Path, dict[str, Path]]:
    monkeypatch.delenv("CLIPDESK_TEXT", raising=False)
    template, made = read_template
    shutil.copytree(template, tmp_path / "data")
    return tmp_path / "data", made


def test_preview_highlights_the_matching_line_and_copies_the_text(qtbot, read_library, open_window) -> None:
    data, made = read_library
    window = open_window(data)
    window.field.setText("password")
    window.search.run_query()
    qtbot.waitUntil(lambda: not window.search_view.session.searching, timeout=20_000)
    first = window.search_view.model.hit(0)
    assert first.path == str(made["sign"]) and first.text_match

    window.preview_flow.open(0)
    button = window.preview.photo_text
    qtbot.waitUntil(lambda: button.isVisibleTo(window), timeout=10_000)
    assert button.text() == "Copy text"
    # One box: the line holding "password", inside the photo's top-left quarter where the card was pasted.
    boxes = window.preview.canvas.highlights
    assert len(boxes) == 1
    xs, ys = [x for x, _ in boxes[0]], [y for _, y in boxes[0]]
    assert 0.05 < min(xs) < max(xs) < 0.8 and 0.1 < min(ys) < max(ys) < 0.5
    shot = window.preview.grab()  # paints the highlight (no error on the way); looked at in review
    assert not shot.isNull()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot.save(str(SCREENSHOTS / "preview_text_highlight.png"))
    button.click()
    assert QGuiApplication.clipboard().text().lower() == "\n".join(SIGN).lower()

    # A photo without text: no button, nothing highlighted.
    plain = next(i for i, h in enumerate(window.search_view.model.hits()) if h.path == str(made["plain"]))
    window.preview_flow.open(plain)
    qtbot.waitUntil(lambda: window.preview.hit is not None and window.preview.hit.path == str(made["plain"]))
    qtbot.wait(300)
    assert not button.isVisibleTo(window) and window.preview.canvas.highlights == []


def test_status_bar_progress_and_the_menu_toggle(qtbot, read_library, open_window) -> None:
    from clipdesk.engine.text_pass import TextProgress

    data, _made = read_library
    window = open_window(data)
    status, toggle = window.text_reading_status, window.read_text_action
    status.update_progress(TextProgress("reading", 1234, 5000))
    assert status.isVisibleTo(window) and status.text() == "Reading text in photos: 1,234 of 5,000"
    status.update_progress(TextProgress("idle", 5000, 5000))
    assert not status.isVisibleTo(window)

    qtbot.waitUntil(lambda: toggle.isEnabled(), timeout=10_000)
    assert toggle.isChecked()
    toggle.setChecked(False)  # Library ▸ Read Text in Photos: off, stored for this library
    engine = window.bridge.engine
    qtbot.waitUntil(lambda: not engine.text_pass.enabled, timeout=10_000)
    assert engine.catalog.get_meta("text_reading") == "off"
