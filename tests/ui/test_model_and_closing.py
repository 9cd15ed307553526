"""The model-unavailable state, and closing the window in the middle of indexing."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QFileDialog

from clipdesk.encoder.model_files import needs_download


def test_offline_model_says_so_and_a_local_folder_fixes_it(
    qtbot, tmp_path: Path, library, open_window, ui_model, monkeypatch
) -> None:
    missing = tmp_path / "no-model-here"
    window = open_window(library, model=missing, wait_model=False)
    banner = window.model_banner
    # Each part of the engine that needs the model (start, labelling, the index) tries it and reports
    # loading -> unavailable: wait for where that settles, not for the first "unavailable".
    qtbot.waitUntil(
        lambda: window.bridge.model_state[0] == "unavailable" and banner.isVisible() and banner.level == "error",
        timeout=20_000,
    )
    assert "not available" in banner.title.text()
    assert str(missing) in banner.text.text()
    assert banner.button_texts() == ["Choose a local model folder…", "Try again"]
    assert window.model_indicator.text() == "Model unavailable"
    # Typing says why nothing can be found, with the way out.
    qtbot.keyClicks(window.field, "boat")
    qtbot.waitUntil(lambda: window.search_view.empty.state == "model", timeout=10_000)
    assert window.search_view.empty.action_texts() == []  # the banner above holds the fix

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(ui_model))
    banner.click("Choose a local model folder…")
    qtbot.waitUntil(lambda: window.bridge.model_state[0] == "ready", timeout=30_000)
    assert not banner.isVisible()
    qtbot.waitUntil(
        lambda: window.search_view.model.rowCount() == 20 and not window.search_view.session.searching, timeout=20_000
    )
    assert window.bridge.engine.model_id == str(ui_model)
    assert window.bridge.engine.catalog.get_meta("model_setting") == str(ui_model)  # remembered for next time
    assert window.settings.last_dir("model") == str(ui_model.parent)


def test_model_download_detection() -> None:
    assert needs_download("clipdesk-tests/definitely-not-cached-model")
    assert not needs_download("/opt/models/clip")
    assert not needs_download("not a hub id!")  # nothing to download: the load says what is wrong


def _photos(folder: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True)
    for i in range(n):
        pixels = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img_{i:03d}.jpg", quality=80)


def test_closing_mid_index_is_quick_and_loses_nothing(
    qtbot, tmp_path: Path, open_window, ui_model, monkeypatch
) -> None:
    from clipdesk.encoder.clip import ClipEncoder
    from clipdesk.engine import Engine

    photos = tmp_path / "many"
    _photos(photos, 160)
    data = tmp_path / "data"
    setup = Engine(data, str(ui_model))
    setup.add_root(photos)
    setup.close()

    real = ClipEncoder.encode_pixels

    def slow(self, pixels, *args, **kwargs):  # a model that takes its time, like a real one on a laptop CPU
        time.sleep(0.08)
        return real(self, pixels, *args, **kwargs)

    monkeypatch.setattr(ClipEncoder, "encode_pixels", slow)
    window = open_window(data, factory=lambda model: Engine(data, model, batch_size=4), wait_model=False)
    qtbot.waitUntil(
        lambda: (
            window.progress is not None and window.progress.phase == "indexing" and 12 <= window.progress.done < 120
        ),
        timeout=30_000,
    )
    assert window.indexing.isVisible() and "Indexing" in window.indexing.label.text()
    started = time.monotonic()
    window.close()
    elapsed = time.monotonic() - started
    assert elapsed < 3.0 and window.close_seconds < 3.0
    assert not window.isVisible()

    monkeypatch.setattr(ClipEncoder, "encode_pixels", real)
    engine = Engine(data, str(ui_model))
    try:
        assert engine.catalog.integrity_check() == "ok"
        counts = engine.catalog.counts()
        assert counts["total"] == 160 and 12 <= counts["indexed"] < 160  # committed batches kept, none doubled
        report = engine.index()  # the rest is picked up where it stopped
        assert report.encoded == 160 - counts["indexed"]
        assert engine.catalog.counts()["indexed"] == 160
        assert len(engine.store.index) == 160
    finally:
        engine.close()


def test_model_download_progress_reaches_the_banner(qtbot, library, open_window) -> None:
    window = open_window(library)
    window.model_banner.show_message("info", "Downloading the search model", "", busy=True, closable=False)
    assert window.model_banner.busy.maximum() == 0  # busy until the hub reports a total
    bar = window.bridge.download_tqdm_class()(total=10, desc="Fetching files")
    bar.update(4)
    qtbot.waitUntil(lambda: window.model_banner.busy.value() == 400, timeout=5_000)
    assert window.model_banner.busy.maximum() == 1000
    bar.update(6)
    qtbot.waitUntil(lambda: window.model_banner.busy.value() == 1000, timeout=5_000)
    bar.close()
    assert window.bridge._engine is None or window.bridge._engine.encoder.download_progress is not None
