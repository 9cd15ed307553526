"""Indexing progress in the status bar, with pause and resume."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from ...icons import icon


def time_left(seconds: float) -> str:
    """'less than a minute left', 'about 2 min left', 'about 1 h 5 min left'."""
    translate = QCoreApplication.translate
    whole = round(seconds)
    if whole < 60:
        return translate("IndexingStatus", "less than a minute left")
    minutes = (whole + 30) // 60
    if minutes < 60:
        return translate("IndexingStatus", "about {n} min left").format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    if not minutes:
        return translate("IndexingStatus", "about {h} h left").format(h=hours)
    return translate("IndexingStatus", "about {h} h {m} min left").format(h=hours, m=minutes)


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
            parts.append(time_left(progress.eta_s))
        self.label.setText(" · ".join(parts))
        self.label.setToolTip(progress.current or "")
