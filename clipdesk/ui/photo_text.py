"""Text in photos in the app: the preview's "Copy text" and its highlighted boxes, the status bar's
"Reading text in photos: 1,234 of 5,000", and Library ▸ Read Text in Photos (on/off for this library).

The engine reads the text in a second pass after indexing (clipdesk.engine.text_pass); everything
here asks it through the bridge, off the GUI thread, and hears its progress as a queued signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QLabel, QMenu, QToolButton, QWidget

from .. import config
from ..search.text_match import line_matches
from .icons import icon

if TYPE_CHECKING:
    from ..search import SearchHit
    from .engine_bridge import EngineBridge
    from .main_window import MainWindow

Box = list[tuple[float, float]]


class PhotoText(QToolButton):
    """The preview's "Copy text" button: shown when the photo has text; finds the boxes of the lines
    that hold the search's words and hands them to `on_highlights` (the canvas)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge: EngineBridge | None = None
        self.on_highlights: Any = None  # callable(list[Box])
        self.lines: list[dict[str, Any]] = []
        self.highlighted: list[Box] = []
        self._ticket = 0
        self.setIcon(icon("copy"))
        self.setText(self.tr("Copy text"))
        self.setToolTip(self.tr("Copy the text read in this photo"))
        self.setAccessibleName(self.toolTip())
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows belong to the preview
        self.clicked.connect(self.copy)
        self.hide()

    def set_bridge(self, bridge: EngineBridge) -> None:
        self.bridge = bridge

    def show_for(self, hit: SearchHit) -> None:
        self._ticket += 1
        ticket = self._ticket
        self._set_lines([], ())
        if self.bridge is None or not self.bridge.ready:
            return
        terms = hit.text_terms

        def read(engine: Any) -> list[dict[str, Any]]:
            found = engine.catalog.photo_text(hit.id) if hasattr(engine.catalog, "photo_text") else None
            return list(found.lines) if found is not None else []

        def done(lines: list[dict[str, Any]]) -> None:
            if ticket == self._ticket:
                self._set_lines(lines, terms)

        self.bridge.call(read, done, lambda _exc: None, owner=self)

    def _set_lines(self, lines: list[dict[str, Any]], terms: tuple[str, ...]) -> None:
        self.lines = lines
        self.setVisible(bool(lines))
        self.highlighted = [
            [(float(x), float(y)) for x, y in line["box"]]
            for line in lines
            if terms and line_matches(str(line["text"]), terms)
        ]
        if self.on_highlights is not None:
            self.on_highlights(self.highlighted)

    def photo_text(self) -> str:
        return "\n".join(str(line["text"]) for line in self.lines)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.photo_text())


class TextReadingStatus(QLabel):
    """'Reading text in photos: 1,234 of 5,000' while the second pass runs; hidden otherwise."""

    def update_progress(self, state: Any) -> None:
        if state.phase not in ("reading", "waiting"):
            self.hide()
            return
        locale = QLocale()
        counts = self.tr("{done} of {total}").format(
            done=locale.toString(int(state.done)), total=locale.toString(int(state.total))
        )
        if state.phase == "waiting":
            self.setText(self.tr("Reading text in photos: {counts} (after indexing)").format(counts=counts))
        else:
            self.setText(self.tr("Reading text in photos: {counts}").format(counts=counts))
        self.show()


class _Relay(QObject):
    progress = Signal(object)  # TextProgress, from the text pass's thread to the GUI thread


def attach_text_in_photos(window: MainWindow, library_menu: QMenu | None = None) -> None:
    """Wire the preview, the status bar and the Library menu to the engine's text pass."""
    bridge = window.bridge
    window.preview.photo_text.set_bridge(bridge)
    status = TextReadingStatus(window.statusBar())
    status.hide()
    window.statusBar().addWidget(status)
    window.text_reading_status = status
    relay = _Relay(window)
    relay.progress.connect(status.update_progress)
    toggle = QAction(QCoreApplication.translate("WindowActions", "Read &Text in Photos"), window, checkable=True)
    toggle.setChecked(True)
    toggle.setEnabled(False)
    toggle.toggled.connect(lambda on: bridge.call(lambda e: e.text_pass.set_enabled(on), owner=window))
    window.read_text_action = toggle
    menu = library_menu or _library_menu(window)
    if menu is not None:
        menu.insertAction(menu.actions()[3] if len(menu.actions()) > 3 else None, toggle)

    def engine_ready() -> None:
        engine = bridge.engine
        if engine is None or not hasattr(engine, "text_pass"):
            return
        engine.text_pass.add_listener(relay.progress.emit)

        def shown(state: tuple[bool, Any]) -> None:
            enabled, progress = state
            toggle.blockSignals(True)
            toggle.setChecked(enabled)
            toggle.blockSignals(False)
            toggle.setEnabled(config.settings().text is None)  # CLIPDESK_TEXT, when set, decides
            status.update_progress(progress)

        bridge.call(lambda e: (e.text_pass.enabled, e.text_pass.state), shown, lambda _exc: None, owner=window)

    bridge.engineReady.connect(engine_ready)
    if bridge.ready:
        engine_ready()


def _library_menu(window: MainWindow) -> QMenu | None:
    library = QCoreApplication.translate("WindowActions", "&Library")
    return next((menu for menu in window.menuBar().findChildren(QMenu) if menu.title() == library), None)
