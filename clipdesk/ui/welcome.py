"""First run: choose the folders that hold your photos."""

from __future__ import annotations

import os

from PySide6.QtCore import QDir, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .folders_dialog import pretty_path
from .icons import app_pixmap, icon
from .settings import Settings


def suggested_folders() -> list[str]:
    """The user's Pictures folder (and a few usual siblings) when they exist."""
    found: list[str] = []
    for location in (QStandardPaths.StandardLocation.PicturesLocation,):
        for path in QStandardPaths.standardLocations(location):
            if os.path.isdir(path) and path != QDir.homePath() and path not in found:
                found.append(path)
    return found


class WelcomePage(QWidget):
    """Emits `startRequested(folders)` with the checked folders."""

    startRequested = Signal(list)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame(self)
        card.setObjectName("welcomeCard")
        card.setMaximumWidth(600)
        card.setMinimumWidth(460)
        column = QVBoxLayout(card)
        column.setSpacing(10)

        logo = QLabel(card)
        logo.setPixmap(app_pixmap(80, self.devicePixelRatioF()))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("Welcome to clipdesk"), card)
        font = title.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blurb = QLabel(
            self.tr(
                "Find any photo by describing it: “kids at the beach”, “receipt”, “snowy "
                "mountains”, or by showing a similar picture. Everything happens on this "
                "computer; your photos never leave it."
            ),
            card,
        )
        blurb.setWordWrap(True)
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)

        question = QLabel(self.tr("Which folders hold your photos?"), card)
        qfont = question.font()
        qfont.setBold(True)
        question.setFont(qfont)
        self.folders = QListWidget(card)
        self.folders.setMinimumHeight(96)
        self.folders.setMaximumHeight(150)
        self.folders.itemChanged.connect(self._update_start)
        self.empty_hint = QLabel(self.tr("No folder chosen yet. Click “Add folder…” to pick one."), card)
        self.empty_hint.setWordWrap(True)
        add = QPushButton(icon("folder"), self.tr("Add folder…"), card)
        add.clicked.connect(self.choose_folder)
        self.start_button = QPushButton(self.tr("Start indexing"), card)
        self.start_button.setDefault(True)
        self.start_button.setMinimumHeight(34)
        self.start_button.clicked.connect(self._start)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        note = QLabel(
            self.tr(
                "You can search as soon as the first photos are indexed, and change "
                "folders later under Library ▸ Folders."
            ),
            card,
        )
        note.setWordWrap(True)
        note.setEnabled(False)  # muted

        column.addWidget(logo)
        column.addWidget(title)
        column.addWidget(blurb)
        column.addSpacing(10)
        column.addWidget(question)
        column.addWidget(self.folders)
        column.addWidget(self.empty_hint)
        column.addLayout(buttons)
        column.addSpacing(4)
        column.addWidget(note)

        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        for path in suggested_folders():
            self.add_folder(path, checked=True)
        self._update_start()

    def add_folder(self, path: str, checked: bool = True) -> None:
        path = os.path.abspath(path)
        for i in range(self.folders.count()):
            if self.folders.item(i).data(Qt.ItemDataRole.UserRole) == path:
                self.folders.item(i).setCheckState(Qt.CheckState.Checked)
                return
        item = QListWidgetItem(icon("folder"), pretty_path(path))
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setToolTip(path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.folders.addItem(item)
        self._update_start()

    def checked_folders(self) -> list[str]:
        return [
            self.folders.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.folders.count())
            if self.folders.item(i).checkState() == Qt.CheckState.Checked
        ]

    def choose_folder(self) -> None:
        start = (self.settings.last_dir("folders") if self.settings else "") or QDir.homePath()
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a photo folder"), start)
        if folder:
            if self.settings:
                self.settings.set_last_dir("folders", os.path.dirname(folder))
            self.add_folder(folder)

    def _update_start(self, *_args) -> None:
        self.start_button.setEnabled(bool(self.checked_folders()))
        self.empty_hint.setVisible(self.folders.count() == 0)
        self.folders.setVisible(self.folders.count() > 0)

    def set_busy(self, busy: bool) -> None:
        self.start_button.setEnabled(not busy and bool(self.checked_folders()))
        self.start_button.setText(self.tr("Starting…") if busy else self.tr("Start indexing"))

    def _start(self) -> None:
        folders = self.checked_folders()
        if folders:
            self.startRequested.emit(folders)
