"""One group of the Duplicates view: its photos side by side with size, resolution, format, date and
folder; the photo to keep (suggested, changeable) and "Move the Others to Trash" for this group."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from ....engine.duplicates import DuplicateGroup, DuplicatePhoto
    from ...thumbnail_loader import ThumbnailLoader

THUMB = 150


def data_size(size: int) -> str:
    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeSIFormat)


def taken_text(stamp: float | None) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S") if stamp is not None else "—"


class PhotoTile(QFrame):
    """A photo of a group: thumbnail, facts, and the Keep choice."""

    def __init__(self, photo: DuplicatePhoto, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo = photo
        self.loader = loader
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(THUMB + 24)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(3)
        self.image = QLabel(self)
        self.image.setFixedSize(THUMB, THUMB)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setToolTip(photo.path)
        column.addWidget(self.image)
        keep_row = QHBoxLayout()
        self.keep = QRadioButton(self.tr("Keep"), self)
        self.badge = QLabel(self.tr("Suggested"), self)
        small = QFont(self.badge.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        small.setBold(True)
        self.badge.setFont(small)
        self.badge.setStyleSheet("color: palette(highlight);")
        keep_row.addWidget(self.keep)
        keep_row.addStretch(1)
        keep_row.addWidget(self.badge)
        column.addLayout(keep_row)
        lines = (
            f"{data_size(photo.size)} · {photo.format or '?'}",
            f"{photo.width} × {photo.height}",
            taken_text(photo.taken_at),
        )
        for text in lines:
            column.addWidget(QLabel(text, self))
        self.name = QLabel(self)
        self.folder = QLabel(self)
        metrics = QFontMetrics(self.name.font())
        self.name.setText(metrics.elidedText(os.path.basename(photo.path), Qt.TextElideMode.ElideMiddle, THUMB))
        folder = os.path.basename(photo.folder) or photo.folder
        self.folder.setText(metrics.elidedText(folder, Qt.TextElideMode.ElideMiddle, THUMB))
        self.folder.setEnabled(False)  # the palette's quieter text colour
        for label in (self.name, self.folder):
            label.setToolTip(photo.path)
            column.addWidget(label)
        loader.thumbnailReady.connect(self._arrived)
        self._show_thumbnail()

    def set_suggested(self, suggested: bool) -> None:
        self.badge.setVisible(suggested)

    def _show_thumbnail(self) -> None:
        ratio = self.devicePixelRatioF()
        side = round(THUMB * ratio)
        pixmap = self.loader.pixmap(self.photo.content_key or self.photo.path, self.photo.path, side, side)
        if pixmap is not None:
            scaled = pixmap.scaled(
                side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            scaled.setDevicePixelRatio(ratio)
            self.image.setPixmap(scaled)

    def _arrived(self, key: str) -> None:
        if key == (self.photo.content_key or self.photo.path):
            self._show_thumbnail()


class DuplicateCard(QFrame):
    keeperChanged = Signal(int)  # the photo id now kept
    trashRequested = Signal()

    def __init__(self, group: DuplicateGroup, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.keep_id = group.keep
        self.setFrameShape(QFrame.Shape.StyledPanel)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 10, 12, 10)
        column.setSpacing(6)
        header = QHBoxLayout()
        self.title = QLabel(self)
        bold = QFont(self.title.font())
        bold.setBold(True)
        self.title.setFont(bold)
        self.title.setText(self.kind_title(group.kind, len(group.photos)))
        self.trash_button = QPushButton(self.tr("Move the Others to Trash"), self)
        self.trash_button.clicked.connect(self.trashRequested)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.trash_button)
        column.addLayout(header)
        self.reason = QLabel(self)
        self.reason.setText(self.tr("Suggested to keep: {reason}").format(reason=self.reason_text()))
        self.reason.setEnabled(False)
        column.addWidget(self.reason)
        strip = QWidget(self)
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.keep_group = QButtonGroup(self)
        self.tiles: list[PhotoTile] = []
        for photo in group.photos:
            tile = PhotoTile(photo, loader, strip)
            tile.set_suggested(photo.id == group.keep)
            tile.keep.setChecked(photo.id == group.keep)
            self.keep_group.addButton(tile.keep, photo.id)
            row.addWidget(tile)
            self.tiles.append(tile)
        row.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedHeight(strip.sizeHint().height() + 18)
        column.addWidget(scroll)
        self.keep_group.idToggled.connect(self._toggled)

    def kind_title(self, kind: str, n: int) -> str:
        if kind == "exact":
            return self.tr("Exact copies: %n file(s) with the same bytes", "", n)
        if kind == "same":
            return self.tr("The same picture: %n file(s) in other sizes, formats, crops or turns", "", n)
        return self.tr("Similar shots: %n photo(s) taken moments apart", "", n)

    def reason_text(self) -> str:
        keeper = self.group.keeper
        texts = {
            "pixels": self.tr("the most pixels ({width} × {height})").format(width=keeper.width, height=keeper.height),
            "dated": self.tr("it keeps its capture date"),
            "format": self.tr("the original format ({format})").format(format=keeper.format),
            "bytes": self.tr("the largest file ({size})").format(size=data_size(keeper.size)),
            "earliest": self.tr("taken first ({date})").format(date=taken_text(keeper.taken_at)),
            "folder": self.tr("in your first photo folder"),
            "name": self.tr("the shortest name"),
        }
        return texts.get(self.group.why, self.tr("the best of the group"))

    def choose(self, photo_id: int) -> None:
        button = self.keep_group.button(photo_id)
        if button is not None:
            button.setChecked(True)

    def others(self) -> list[DuplicatePhoto]:
        return self.group.others(self.keep_id)

    def _toggled(self, photo_id: int, checked: bool) -> None:
        if checked and photo_id != self.keep_id:
            self.keep_id = photo_id
            self.keeperChanged.emit(photo_id)
