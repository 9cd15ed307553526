"""Status bar pieces: indexing progress with pause/resume, model state, errors, thumbnail size."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSlider, QToolButton, QWidget

from .icons import icon
from .settings import THUMB_MAX, THUMB_MIN, THUMB_STEP


def format_duration(seconds: float, tr) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return tr("less than a minute")
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return tr("1 min") if minutes == 1 else tr("{n} min").format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    return tr("{h} h {m} min").format(h=hours, m=minutes)


class IndexingStatus(QWidget):
    """'Indexing 1,200 of 5,000 · 35 photos/s · about 2 min left [bar] [pause]'."""

    pauseToggled = Signal(bool)  # True: pause

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.button = QToolButton(self)
        self.button.setAutoRaise(True)
        self.button.setIconSize(QSize(14, 14))
        self.button.clicked.connect(lambda: self.pauseToggled.emit(not self.paused))
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.button)
        self.paused = False
        self.phase = "idle"
        self._set_paused(False)
        self.hide()

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.button.setIcon(icon("play" if paused else "pause"))
        self.button.setToolTip(self.tr("Resume indexing") if paused else self.tr("Pause indexing"))
        self.button.setAccessibleName(self.button.toolTip())

    def update_progress(self, progress) -> None:
        locale = QLocale()
        self.phase = progress.phase
        if progress.phase == "idle":
            self._set_paused(False)
            self.hide()
            return
        self.show()
        if progress.phase == "scanning":
            self._set_paused(False)
            self.label.setText(self.tr("Looking for new photos…"))
            self.label.setToolTip(progress.current or "")
            self.bar.setRange(0, 0)
            self.button.hide()
            return
        self.button.show()
        total = max(progress.total, 1)
        self.bar.setRange(0, total)
        self.bar.setValue(min(progress.done, total))
        counts = self.tr("{done} of {total}").format(
            done=locale.toString(progress.done), total=locale.toString(progress.total)
        )
        if progress.phase == "paused":
            self._set_paused(True)
            self.label.setText(self.tr("Indexing paused at {counts}").format(counts=counts))
            return
        self._set_paused(False)
        parts = [self.tr("Indexing {counts}").format(counts=counts)]
        if progress.rate > 0:
            parts.append(self.tr("{rate} photos/s").format(rate=locale.toString(float(progress.rate), "f", 1)))
        if progress.eta_s:
            parts.append(self.tr("about {time} left").format(time=format_duration(progress.eta_s, self.tr)))
        self.label.setText(" · ".join(parts))
        self.label.setToolTip(progress.current or "")


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
        }
        self.setText(texts.get(state, state))
        self.setToolTip(detail)
        color = self.palette().color(QPalette.ColorRole.WindowText)
        if state == "unavailable":
            color = QColor("#dc3545")
        self.setStyleSheet(f"color: {color.name()};" if state == "unavailable" else "")


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
        self.setText(
            self.tr("1 unreadable") if count == 1 else self.tr("{n} unreadable").format(n=QLocale().toString(count))
        )


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
