"""What both thumbnail grids do the same way: Enter opens, Ctrl+wheel zooms, rows are selected
by number, the next screenful of thumbnails is warmed, and a drag carries files out.

A plain mixin (listed before the Qt view class); the view provides `loader`, `delegate`,
`openRequested`, `zoomRequested` and `visible_rows()`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QDrag, QFont, QKeyEvent, QPainter, QPalette, QPixmap, QWheelEvent

from ...results_model import HitRole

DRAG_EDGE = 96


class GridBehaviour:
    loader: Any
    delegate: Any
    openRequested: Any
    zoomRequested: Any

    # -- input ---------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        view: Any = self
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and view.currentIndex().isValid():
            view.openRequested.emit(view.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)  # type: ignore[misc]

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoomRequested.emit(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)  # type: ignore[misc]

    def select_row(self, row: int) -> None:
        view: Any = self
        index = view.model().index(row, 0)
        if index.isValid():
            view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            view.scrollTo(index)

    def selected_rows(self) -> list[int]:
        view: Any = self
        rows = sorted(i.row() for i in view.selectionModel().selectedIndexes())
        if not rows and view.currentIndex().isValid():
            rows = [view.currentIndex().row()]
        return rows

    # -- thumbnails ahead of need ----------------------------------------------------------------------

    def prefetch_ahead(self) -> None:
        """Once the screen is served, warm the next screenful (and the previous one)."""
        view: Any = self
        first, last = view.visible_rows()
        if first < 0:
            return
        width, height = self.delegate.device_box(view.devicePixelRatioF())
        span = last - first + 1
        model = view.model()
        rows = list(range(last + 1, min(model.rowCount(), last + 1 + span)))
        rows += list(range(max(0, first - span // 2), first))
        for row in rows:
            hit = model.index(row, 0).data(HitRole)
            if hit is not None:
                self.loader.request(hit.content_key or hit.path, hit.path, width, height, prefetch=True)

    # -- drag out ------------------------------------------------------------------------------------

    def startDrag(self, supported: Qt.DropAction) -> None:
        """Drag the selected files; the cursor carries one thumbnail (and a count), not a huge render."""
        view: Any = self
        indexes = [i for i in view.selectionModel().selectedIndexes() if i.isValid()]
        if not indexes:
            return
        drag = QDrag(view)
        drag.setMimeData(view.model().mimeData(indexes))
        drag.setPixmap(self.drag_pixmap(indexes))
        drag.exec(supported, Qt.DropAction.CopyAction)

    def drag_pixmap(self, indexes: list[QModelIndex]) -> QPixmap:
        view: Any = self
        dpr = view.devicePixelRatioF()
        edge = DRAG_EDGE
        current = view.currentIndex() if view.currentIndex() in indexes else indexes[0]
        hit = current.data(HitRole)
        source = None
        if hit is not None:
            source = self.loader.pixmap(hit.content_key or hit.path, hit.path, *self.delegate.device_box(dpr))
        canvas = QPixmap(int(edge * dpr), int(edge * dpr))
        canvas.setDevicePixelRatio(dpr)
        canvas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette = view.palette()
        if source is not None and not source.isNull():
            scaled = source.scaled(
                int(edge * dpr),
                int(edge * dpr),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            scaled.setDevicePixelRatio(dpr)
            w, h = scaled.width() / dpr, scaled.height() / dpr
            painter.drawPixmap(QPoint(int((edge - w) / 2), int((edge - h) / 2)), scaled)
        else:
            painter.fillRect(QRect(0, 0, edge, edge), palette.color(QPalette.ColorRole.Mid))
        if len(indexes) > 1:
            font = QFont(view.font())
            font.setBold(True)
            painter.setFont(font)
            badge = QRect(edge - 30, 2, 28, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(badge, 10, 10)
            painter.setPen(QColor(palette.color(QPalette.ColorRole.HighlightedText)))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(len(indexes)))
        painter.end()
        return canvas
