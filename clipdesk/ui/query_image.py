"""The picture a search is made with: dropped or chosen files, a pasted image, or library photos.

`QueryImage` holds it (an image id, a file path, a PIL image, or a tuple of those) with a display
name, tells listeners by `changed`, and delivers the chip's small picture by `pixmapReady`.
Nothing here adds anything to the library.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget

from .background import Background
from .search_bar import holds_image, image_files_in
from .thumbnail_loader import ThumbnailLoader, decode_scaled

if TYPE_CHECKING:
    from ..search import SearchHit
    from .settings import Settings

CHIP_EDGE = 64


class QueryImage(QObject):
    changed = Signal(bool)  # keep_text: False when the query's words should be cleared
    pixmapReady = Signal(object)  # QPixmap for the chip
    message = Signal(str, float)  # something to tell the user (text, seconds)

    def __init__(self, background: Background, loader: ThumbnailLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.background = background
        self.loader = loader
        self.value: Any = None  # image id | file path | PIL image | tuple of those
        self.name = ""
        self._chip_hit: SearchHit | None = None  # a library photo whose thumbnail the chip waits for
        loader.thumbnailReady.connect(self._thumbnail_arrived)

    @property
    def is_set(self) -> bool:
        return self.value is not None

    def set(self, image: Any, name: str, pixmap: QPixmap | None = None, keep_text: bool = True) -> None:
        self.value = image
        self.name = name
        if pixmap is not None:
            self.pixmapReady.emit(pixmap)
        self.changed.emit(keep_text)

    def clear(self) -> None:
        self.value = None
        self.name = ""
        self._chip_hit = None
        self.changed.emit(True)

    def use_files(self, paths: list[str]) -> None:
        """Dropped, pasted or chosen files become the query."""
        paths = [os.path.abspath(p) for p in paths]
        if not paths:
            return
        self._chip_hit = None
        image = paths[0] if len(paths) == 1 else tuple(paths)
        n = len(paths)  # a plain name: pyside6-lupdate skips plural calls whose count is an expression
        name = os.path.basename(paths[0]) if n == 1 else self.tr("%Ln photo(s)", "", n)
        self.set(image, name)
        self.background.submit(
            decode_scaled,
            paths[0],
            CHIP_EDGE,
            owner=self,
            on_done=lambda img, i=image: self.value is i and self.pixmapReady.emit(QPixmap.fromImage(img)),
            on_error=lambda _exc: None,
        )

    def use_qimage(self, qimage: QImage, name: str) -> None:
        """A picture from the clipboard or a browser drop, kept in memory only."""
        from PIL import Image

        rgb = qimage.convertToFormat(QImage.Format.Format_RGB888)
        width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
        data = bytes(rgb.constBits())[: stride * height]
        pil = Image.frombuffer("RGB", (width, height), data, "raw", "RGB", stride, 1).copy()
        thumb = QPixmap.fromImage(
            qimage.scaled(
                CHIP_EDGE, CHIP_EDGE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self._chip_hit = None
        self.set(pil, name, thumb)

    def use_mime(self, mime: QMimeData | None) -> bool:
        files = image_files_in(mime)
        if files:
            self.use_files(files)
            return True
        if mime is not None and mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.use_qimage(image, self.tr("Pasted image"))
                return True
        if mime is not None and mime.hasUrls() and any(not u.isLocalFile() for u in mime.urls()):
            self.message.emit(
                self.tr(
                    "clipdesk works offline and does not download pictures. Save the image first, "
                    "or copy the image itself and paste it here (Ctrl+V)."
                ),
                10.0,
            )
            return False
        self.message.emit(self.tr("That is not an image file clipdesk can search with."), 6.0)
        return False

    def choose_file(self, parent: QWidget, settings: Settings) -> None:
        """The file dialog of "Search by image…"; it starts where the last one was left."""
        from ..imaging.decode import IMAGE_EXTENSIONS

        start = settings.last_dir("query_image") or QGuiApplication.applicationDirPath()
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        path, _ = QFileDialog.getOpenFileName(
            parent, self.tr("Search by image"), start, self.tr("Images ({patterns})").format(patterns=patterns)
        )
        if path:
            settings.set_last_dir("query_image", os.path.dirname(path))
            self.use_files([path])

    def paste(self, field: QLineEdit) -> None:
        """Ctrl+V: a copied picture or image file becomes the query; text goes into the field."""
        mime = QGuiApplication.clipboard().mimeData()
        if holds_image(mime):
            self.use_mime(mime)
        elif field.hasFocus():
            field.paste()
        else:
            self.message.emit(
                self.tr("The clipboard holds no image. Copy a picture or an image file, then paste."), 6.0
            )

    def use_hits(self, hits: list[SearchHit], keep_text: bool = False) -> None:
        """Photos from the library (no model needed: their vectors are stored)."""
        if not hits:
            return
        image = hits[0].id if len(hits) == 1 else tuple(h.id for h in hits)
        n = len(hits)
        name = os.path.basename(hits[0].path) if n == 1 else self.tr("%Ln photo(s)", "", n)
        self._chip_hit = hits[0]
        self.set(image, name, self._hit_pixmap(hits[0]), keep_text=keep_text)

    def _hit_pixmap(self, hit: SearchHit) -> QPixmap | None:
        return self.loader.pixmap(hit.content_key or hit.path, hit.path, CHIP_EDGE)

    def _thumbnail_arrived(self, key: str) -> None:
        hit = self._chip_hit
        if hit is not None and self.value is not None and (hit.content_key or hit.path) == key:
            pixmap = self._hit_pixmap(hit)
            if pixmap is not None:
                self.pixmapReady.emit(pixmap)
