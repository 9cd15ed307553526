"""Application setup: QApplication, translations, palette; `run_app` is what `clipdesk` runs."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTimer, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from .icons import APP_ID, app_icon
from .settings import LANGUAGES  # the `language` setting; CLIPDESK_LANGUAGE overrides it

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).with_name("translations")  # clipdesk_<locale>.qm, built by `make setup`

_translators: list[QTranslator] = []  # must outlive the app's use of them


def chosen_locale(setting: str = "system") -> QLocale:
    """The interface's language: CLIPDESK_LANGUAGE (tests, screenshots), else the setting, else the system's."""
    choice = os.environ.get("CLIPDESK_LANGUAGE", "") or setting
    return QLocale(choice) if choice in LANGUAGES[1:] else QLocale.system()


def install_translators(app: QApplication, locale: QLocale | None = None) -> None:
    """Qt's own texts and clipdesk's in `locale`. English is loaded first as the fallback: it holds
    the plural forms ("1 photo", "2 photos") that the sources write as "%n photo(s)"."""
    locale = locale or QLocale.system()
    QLocale.setDefault(locale)  # month names, numbers and dates in the same language as the words
    while _translators:
        app.removeTranslator(_translators.pop())
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    wanted = [("clipdesk", QLocale(QLocale.Language.English), str(TRANSLATIONS))]
    if locale.language() != QLocale.Language.English:
        wanted += [("qtbase", locale, qt_dir), ("clipdesk", locale, str(TRANSLATIONS))]
    for name, where, folder in wanted:
        translator = QTranslator(app)
        if translator.load(where, name, "_", folder):
            app.installTranslator(translator)  # the last one installed is asked first
            _translators.append(translator)
        elif name == "clipdesk":
            log.info("no %s translation for %s in %s (run `make setup`)", name, where.name(), folder)


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(0x2B, 0x2D, 0x31), QColor(0x1F, 0x20, 0x23), QColor(0xE8, 0xE8, 0xEA)
    highlight = QColor(0x3D, 0x8B, 0xFD)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(0x27, 0x29, 0x2D),
        QPalette.ColorRole.ToolTipBase: QColor(0x33, 0x35, 0x3A),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(0x8D, 0x90, 0x96),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(0x35, 0x37, 0x3C),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(0xFF, 0x6B, 0x6B),
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor(0xFF, 0xFF, 0xFF),
        QPalette.ColorRole.Link: QColor(0x6E, 0xA8, 0xFE),
        QPalette.ColorRole.Light: QColor(0x45, 0x47, 0x4D),
        QPalette.ColorRole.Midlight: QColor(0x3A, 0x3C, 0x41),
        QPalette.ColorRole.Mid: QColor(0x25, 0x26, 0x29),
        QPalette.ColorRole.Dark: QColor(0x18, 0x19, 0x1B),
        QPalette.ColorRole.Shadow: QColor(0, 0, 0),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    disabled = QColor(0x80, 0x82, 0x88)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor(0x50, 0x52, 0x58))
    return p


_we_set_dark = False


def wants_dark(app: QGuiApplication) -> bool:
    forced = os.environ.get("CLIPDESK_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_palette(app: QApplication) -> None:
    """Follow the system's light or dark mode. Platforms that do it themselves are left alone;
    where the style cannot (or the scheme is forced), Fusion with our dark palette steps in."""
    global _we_set_dark
    dark = wants_dark(app)
    palette_is_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if dark and (not palette_is_dark or _we_set_dark):
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
        _we_set_dark = True
    elif not dark and _we_set_dark:
        app.setPalette(app.style().standardPalette())
        _we_set_dark = False


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("clipdesk")
    app.setOrganizationName("clipdesk")
    app.setOrganizationDomain("clipdesk.github.io")
    app.setDesktopFileName(APP_ID)  # Wayland/X11 match the window to the .desktop entry and its icon
    from .. import __version__

    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    install_translators(app, chosen_locale())
    apply_palette(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_palette(app))
    return app


def run_app(
    data_dir: str | os.PathLike[str] | None = None, model: str | None = None, settings_path: str | None = None
) -> int:
    """Show the window at once; the catalog and the model open in the background."""
    from .engine_bridge import EngineBridge
    from .library_location_dialog import startup_library
    from .main_window import MainWindow
    from .settings import Settings

    app = create_application()
    settings = Settings(settings_path)  # after the app: QSettings() needs its name
    if settings.language != "system":
        install_translators(app, chosen_locale(settings.language))
    bridge = EngineBridge(data_dir, model, library=startup_library(settings.q), parent=app)
    window = MainWindow(bridge, settings)
    window.show()
    QTimer.singleShot(0, bridge.open)  # after the first paint
    # Ctrl+C in a terminal and SIGTERM at logout close the window properly, finishing the
    # batch in flight (Python only sees signals between Qt events, hence the ticker).
    previous = {sig: signal.signal(sig, lambda *_: window.close()) for sig in (signal.SIGINT, signal.SIGTERM)}
    ticker = QTimer(app, interval=250)
    ticker.timeout.connect(lambda: None)
    ticker.start()
    try:
        return app.exec()
    finally:
        ticker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        window.deleteLater()
