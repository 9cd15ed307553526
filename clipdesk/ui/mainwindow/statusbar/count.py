"""How many photos the library holds (hover: indexed, waiting, unreadable)."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QLabel, QWidget


class PhotoCount(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Photos in the library"))

    def set_counts(self, indexed: int, pending: int, errors: int) -> None:
        locale = QLocale()
        self.setText(self.tr("%Ln photo(s)", "", indexed))
        self.setToolTip(
            self.tr("{indexed} indexed, {pending} waiting, {errors} unreadable").format(
                indexed=locale.toString(indexed), pending=locale.toString(pending), errors=locale.toString(errors)
            )
        )
