"""The hint shown while an image is dragged over the window."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget


class DropOverlay(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.hide()

    def show_over(self, widget: QWidget) -> None:
        top_left = widget.mapTo(self.parentWidget(), widget.rect().topLeft())
        self.setGeometry(top_left.x(), top_left.y(), widget.width(), widget.height())
        self.raise_()
        self.show()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QColor(self.palette().color(QPalette.ColorRole.Base))
        base.setAlphaF(0.85)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        rect = QRectF(self.rect()).adjusted(14, 8, -14, -14)
        painter.setBrush(base)
        pen = QPen(highlight, 2.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(rect, 14, 14)
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.tr("Drop to find photos like this one"))
        painter.end()
