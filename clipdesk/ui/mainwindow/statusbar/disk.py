"""The data disk's state in the status bar: full or read-only (indexing paused, nothing lost),
with what to do; hidden again once the engine resumes by itself."""

from __future__ import annotations

import re

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
        self.hide()

    def set_state(self, state: str, message: str) -> None:
        """disk_full | read_only (shown with `message`) | ok (hidden)."""
        self.state = state
        if state == "ok":
            self.label.clear()
            self.hide()
            return
        text = self.short_text(state, message)
        self.label.setText(text)
        # Room for all of it in a window of ordinary width; cut (tooltip) only in a narrow one.
        self.label.setMinimumWidth(min(self.label.fontMetrics().horizontalAdvance(text) + 8, 620))
        self.setToolTip(message)
        self.show()

    def short_text(self, state: str, message: str) -> str:
        """The message without its folder path (in the tooltip, and in the banner above): it fits."""
        if state == "read_only":
            return self.tr("The data disk is read-only: indexing paused, nothing was lost.")
        needed = re.search(r"(\d[\d,]*) MB", message)
        if needed is None:
            return self.tr("The data disk is full: indexing paused, nothing was lost.")
        return self.tr(
            "The data disk is full: indexing paused, nothing was lost; free {mb} MB or move the data folder."
        ).format(mb=needed.group(1))
