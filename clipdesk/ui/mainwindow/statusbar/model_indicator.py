"""Which model is loaded, or why none is."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget


class ModelIndicator(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = ""
        self.set_state("loading", "")

    def set_state(self, state: str, detail: str) -> None:
        self.state = state
        name = detail.rstrip("/").split("/")[-1] if detail else ""
        texts = {
            "loading": self.tr("Loading model…"),
            "downloading": self.tr("Downloading model…"),
            "ready": self.tr("Model: {name}").format(name=name) if name else self.tr("Model ready"),
            "unavailable": self.tr("Model unavailable"),
            "no_library": self.tr("No library open"),  # a shared library's server cannot be reached
        }
        self.setText(texts.get(state, state))
        self.setToolTip(detail)
        color = self.palette().color(QPalette.ColorRole.WindowText)
        if state == "unavailable":
            color = QColor("#dc3545")
        self.setStyleSheet(f"color: {color.name()};" if state == "unavailable" else "")
