"""Two language choices: the interface's (View > Interface Language, after a restart) and the
queries' (Library > Query Languages: auto, English only, any language; stored in the catalog, so
the CLI and the app agree, and applied to the next search at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from ..main_window import MainWindow

# Each language is named in its own words, so that someone who cannot read the current one finds theirs.
NATIVE_NAMES = {"en": "English", "zh_CN": "简体中文"}
QUERY_LANGUAGES = ("auto", "english", "multilingual")


class LanguageMenus(QObject):
    def __init__(self, window: MainWindow, view_menu: QMenu, library_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.interface_menu = view_menu.addMenu(self.tr("Interface &Language"))
        self.interface: dict[str, QAction] = {}
        group = QActionGroup(self)
        names = {"system": self.tr("As the System"), **NATIVE_NAMES}
        for key, text in names.items():
            act = QAction(text, self, checkable=True)
            act.setChecked(key == window.settings.language)
            act.triggered.connect(lambda _=False, k=key: self.set_interface_language(k))
            group.addAction(act)
            self.interface_menu.addAction(act)
            self.interface[key] = act

        self.query_menu = library_menu.addMenu(self.tr("Query &Languages"))
        self.query_menu.setToolTipsVisible(True)
        self.query: dict[str, QAction] = {}
        texts = {
            "auto": (
                self.tr("&Automatic"),
                self.tr("English words use CLIP's own text model; other languages the multilingual one"),
            ),
            "english": (self.tr("&English Only"), self.tr("Every query is read as English (no extra model)")),
            "multilingual": (
                self.tr("&Any Language"),
                self.tr("Every query uses the multilingual text model (downloaded once)"),
            ),
        }
        group = QActionGroup(self)
        for key in QUERY_LANGUAGES:
            text, tip = texts[key]
            act = QAction(text, self, checkable=True)
            act.setToolTip(tip)
            act.setChecked(key == "auto")
            act.triggered.connect(lambda _=False, k=key: self.set_query_languages(k))
            group.addAction(act)
            self.query_menu.addAction(act)
            self.query[key] = act
        window.bridge.engineReady.connect(self._read_query_languages)

    @property
    def query_languages(self) -> str:
        return next((key for key, act in self.query.items() if act.isChecked()), "auto")

    def set_interface_language(self, key: str) -> None:
        self.interface[key].setChecked(True)
        if key == self.window.settings.language:
            return
        self.window.settings.language = key
        self.window.flash(self.tr("The new interface language is used from the next start of clipdesk."), 10.0)

    def set_query_languages(self, key: str) -> None:
        """Store the choice in the catalog; the current search runs again with it."""
        self.query[key].setChecked(True)

        def store(engine: Any) -> None:
            engine.searcher.set_query_languages(key)

        self.window.bridge.call(store, lambda _r: self.window.search_view.session.refresh(), owner=self.window)

    def _read_query_languages(self) -> None:
        def read(engine: Any) -> str:
            return str(engine.searcher.query_languages)

        self.window.bridge.call(
            read, lambda key: self.query[key].setChecked(True) if key in self.query else None, owner=self.window
        )
