"""Paints one result: the photo fitted into a square, a one-line file name under it."""
from __future__ import annotations

import os

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .results_model import HitRole
from .thumbnail_loader import ThumbnailLoader

MARGIN = 6
RADIUS = 6.0
ASPECT = 0.75  # the photo box is 4:3, the shape of most photos: little empty space in the grid


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, loader: ThumbnailLoader, size: int, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.size = size
        self.captions = True
        self.cell_width = 0  # the grid stretches cells to fill its width; 0: just fit the thumbnail

    def set_size(self, size: int) -> None:
        self.size = size

    def caption_height(self, font: QFont) -> int:
        return QFontMetrics(self._caption_font(font)).height() + 4 if self.captions else 0

    def cell_size(self, font: QFont) -> QSize:
        return QSize(max(self.cell_width, self.min_cell_width()),
                     self.box_height + 2 * MARGIN + self.caption_height(font))

    @property
    def box_height(self) -> int:
        return int(round(self.size * ASPECT))

    def min_cell_width(self) -> int:
        return self.size + 2 * MARGIN

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return self.cell_size(option.font)

    @staticmethod
    def _caption_font(font: QFont) -> QFont:
        small = QFont(font)
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        return small

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        hit = index.data(HitRole)
        if hit is None:
            return
        palette: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        cell = QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)

        highlight = palette.color(QPalette.ColorRole.Highlight)
        if selected or hovered:
            fill = QColor(highlight)
            fill.setAlphaF(0.30 if selected else 0.12)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(cell, RADIUS + 2, RADIUS + 2)
        if selected or focused:
            pen_color = QColor(highlight)
            if not selected:
                pen_color.setAlphaF(0.6)
            painter.setPen(pen_color)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cell, RADIUS + 2, RADIUS + 2)

        bh = self.box_height
        box = QRect(option.rect.x() + (option.rect.width() - self.size) // 2, option.rect.y() + MARGIN,
                    self.size, bh)
        widget = option.widget
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        px = int(round(self.size * dpr))
        key = hit.content_key or hit.path
        pixmap = self.loader.pixmap(key, hit.path, px)
        if pixmap is not None and not pixmap.isNull():
            w, h = pixmap.width() / dpr, pixmap.height() / dpr
            scale = min(self.size / w, bh / h)
            tw, th = w * scale, h * scale
            # Bottom-aligned, so every file name sits right under its photo.
            target = QRectF(box.x() + (self.size - tw) / 2, box.y() + bh - th, tw, th)
            path = QPainterPath()
            path.addRoundedRect(target, RADIUS - 2, RADIUS - 2)
            painter.setClipPath(path)
            painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
            painter.setClipping(False)
            image_rect = target
        else:
            image_rect = QRectF(box).adjusted(4, 4, -4, -4)
            placeholder = QColor(palette.color(QPalette.ColorRole.WindowText))
            placeholder.setAlphaF(0.07)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(placeholder)
            painter.drawRoundedRect(image_rect, RADIUS, RADIUS)
            if self.loader.failed(key):
                mark = QColor(palette.color(QPalette.ColorRole.WindowText))
                mark.setAlphaF(0.45)
                painter.setPen(mark)
                painter.drawText(image_rect, Qt.AlignmentFlag.AlignCenter,
                                 self.tr("No preview"))

        if hit.offline:
            self._badge(painter, image_rect, self.tr("offline"), palette)

        if self.captions:
            font = self._caption_font(option.font)
            painter.setFont(font)
            metrics = QFontMetrics(font)
            text_rect = QRect(box.x(), box.bottom() + 3, self.size, metrics.height())
            name = metrics.elidedText(os.path.basename(hit.path), Qt.TextElideMode.ElideMiddle, text_rect.width())
            color = palette.color(QPalette.ColorRole.Text)
            if not selected:
                color.setAlphaF(0.8)
            painter.setPen(color)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, name)
        painter.restore()

    @staticmethod
    def _badge(painter: QPainter, image_rect: QRectF, text: str, palette: QPalette) -> None:
        font = QFont(painter.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        w, h = metrics.horizontalAdvance(text) + 10, metrics.height() + 2
        rect = QRectF(image_rect.left() + 4, image_rect.bottom() - h - 4, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 160))
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
