"""Paints one result: the photo fitted into a 4:3 box, a one-line file name under it.

Paint runs for every visible cell on every scroll step, so it stays cheap: the loader
delivers pixmaps already at the exact device size (a blit, no scaling), placeholders are
plain fills, and antialiased shapes are only drawn for the few selected or hovered cells.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .results_model import HitRole
from .thumbnail_loader import ThumbnailLoader

MARGIN = 6
RADIUS = 8.0
ASPECT = 0.75  # the photo box is 4:3, the shape of most photos: little empty space in the grid

_SELECTED = QStyle.StateFlag.State_Selected
_HOVER = QStyle.StateFlag.State_MouseOver
_FOCUS = QStyle.StateFlag.State_HasFocus
_CAPTION_ALIGN = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
_CENTER = Qt.AlignmentFlag.AlignCenter
_ELIDE = Qt.TextElideMode.ElideMiddle
_NO_PEN = Qt.PenStyle.NoPen
_NO_BRUSH = Qt.BrushStyle.NoBrush
_ANTIALIAS = QPainter.RenderHint.Antialiasing


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, loader: ThumbnailLoader, size: int, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.size = size
        self.captions = True
        self.cell_width = 0  # the grid stretches cells to fill its width; 0: just fit the thumbnail
        self._font_key: tuple | None = None
        self._caption_font = QFont()
        self._caption_metrics = QFontMetrics(self._caption_font)
        self._colors_key: int | None = None
        self._names: dict[tuple[str, int], str] = {}

    def set_size(self, size: int) -> None:
        self.size = size
        self._names.clear()

    @property
    def box_height(self) -> int:
        return round(self.size * ASPECT)

    def device_box(self, dpr: float) -> tuple[int, int]:
        """The photo box in device pixels: what the loader scales thumbnails to fit."""
        return round(self.size * dpr), round(self.box_height * dpr)

    def min_cell_width(self) -> int:
        return self.size + 2 * MARGIN

    def caption_height(self, font: QFont) -> int:
        return self._metrics(font).height() + 4 if self.captions else 0

    def cell_size(self, font: QFont) -> QSize:
        return QSize(
            max(self.cell_width, self.min_cell_width()), self.box_height + 2 * MARGIN + self.caption_height(font)
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.cell_size(option.font)

    def _metrics(self, font: QFont) -> QFontMetrics:
        key = (font.family(), font.pointSizeF(), font.pixelSize())
        if key != self._font_key:
            self._font_key = key
            small = QFont(font)
            if small.pointSizeF() > 0:
                small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
            self._caption_font = small
            self._caption_metrics = QFontMetrics(small)
            self._names.clear()
        return self._caption_metrics

    def _colors(self, palette: QPalette) -> None:
        key = palette.cacheKey()
        if key == self._colors_key:
            return
        self._colors_key = key
        highlight = palette.color(QPalette.ColorRole.Highlight)
        self._select_fill = QColor(highlight)
        self._select_fill.setAlphaF(0.30)
        self._hover_fill = QColor(highlight)
        self._hover_fill.setAlphaF(0.12)
        self._select_pen = QColor(highlight)
        self._focus_pen = QColor(highlight)
        self._focus_pen.setAlphaF(0.6)
        # Opaque (pre-blended onto the view's background): a solid fill is much cheaper than a blend.
        base, ink = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.WindowText)
        self._placeholder = QColor(
            *(
                round(b + (i - b) * 0.07)
                for b, i in ((base.red(), ink.red()), (base.green(), ink.green()), (base.blue(), ink.blue()))
            )
        )
        self._mark = QColor(palette.color(QPalette.ColorRole.WindowText))
        self._mark.setAlphaF(0.45)
        self._text = QColor(palette.color(QPalette.ColorRole.Text))
        self._text_muted = QColor(self._text)
        self._text_muted.setAlphaF(0.8)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        hit = index.data(HitRole)
        self._colors(option.palette)
        if hit is None:  # a photo still on its way (sparse library model): the box only
            rect = option.rect
            box = QRect(
                rect.x() + (rect.width() - self.size) // 2 + 4,
                rect.y() + MARGIN + 4,
                self.size - 8,
                self.box_height - 8,
            )
            painter.fillRect(box, self._placeholder)
            return
        rect = option.rect
        state = option.state
        selected = bool(state & _SELECTED)
        painter.save()
        if selected or state & (_HOVER | _FOCUS):
            cell = QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5)
            painter.setRenderHint(_ANTIALIAS)
            if selected or state & _HOVER:
                painter.setPen(_NO_PEN)
                painter.setBrush(self._select_fill if selected else self._hover_fill)
                painter.drawRoundedRect(cell, RADIUS, RADIUS)
            if selected or state & _FOCUS:
                painter.setPen(self._select_pen if selected else self._focus_pen)
                painter.setBrush(_NO_BRUSH)
                painter.drawRoundedRect(cell, RADIUS, RADIUS)
            painter.setRenderHint(_ANTIALIAS, False)

        size, bh = self.size, self.box_height
        box_x = rect.x() + (rect.width() - size) // 2
        box_y = rect.y() + MARGIN
        widget = option.widget
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        dw, dh = self.device_box(dpr)
        key = hit.content_key or hit.path
        pixmap = self.loader.pixmap(key, hit.path, dw, dh)
        if pixmap is not None:
            pw, ph = pixmap.width(), pixmap.height()
            if pw == dw or ph == dh:  # the usual case: drawn 1:1
                w, h = pw / dpr, ph / dpr
            else:  # another size while the right one loads (zoom): scale to fit
                scale = min(size / pw, bh / ph)
                w, h = pw * scale, ph * scale
            # Bottom-aligned, so every file name sits right under its photo.
            image_rect = QRectF(box_x + (size - w) / 2, box_y + bh - h, w, h)
            if pw == round(w * dpr) and ph == round(h * dpr):
                painter.drawPixmap(image_rect.topLeft(), pixmap)  # a blit
            else:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawPixmap(image_rect, pixmap, QRectF(pixmap.rect()))
        else:
            image_rect = QRectF(box_x + 4, box_y + 4, size - 8, bh - 8)
            painter.fillRect(image_rect, self._placeholder)
            if self.loader.failed(key):
                painter.setPen(self._mark)
                painter.drawText(image_rect, _CENTER, self.tr("No preview"))

        if hit.offline:
            self._badge(painter, image_rect, self.tr("offline"))

        if self.captions:
            metrics = self._metrics(option.font)
            painter.setFont(self._caption_font)
            name_key = (hit.path, size)
            name = self._names.get(name_key)
            if name is None:
                if len(self._names) > 4096:
                    self._names.clear()
                name = metrics.elidedText(os.path.basename(hit.path), _ELIDE, size)
                self._names[name_key] = name
            painter.setPen(self._text if selected else self._text_muted)
            painter.drawText(QRect(box_x, box_y + bh + 3, size, metrics.height()), _CAPTION_ALIGN, name)
        painter.restore()

    def _badge(self, painter: QPainter, image_rect: QRectF, text: str) -> None:
        metrics = self._caption_metrics
        w, h = metrics.horizontalAdvance(text) + 10, metrics.height() + 2
        rect = QRectF(image_rect.left() + 4, image_rect.bottom() - h - 4, w, h)
        painter.setRenderHint(_ANTIALIAS)
        painter.setFont(self._caption_font)
        painter.setPen(_NO_PEN)
        painter.setBrush(QColor(0, 0, 0, 160))
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(rect, _CENTER, text)
        painter.setRenderHint(_ANTIALIAS, False)
