"""The data disk's state in the status bar: full or read-only (indexing paused, nothing lost),
with what to do; hidden again once the engine resumes by itself."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QWidget

from ...icons import icon


class DiskStatus(QWidget):
    """Shown while the engine reports `disk_full` or `read_only`; `ok` hides it."""

    openFolderRequested = Signal()
    moveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "ok"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.icon = QLabel(self)
        self.icon.setPixmap(icon("warning", "#d9822b").pixmap(QSize(16, 16)))
        self.label = QLabel(self)
        # The message is long: it may be cut (the tooltip has all of it), never the widgets around it.
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.button = QToolButton(self)
        self.button.setText(self.tr("What to do…"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.open_action = menu.addAction(self.tr("Open the Data Folder"), self.openFolderRequested.emit)
        self.move_action = menu.addAction(self.tr("Move the Data Folder…"), self.moveRequested.emit)
        self.button.setMenu(menu)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hide()

    def set_state(self, state: str, message: str) -> None:
        """disk_full | read_only (shown with `message`) | ok (hidden)."""
        self.state = state
        if state == "ok":
            self.label.clear()
            self.hide()
            return
        self.label.setText(message)
        self.setToolTip(message)
        self.show()
