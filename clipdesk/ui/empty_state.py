"""A centred message that says what is going on and what to do next."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from .icons import app_pixmap, icon


class EmptyState(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(False)
        self.state = ""
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        column = QVBoxLayout()
        column.setSpacing(10)
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        font = self.title.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.title.setFont(font)
        self.body = QLabel(self)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setFixedWidth(480)  # a known width lets the wrapped text get its full height
        self._mute_body()
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(240)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.button_row = QWidget(self)
        self.buttons = QHBoxLayout(self.button_row)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.buttons.setSpacing(8)
        column.addWidget(self.picture)
        column.addSpacing(4)
        column.addWidget(self.title)
        column.addWidget(self.body, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(6)
        column.addWidget(self.button_row, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addLayout(column)
        outer.addStretch(3)
        self._button_widgets: list[QPushButton] = []

    def _mute_body(self) -> None:
        muted = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        muted.setAlphaF(0.72)
        palette = self.body.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        self.body.setPalette(palette)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._mute_body()

    def show_state(
        self,
        state: str,
        title: str,
        body: str,
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        picture: str = "app",
        busy: bool = False,
    ) -> None:
        self.state = state
        self.title.setText(title)
        self.body.setText(body)
        # Aligned layout items ignore height-for-width: give the wrapped text its real height.
        self.body.setFixedHeight(max(1, self.body.heightForWidth(self.body.width())))
        self.body.setVisible(bool(body))
        self.busy.setVisible(busy)
        dpr = self.devicePixelRatioF()
        if picture == "app":
            pixmap = app_pixmap(72, dpr)
        else:
            color = QColor(self.palette().color(QPalette.ColorRole.WindowText))
            color.setAlphaF(0.45)
            pixmap = icon(picture, color).pixmap(64, 64)
        self.picture.setPixmap(pixmap)
        for button in self._button_widgets:
            self.buttons.removeWidget(button)
            button.deleteLater()
        self._button_widgets = []
        for i, (text, callback) in enumerate(actions or []):
            button = QPushButton(text, self.button_row)
            button.setMinimumHeight(32)
            button.setDefault(i == 0)
            button.clicked.connect(callback)
            self.buttons.addWidget(button)
            self._button_widgets.append(button)
        self.button_row.setVisible(bool(self._button_widgets))

    def action_texts(self) -> list[str]:
        return [b.text() for b in self._button_widgets]

    def click_action(self, i: int) -> None:
        self._button_widgets[i].click()
