"""The navigation sidebar: one entry per view, collapsible to icons, reachable by keyboard
(Tab into it, arrows to move, Ctrl+1.. from anywhere; Ctrl+B folds it)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QToolButton, QVBoxLayout, QWidget

from ..icons import icon

KeyRole = Qt.ItemDataRole.UserRole + 1
WIDE, NARROW = 184, 52
ALBUM = "album:"  # the key prefix of a smart album's entry


class Sidebar(QWidget):
    viewChosen = Signal(str)
    collapsedChanged = Signal(bool)
    newAlbumRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 8, 6, 8)
        layout.setSpacing(4)
        self.toggle_button = QToolButton(self)
        self.toggle_button.setIcon(icon("menu"))
        self.toggle_button.setIconSize(QSize(18, 18))
        self.toggle_button.setAutoRaise(True)
        self.toggle_button.clicked.connect(lambda: self.set_collapsed(not self.collapsed))
        self.list = QListWidget(self)
        self.list.setFrameShape(QListWidget.Shape.NoFrame)
        self.list.setIconSize(QSize(20, 20))
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setAccessibleName(self.tr("Views"))
        self.list.currentItemChanged.connect(self._chosen)
        layout.addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.list, 1)
        self.new_album_button = QToolButton(self)
        self.new_album_button.setIcon(icon("album"))
        self.new_album_button.setIconSize(QSize(18, 18))
        self.new_album_button.setAutoRaise(True)
        self.new_album_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_album_button.setToolTip(self.tr("A smart album from a description or example photos"))
        self.new_album_button.clicked.connect(self.newAlbumRequested)
        layout.addWidget(self.new_album_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.collapsed = False
        self._texts: dict[str, str] = {}
        self._icons: dict[str, str] = {}
        self.list.viewport().setBackgroundRole(QPalette.ColorRole.Window)  # follows light and dark
        self.set_collapsed(False)

    def add_view(self, key: str, text: str, icon_name: str, tip: str = "") -> None:
        item = QListWidgetItem(icon(icon_name), text, self.list)
        item.setData(KeyRole, key)
        item.setSizeHint(QSize(0, 34))
        item.setToolTip(tip or text)
        self._texts[key] = text
        self._icons[key] = icon_name
        if self.collapsed:
            item.setText("")

    def set_albums(self, names: list[str]) -> None:
        """The smart albums, after the views (keys "album:<name>"), the shown one kept current."""
        current = self.current()
        self.list.blockSignals(True)
        for i in reversed(range(self.list.count())):
            if str(self.list.item(i).data(KeyRole)).startswith(ALBUM):
                self._texts.pop(self.list.item(i).data(KeyRole), None)
                self.list.takeItem(i)
        for name in names:
            self.add_view(ALBUM + name, name, "album", self.tr("Smart album “{name}”").format(name=name))
        self.list.blockSignals(False)
        self.set_current(current)

    def keys(self) -> list[str]:
        return [self.list.item(i).data(KeyRole) for i in range(self.list.count())]

    def current(self) -> str:
        item = self.list.currentItem()
        return item.data(KeyRole) if item is not None else ""

    def set_current(self, key: str) -> None:
        """Mark the view shown (no viewChosen: the caller is already showing it)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(KeyRole) == key and self.list.currentItem() is not item:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)

    def set_collapsed(self, collapsed: bool) -> None:
        self.collapsed = collapsed
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText("" if collapsed else self._texts.get(item.data(KeyRole), ""))
        self.setFixedWidth(NARROW if collapsed else WIDE)
        self.new_album_button.setText("" if collapsed else self.tr("New album…"))
        tip = self.tr("Show the sidebar (Ctrl+B)") if collapsed else self.tr("Hide the sidebar (Ctrl+B)")
        self.toggle_button.setToolTip(tip)
        self.toggle_button.setAccessibleName(tip)
        self.collapsedChanged.emit(collapsed)

    def _chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.viewChosen.emit(item.data(KeyRole))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.toggle_button.setIcon(icon("menu"))
            self.new_album_button.setIcon(icon("album"))
            for i in range(self.list.count()):
                item = self.list.item(i)
                key = str(item.data(KeyRole))
                item.setIcon(icon("album" if key.startswith(ALBUM) else self._icons.get(key, key)))
