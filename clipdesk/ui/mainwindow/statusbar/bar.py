"""The status bar: photo count, indexing progress, a full data disk, passing messages on the left; unreadable files,
the model and the thumbnail size on the right."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from .count import PhotoCount
from .disk import DiskStatus
from .errors_button import ErrorsButton
from .indexing import IndexingStatus
from .model_indicator import ModelIndicator
from .zoom import ZoomSlider


class StatusBar(QStatusBar):
    def __init__(self, thumb_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.count = PhotoCount(self)
        self.indexing = IndexingStatus(self)
        self.disk = DiskStatus(self)  # the data disk full or read-only: indexing paused
        self.flash_label = QLabel(self)
        # A long message may be cut, never the widgets around it.
        self.flash_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.model_indicator = ModelIndicator(self)
        self.errors_button = ErrorsButton(self)
        self.zoom = ZoomSlider(thumb_size, self)
        self.addWidget(self.count)
        self.addWidget(self.indexing)
        self.addWidget(self.disk, 2)
        self.addWidget(self.flash_label, 1)
        for widget in (self.errors_button, self.model_indicator, self.zoom):
            self.addPermanentWidget(widget)
        self._flash_timer = QTimer(self, singleShot=True)
        self._flash_timer.timeout.connect(self.flash_label.clear)

    def flash(self, text: str, seconds: float = 6.0) -> None:
        self.flash_label.setText(text)
        self.flash_label.setToolTip(text)
        self._flash_timer.start(int(seconds * 1000))

    def show_counts(self, counts: dict[str, Any]) -> None:
        errors = counts.get("error", 0)
        self.count.set_counts(counts.get("indexed", 0), counts.get("pending", 0), errors)
        self.errors_button.set_count(errors)
