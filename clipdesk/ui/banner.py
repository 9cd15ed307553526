"""A coloured strip above the results: model problems, worker errors, stale results."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QToolButton, QVBoxLayout, QWidget

from .icons import icon

_TINTS = {"info": "#3d8bfd", "warning": "#e0a100", "error": "#dc3545"}


class Banner(QFrame):
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.level = "info"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self.icon_label = QLabel(self)
        self.icon_label.setFixedSize(22, 22)
        text_column = QVBoxLayout()
        text_column.setSpacing(4)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setFixedWidth(360)
        self.busy.hide()
        text_column.addWidget(self.title)
        text_column.addWidget(self.text)
        # Aligned, so its maximum width does not cap the whole column's width.
        text_column.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignLeft)
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(6)
        self.close_button = QToolButton(self)
        self.close_button.setIcon(icon("close"))
        self.close_button.setIconSize(QSize(14, 14))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.clicked.connect(self._dismiss)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text_column, 1)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._buttons: list[QPushButton] = []
        self.hide()

    def set_progress(self, done: float, total: float) -> None:
        """Determinate once a total is known (model download); busy otherwise."""
        if total > 0:
            self.busy.setRange(0, 1000)
            self.busy.setValue(int(1000 * min(done, total) / total))
        else:
            self.busy.setRange(0, 0)

    def show_message(
        self,
        level: str,
        title: str,
        text: str = "",
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        busy: bool = False,
        closable: bool = True,
    ) -> None:
        self.level = level
        self.title.setText(title)
        self.title.setVisible(bool(title))
        self.text.setText(text)
        self.text.setVisible(bool(text))
        self.busy.setVisible(busy)
        self.close_button.setVisible(closable)
        for button in self._buttons:
            self.actions_row.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for text_, callback in actions or []:
            button = QPushButton(text_, self)
            button.clicked.connect(callback)
            self.actions_row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
            self._buttons.append(button)
        self._restyle()
        self.show()

    def button_texts(self) -> list[str]:
        return [b.text() for b in self._buttons]

    def click(self, text: str) -> None:
        for button in self._buttons:
            if button.text() == text:
                button.click()
                return
        raise KeyError(text)

    def _dismiss(self) -> None:
        self.hide()
        self.closed.emit()

    def _restyle(self) -> None:
        tint = QColor(_TINTS.get(self.level, _TINTS["info"]))
        base = self.palette().color(QPalette.ColorRole.Window)
        dark = base.lightness() < 128
        fill = QColor(tint)
        fill.setAlphaF(0.22 if dark else 0.13)
        sheet = (
            f"#banner {{ background: rgba({fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}); "
            f"border: 1px solid rgba({tint.red()},{tint.green()},{tint.blue()},150); border-radius: 8px; }}"
        )
        if sheet != self.styleSheet():  # setting a sheet sends a palette change: don't loop
            self.setStyleSheet(sheet)
        name = {"info": "info", "warning": "warning", "error": "error"}.get(self.level, "info")
        self.icon_label.setPixmap(icon(name, tint).pixmap(22, 22))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self.isVisible():
            self._restyle()
