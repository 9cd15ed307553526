"""Full-size preview of one result: correctly oriented, with path, date, size and dimensions.
Left/Right step through the results, Esc goes back to the grid."""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPen, QPixmap, QPolygonF, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from .background import Background
from .icons import icon
from .photo_labels import PhotoLabels
from .photo_text import PhotoText
from .results_model import format_taken_long
from .thumbnail_loader import ThumbnailLoader, pil_to_qimage

if TYPE_CHECKING:
    from ..search import SearchHit

MAX_EDGE = 3072  # decode at most this many pixels on the long side: sharp on 4K, cheap on memory


def load_preview(path: str, max_edge: int = MAX_EDGE):
    """Worker thread: decode, orient (EXIF) and downscale; returns (QImage, file size in bytes)."""
    from PIL import Image

    from ..imaging import open_image

    size = os.path.getsize(path)
    im, *_ = open_image(path, draft_to=max_edge)
    if max(im.size) > max_edge:
        im.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    return pil_to_qimage(im), size


def human_size(n: int) -> str:
    return QLocale().formattedDataSize(n, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


class ElidedLabel(QLabel):
    """One line of text, elided in the middle to whatever width it gets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(40, self.width())))


class ImageCanvas(QWidget):
    """Draws a pixmap as large as fits, centred, never upscaled past 2x."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self._pixmap: QPixmap | None = None
        self._scaled: QPixmap | None = None
        self._message = ""
        self.highlights: list[list[tuple[float, float]]] = []  # boxes of matching text, as fractions

    def set_highlights(self, boxes: list[list[tuple[float, float]]]) -> None:
        self.highlights = boxes
        self.update()

    def set_pixmap(self, pixmap: QPixmap | None, message: str = "") -> None:
        self._pixmap = pixmap
        self._scaled = None
        self._message = message
        self.update()

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._scaled = None
        super().resizeEvent(event)

    def image_rect(self) -> QRectF:
        if self._pixmap is None or self._pixmap.isNull():
            return QRectF()
        pw, ph = self._pixmap.width(), self._pixmap.height()
        dpr = self.devicePixelRatioF()
        area = self.rect().adjusted(12, 12, -12, -12)
        scale = min(area.width() * dpr / pw, area.height() * dpr / ph, 2.0)
        w, h = pw * scale / dpr, ph * scale / dpr
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self._pixmap is not None and not self._pixmap.isNull():
            target = self.image_rect()
            dpr = self.devicePixelRatioF()
            want = QSize(int(target.width() * dpr), int(target.height() * dpr))
            if self._scaled is None or self._scaled.size() != want:
                # Scale once per size with good filtering; painting then just blits.
                self._scaled = self._pixmap.scaled(
                    want, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            painter.drawPixmap(target, self._scaled, QRectF(self._scaled.rect()))
            if self.highlights:  # the lines holding the search's words
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(QPen(QColor(255, 196, 0), 2))
                painter.setBrush(QColor(255, 196, 0, 60))
                for box in self.highlights:
                    painter.drawPolygon(
                        QPolygonF(
                            [QPointF(target.x() + x * target.width(), target.y() + y * target.height()) for x, y in box]
                        )
                    )
        if self._message:
            color = QColor(self.palette().color(QPalette.ColorRole.WindowText))
            color.setAlphaF(0.7)
            painter.setPen(color)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
        painter.end()


class PreviewPage(QWidget):
    closed = Signal()
    stepRequested = Signal(int)  # -1 / +1 (and -1000 / +1000 for first / last)
    openRequested = Signal(str)
    showInFolderRequested = Signal(str)
    findSimilarRequested = Signal(object)  # SearchHit

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.background = Background(2, "clipdesk-preview", self)
        self.hit: SearchHit | None = None
        self.row = -1
        self._cache: OrderedDict[str, tuple[QPixmap, int]] = OrderedDict()
        self._inflight: set[str] = set()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.back_button = self._tool("back", self.tr("Back to results"), self.tr("Back to the results (Esc)"))
        self.back_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.back_button.clicked.connect(self.closed)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.counter = QLabel(self)
        self.prev_button = self._tool("prev", "", self.tr("Previous result (Left)"))
        self.next_button = self._tool("next", "", self.tr("Next result (Right)"))
        self.prev_button.clicked.connect(lambda: self.stepRequested.emit(-1))
        self.next_button.clicked.connect(lambda: self.stepRequested.emit(1))
        self.similar_button = self._tool(
            "similar", self.tr("Find similar"), self.tr("Find photos that look like this one")
        )
        self.similar_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.similar_button.clicked.connect(lambda: self.hit and self.findSimilarRequested.emit(self.hit))
        self.open_button = self._tool("open", self.tr("Open"), self.tr("Open in the default image viewer"))
        self.open_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.open_button.clicked.connect(lambda: self.hit and self.openRequested.emit(self.hit.path))
        self.folder_button = self._tool("folder", self.tr("Show in folder"), self.tr("Show in the file manager"))
        self.folder_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.folder_button.clicked.connect(lambda: self.hit and self.showInFolderRequested.emit(self.hit.path))

        top = QHBoxLayout()
        top.setContentsMargins(8, 6, 8, 0)
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        self.photo_text = PhotoText(self)  # "Copy text"; highlights the boxes that match the search
        top.addWidget(self.photo_text)
        top.addWidget(self.similar_button)
        top.addWidget(self.open_button)
        top.addWidget(self.folder_button)

        self.canvas = ImageCanvas(self)
        self.photo_text.on_highlights = self.canvas.set_highlights
        middle = QHBoxLayout()
        middle.setContentsMargins(4, 0, 4, 0)
        middle.addWidget(self.prev_button)
        middle.addWidget(self.canvas, 1)
        middle.addWidget(self.next_button)

        self.info = QFrame(self)
        info_layout = QHBoxLayout(self.info)
        info_layout.setContentsMargins(14, 6, 14, 10)
        info_layout.setSpacing(18)
        self.path_label = ElidedLabel(self.info)
        self.details_label = QLabel(self.info)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        info_layout.addWidget(self.path_label, 1)
        info_layout.addWidget(self.details_label)
        info_layout.addWidget(self.counter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        self.labels = PhotoLabels(self)  # "What's in this photo" (the window gives it the bridge)
        layout.addWidget(self.labels)
        layout.addWidget(self.info)

    def _tool(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon(name))
        button.setIconSize(QSize(20, 20))
        if text:
            button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows belong to the page
        return button

    # -- showing ------------------------------------------------------------------------------------

    def show_hit(self, hit: SearchHit, row: int, count: int, more: bool) -> None:
        self.hit, self.row = hit, row
        name = os.path.basename(hit.path)
        self.title.setText(name)
        self.title.setToolTip(hit.path)
        self.counter.setText(
            self.tr("{row} of {count}{more}").format(
                row=QLocale().toString(row + 1), count=QLocale().toString(count), more="+" if more else ""
            )
        )
        self.prev_button.setEnabled(row > 0)
        self.next_button.setEnabled(row + 1 < count or more)
        self.path_label.set_full_text(hit.path)
        self._set_details(hit, None)
        self.labels.show_for(hit.id)
        self.photo_text.show_for(hit)
        cached = self._cache.get(hit.path)
        if cached is not None:
            self._cache.move_to_end(hit.path)
            self.canvas.set_pixmap(cached[0])
            self._set_details(hit, cached[1])
        else:
            # The grid's thumbnail stands in at once; the full image replaces it when decoded.
            thumb = self.loader.pixmap(hit.content_key or hit.path, hit.path, 320)
            self.canvas.set_pixmap(thumb, "" if thumb is not None else self.tr("Loading…"))
            self._load(hit.path)

    def prefetch(self, hits: list[SearchHit]) -> None:
        for hit in hits:
            if hit.path not in self._cache:
                self._load(hit.path)

    def _load(self, path: str) -> None:
        if path in self._inflight:
            return
        self._inflight.add(path)
        self.background.submit(
            load_preview,
            path,
            on_done=lambda result, p=path: self._loaded(p, result),
            on_error=lambda exc, p=path: self._failed(p, exc),
            owner=self,
        )

    def _loaded(self, path: str, result) -> None:
        self._inflight.discard(path)
        image, size = result
        pixmap = QPixmap.fromImage(image)  # GUI thread only
        self._cache[path] = (pixmap, size)
        while len(self._cache) > 5:
            self._cache.popitem(last=False)
        if self.hit is not None and self.hit.path == path:
            self.canvas.set_pixmap(pixmap)
            self._set_details(self.hit, size)

    def _failed(self, path: str, exc: BaseException) -> None:
        self._inflight.discard(path)
        if self.hit is not None and self.hit.path == path:
            if not os.path.exists(path):
                text = self.tr(
                    "This photo is not available right now (moved, deleted, or on a drive that is not connected)."
                )
            else:
                text = self.tr("This photo could not be opened: {error}").format(error=exc)
            self.canvas.set_pixmap(None, text)

    def _set_details(self, hit: SearchHit, size: int | None) -> None:
        parts = [format_taken_long(hit.taken_at)]
        if hit.width and hit.height:
            parts.append(f"{hit.width} × {hit.height}")
        if size is not None:
            parts.append(human_size(size))
        if hit.format:
            parts.append(hit.format)
        self.details_label.setText("   ·   ".join(parts))

    def set_back_to(self, text: str, tip: str) -> None:
        """Where Esc goes: "Back to results", "Back to library"."""
        self.back_button.setText(text)
        self.back_button.setToolTip(tip)
        self.back_button.setAccessibleName(text)

    def has_loaded(self, path: str) -> bool:
        """The full picture of this photo is decoded (shown, or ready to show)."""
        return path in self._cache

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- keys -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape or key == Qt.Key.Key_Backspace:
            self.closed.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.stepRequested.emit(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Space):
            self.stepRequested.emit(1)
        elif key == Qt.Key.Key_Home:
            self.stepRequested.emit(-1_000_000)
        elif key == Qt.Key.Key_End:
            self.stepRequested.emit(1_000_000)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
