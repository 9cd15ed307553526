"""Pieces below the window: the thumbnail loader, the app entry point, the resources."""

from __future__ import annotations

import signal
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QThread, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from clipdesk.ui.thumbnail_loader import ThumbnailLoader

ROOT = Path(__file__).resolve().parents[2]


def _jpeg(path: Path, color: str, size=(320, 240)) -> Path:
    image = QImage(*size, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    assert image.save(str(path), "JPEG")
    return path


def test_thumbnail_loader_reads_off_thread_and_caches(qtbot, tmp_path: Path) -> None:
    threads: set[QThread | None] = set()
    gui = QThread.currentThread()
    cache = {f"{i:032x}": _jpeg(tmp_path / f"{i}.jpg", color) for i, color in enumerate(["red", "green", "blue"])}

    def resolve(key: str) -> Path | None:
        threads.add(threading.current_thread().name)
        return cache.get(key)

    loader = ThumbnailLoader(resolve, budget_bytes=2 * 128 * 96 * 4 + 1)
    key = f"{0:032x}"
    assert loader.pixmap(key, "", 128) is None  # asked, not blocked on
    with qtbot.waitSignal(loader.thumbnailReady, timeout=5000) as ready:
        pass
    assert ready.args == [key]
    pixmap = loader.pixmap(key, "", 128)
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (128, 96)
    assert QThread.currentThread() is gui and all(name.startswith("clipdesk-thumbs") for name in threads)
    # A missing thumbnail falls back to the original file; a bad one is marked, not retried forever.
    original = _jpeg(tmp_path / "original.jpg", "yellow", (200, 100))
    loader.request("no-such-key", str(original), 64)
    loader.request("broken-key", str(tmp_path / "nope.jpg"), 64)
    qtbot.waitUntil(lambda: loader.pending == 0, timeout=5000)
    assert loader.pixmap("no-such-key", str(original), 64).width() == 64
    assert loader.failed("broken-key")
    # The byte budget evicts the least recently used.
    for i in (1, 2):
        loader.request(f"{i:032x}", "", 128)
    qtbot.waitUntil(lambda: loader.pending == 0, timeout=5000)
    assert loader.cached_bytes <= loader.budget_bytes
    assert not loader.cached(key, 128) and loader.cached(f"{2:032x}", 128)
    # A scroll drops what is queued.
    loader.request("queued-a", "", 64)
    loader.drop_queued()
    assert loader.pending <= 1  # at most the one a worker already took
    loader.shutdown()


def test_clipdesk_without_arguments_starts_the_app(monkeypatch) -> None:
    from clipdesk.cli import main as cli
    from clipdesk.ui import app

    calls = []
    monkeypatch.setattr(app, "run_app", lambda **kw: calls.append(kw) or 7)
    assert cli.main([]) == 7
    assert cli.main(["--data-dir", "/tmp/x", "--model", "/m"]) == 7
    assert cli.main(["gui", "--data-dir", "/tmp/y"]) == 7
    assert calls == [
        {"data_dir": None, "model": None},
        {"data_dir": "/tmp/x", "model": "/m"},
        {"data_dir": "/tmp/y", "model": None},
    ]


def test_run_app_shows_the_window_first_and_quits_cleanly(qtbot, tmp_path: Path, ui_model) -> None:
    from clipdesk.ui import app
    from clipdesk.ui.main_window import MainWindow

    seen = {}

    def poke() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, poke)
            return
        window = windows[0]
        seen.setdefault("shown_before_engine", not window.bridge.ready)
        if window.status is None:
            QTimer.singleShot(50, poke)
            return
        seen["welcome"] = window.pages.currentWidget() is window.welcome
        window.close()

    previous = signal.getsignal(signal.SIGINT)
    QTimer.singleShot(0, poke)
    code = app.run_app(
        data_dir=str(tmp_path / "data"), model=str(ui_model), settings_path=str(tmp_path / "settings.ini")
    )
    assert code == 0
    assert seen == {"shown_before_engine": True, "welcome": True}
    assert signal.getsignal(signal.SIGINT) == previous
    assert (tmp_path / "settings.ini").exists()


def test_resources_are_valid() -> None:
    desktop = (ROOT / "resources" / "io.github.clipdesk.Clipdesk.desktop").read_text()
    assert "\nExec=clipdesk\n" in desktop and "\nIcon=io.github.clipdesk.Clipdesk\n" in desktop
    meta = ET.parse(ROOT / "resources" / "io.github.clipdesk.Clipdesk.metainfo.xml").getroot()
    assert meta.tag == "component" and meta.get("type") == "desktop-application"
    assert meta.findtext("id") == "io.github.clipdesk.Clipdesk"
    assert meta.find("launchable").text == "io.github.clipdesk.Clipdesk.desktop"
    svg = ET.parse(ROOT / "resources" / "clipdesk.svg").getroot()
    assert svg.tag.endswith("svg")
    from clipdesk.ui.icons import app_icon

    assert not app_icon().isNull()
