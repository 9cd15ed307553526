"""How many files could not be read; a click lists them."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QToolButton, QWidget

from ...icons import icon


class ErrorsButton(QToolButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoRaise(True)
        self.setIcon(icon("warning", "#e0a100"))
        self.setIconSize(QSize(14, 14))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setToolTip(self.tr("Files that could not be read, and why"))
        self.count = 0
        self.hide()

    def set_count(self, count: int) -> None:
        self.count = count
        self.setVisible(count > 0)
        self.setText(self.tr("%Ln unreadable", "", count))
