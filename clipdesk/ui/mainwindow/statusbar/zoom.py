"""The thumbnail size slider."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from ...icons import icon
from ...settings import THUMB_MAX, THUMB_MIN, THUMB_STEP


class ZoomSlider(QWidget):
    valueChanged = Signal(int)

    def __init__(self, value: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 4, 0)
        layout.setSpacing(4)
        small, large = QLabel(self), QLabel(self)
        small.setPixmap(icon("small").pixmap(14, 14))
        large.setPixmap(icon("large").pixmap(14, 14))
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(THUMB_MIN, THUMB_MAX)
        self.slider.setSingleStep(THUMB_STEP)
        self.slider.setPageStep(THUMB_STEP * 2)
        self.slider.setFixedWidth(110)
        self.slider.setValue(value)
        self.slider.setToolTip(self.tr("Thumbnail size (Ctrl+wheel, Ctrl++ / Ctrl+−)"))
        self.slider.setAccessibleName(self.tr("Thumbnail size"))
        self.slider.valueChanged.connect(self.valueChanged)
        layout.addWidget(small)
        layout.addWidget(self.slider)
        layout.addWidget(large)

    def value(self) -> int:
        return self.slider.value()

    def setValue(self, value: int) -> None:
        self.slider.setValue(value)
