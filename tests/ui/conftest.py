"""Fixtures for the desktop app: a tiny random CLIP, ~20 real photos indexed once per session,
and windows opened on a private copy of that library."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.pop("CLIPDESK_MODEL", None)
os.environ.pop("CLIPDESK_THEME", None)
os.environ.setdefault("CLIPDESK_LANGUAGE", "en")  # texts asserted in English whatever the machine's locale

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import clipdesk.ui  # noqa: F401 - applies the PySide6/Python 3.11 None-refcount workaround first

CORPUS = Path(os.environ.get("CLIPDESK_CORPUS", "/work/shared/corpus/exif-samples"))
if not CORPUS.is_dir():
    CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "exif-samples"

# Three folders of real camera photos: GPS-tagged trips, all EXIF orientations, old cameras.
PICKS = {
    "trips": [f"jpg/gps/DSCN00{n}.jpg" for n in (10, 12, 21, 25, 27, 29, 38, 40, 42)],
    "family": [
        f"jpg/orientation/{n}.jpg" for n in ("landscape_1", "landscape_6", "portrait_1", "portrait_6", "portrait_8")
    ],
    "cameras": [
        f"jpg/exif-org/{n}.jpg"
        for n in ("canon-ixus", "fujifilm-finepix40i", "kodak-dc240", "nikon-e950", "olympus-c960", "sony-d700")
    ],
}
BROKEN = "cameras/broken.jpg"  # 0 bytes: the one file that cannot be read


@pytest.fixture(scope="session", autouse=True)
def translations_built() -> None:
    """The .qm files `make setup` builds, rebuilt here when a .ts is newer (English holds the plurals)."""
    import subprocess
    import sys

    from clipdesk.ui.app import TRANSLATIONS

    sources = Path(__file__).resolve().parents[2] / "resources" / "i18n"
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    TRANSLATIONS.mkdir(exist_ok=True)
    for ts in sources.glob("clipdesk_*.ts"):
        qm = TRANSLATIONS / f"{ts.stem}.qm"
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True)


@pytest.fixture(scope="session")
def ui_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from clipdesk.encoder.random_model import build_random_clip

    model = build_random_clip(tmp_path_factory.mktemp("ui-model") / "tiny-clip", size="tiny")
    # As tests/conftest.py's freeze_import_heap (this conftest shadows that module's name): the objects of
    # the heavy imports are skipped by the full gc.collect() ending every model load.
    import gc

    import sentence_transformers  # noqa: F401

    gc.collect()
    gc.freeze()
    return model


@pytest.fixture(scope="session")
def ui_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"photo corpus not found at {CORPUS}")
    root = tmp_path_factory.mktemp("ui-library") / "Pictures"
    for folder, files in PICKS.items():
        (root / folder).mkdir(parents=True)
        for name in files:
            shutil.copy2(CORPUS / name, root / folder / Path(name).name)
    (root / BROKEN).write_bytes(b"")
    return root


@pytest.fixture(scope="session")
def indexed_template(tmp_path_factory: pytest.TempPathFactory, ui_model: Path, ui_photos: Path) -> Path:
    """A catalog with ui_photos indexed, built once; tests get copies."""
    from clipdesk.engine import Engine

    data = tmp_path_factory.mktemp("ui-template") / "data"
    engine = Engine(data, str(ui_model))
    try:
        engine.add_root(ui_photos)
        report = engine.index()
        assert report.encoded == 20 and report.errors == 1, report
    finally:
        engine.close()
    return data


@pytest.fixture
def library(tmp_path: Path, indexed_template: Path) -> Path:
    """A private, already indexed data dir for one test."""
    data = tmp_path / "data"
    shutil.copytree(indexed_template, data)
    return data


@pytest.fixture
def open_window(qtbot, tmp_path: Path, ui_model: Path) -> Iterator[Callable[..., object]]:
    """open_window(data_dir, model=None, watch=False, factory=None, wait_model=True) -> MainWindow"""
    from clipdesk.ui.app import create_application
    from clipdesk.ui.engine_bridge import EngineBridge
    from clipdesk.ui.main_window import MainWindow
    from clipdesk.ui.settings import Settings

    create_application()  # names, icon, palette on pytest-qt's QApplication
    windows: list[MainWindow] = []

    def _open(
        data_dir: Path,
        model: str | Path | None = None,
        *,
        watch: bool = False,
        factory=None,
        wait_model: bool = True,
        size: tuple[int, int] = (1100, 720),
    ) -> MainWindow:
        bridge = EngineBridge(str(data_dir), str(model or ui_model), engine_factory=factory, watch=watch)
        window = MainWindow(bridge, Settings(str(tmp_path / f"settings-{len(windows)}.ini")))
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        bridge.open()
        qtbot.waitUntil(lambda: window.status is not None, timeout=20_000)
        if wait_model:
            qtbot.waitUntil(lambda: bridge.model_state[0] == "ready", timeout=30_000)
        windows.append(window)
        return window

    yield _open
    for window in windows:
        window.close()
    # A QMimeData made by a test stays on the clipboard; Qt would destroy it after Python at exit.
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()


@pytest.fixture
def engine_order() -> Callable[..., list[str]]:
    """engine_order(window, text, image, limit, **filters): the engine's own ranking, the truth
    the grid must show."""

    def _order(window, text: str = "", image=None, limit: int = 1000, **filters) -> list[str]:
        from clipdesk.search import Filters, SearchRequest

        page = window.bridge.engine.search(
            SearchRequest(text=text, image=image, limit=limit, filters=Filters(**filters))
        )
        return [h.path for h in page.hits]

    return _order
