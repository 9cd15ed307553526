"""The search field and the removable image chip beside it."""

from __future__ import annotations

import os

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent, QKeySequence, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QToolButton, QWidget

from .icons import icon


def image_files_in(mime: QMimeData | None) -> list[str]:
    """Local image files named by a drop or the clipboard (URLs, or a pasted path)."""
    from ..imaging.decode import IMAGE_EXTENSIONS  # lazy: keeps numpy and Pillow out of first paint

    if mime is None:
        return []
    paths: list[str] = []
    if mime.hasUrls():
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    elif mime.hasText():
        text = mime.text().strip()
        if "\n" not in text and os.path.isabs(os.path.expanduser(text)):
            paths = [os.path.expanduser(text)]
    return [p for p in paths if os.path.splitext(p)[1].lower() in IMAGE_EXTENSIONS]


def holds_image(mime: QMimeData | None) -> bool:
    return mime is not None and (mime.hasImage() or bool(image_files_in(mime)))


class SearchField(QLineEdit):
    """Ctrl+V with a picture (or a copied image file) on the clipboard makes it the query
    instead of pasting text; Down moves into the results."""

    pasteImageRequested = Signal()
    downPressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste) and holds_image(QGuiApplication.clipboard().mimeData()):
            self.pasteImageRequested.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Down:
            self.downPressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ImageChip(QFrame):
    """Thumbnail + name of the query image, with a × to remove it."""

    removed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageChip")
        self.setFrameShape(QFrame.Shape.NoFrame)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(6)
        self.thumb = QLabel(self)
        self.thumb.setFixedSize(28, 28)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel(self)
        self.label.setMaximumWidth(220)
        self.close_button = QToolButton(self)
        self.close_button.setIcon(icon("close"))
        self.close_button.setIconSize(QSize(14, 14))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Remove the image from the search"))
        self.close_button.setAccessibleName(self.tr("Remove image"))
        self.close_button.clicked.connect(self.removed)
        layout.addWidget(self.thumb)
        layout.addWidget(self.label)
        layout.addWidget(self.close_button)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self._restyle()

    def _restyle(self) -> None:
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        fill = QColor(highlight)
        fill.setAlphaF(0.18)
        sheet = (
            f"#imageChip {{ background: rgba({fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}); "
            f"border: 1px solid rgba({highlight.red()},{highlight.green()},{highlight.blue()},140); "
            "border-radius: 8px; }"
        )
        if sheet != self.styleSheet():  # setting a sheet sends a palette change: don't loop
            self.setStyleSheet(sheet)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def set_image(self, name: str, pixmap: QPixmap | None = None) -> None:
        metrics = self.label.fontMetrics()
        self.label.setText(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, 200))
        self.label.setToolTip(name)
        self.set_pixmap(pixmap)

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        if pixmap is None or pixmap.isNull():
            self.thumb.setPixmap(icon("image").pixmap(20, 20))
        else:
            dpr = self.devicePixelRatioF()
            scaled = pixmap.scaled(
                int(28 * dpr),
                int(28 * dpr),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            scaled.setDevicePixelRatio(dpr)
            self.thumb.setPixmap(scaled)


class SearchBar(QWidget):
    """[image chip] [search field] [search by image]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(8)
        self.chip = ImageChip(self)
        self.chip.hide()
        self.field = SearchField(self)
        self.field.setPlaceholderText(self.tr("Describe a photo, e.g. “dog on the beach”, or drop an image here"))
        self.field.setClearButtonEnabled(True)
        self.field.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.field.setMinimumHeight(34)
        self.field.setAcceptDrops(False)  # dropped files become image queries (handled by the window)
        self.field.setAccessibleName(self.tr("Search"))
        font = self.field.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.15)
        self.field.setFont(font)
        self.image_button = QToolButton(self)
        self.image_button.setIcon(icon("image"))
        self.image_button.setIconSize(QSize(20, 20))
        self.image_button.setText(self.tr("Search by image…"))
        self.image_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.image_button.setMinimumHeight(34)
        self.image_button.setToolTip(self.tr("Find photos that look like a picture on this computer (Ctrl+O)"))
        layout.addWidget(self.chip)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.image_button)
