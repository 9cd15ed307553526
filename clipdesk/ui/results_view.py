"""The thumbnail grid: a QListView in icon mode over ResultsModel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QKeyEvent, QPainter, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

from .results_model import HitRole, ResultsModel
from .thumbnail_delegate import ThumbnailDelegate
from .thumbnail_loader import ThumbnailLoader


class ThumbnailGrid(QListView):
    openRequested = Signal(int)  # row: Enter or double-click
    zoomRequested = Signal(int)  # +1 / -1 steps (Ctrl+wheel)

    def __init__(self, model: ResultsModel, loader: ThumbnailLoader, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self._regrid = QTimer(self, singleShot=True, interval=0)
        self._regrid.timeout.connect(self._apply_grid)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)  # icon mode would let users rearrange results
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)  # O(1) item geometry: 100,000 rows lay out fast
        self.setLayoutMode(QListView.LayoutMode.Batched)  # big pages lay out while events keep flowing
        self.setBatchSize(4000)
        self.setWrapping(True)
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)  # hover highlight
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.delegate = ThumbnailDelegate(loader, size, self)
        self.setItemDelegate(self.delegate)
        self.setModel(model)
        self._apply_grid()
        self.doubleClicked.connect(lambda index: self.openRequested.emit(index.row()))
        loader.thumbnailReady.connect(self._thumbnail_arrived)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self._repaint = QTimer(self, singleShot=True, interval=0)
        self._repaint.timeout.connect(self.viewport().update)
        self._prefetch = QTimer(self, singleShot=True, interval=120)
        self._prefetch.timeout.connect(self._prefetch_ahead)
        model.modelReset.connect(self._prefetch.start)
        model.rowsInserted.connect(self._prefetch.start)

    # -- size ------------------------------------------------------------------------------------

    def set_thumb_size(self, size: int) -> None:
        anchor = self.currentIndex() if self.currentIndex().isValid() else self.indexAt(QPoint(8, 8))
        self.delegate.set_size(size)
        self._apply_grid()
        if anchor.isValid():
            self.scrollTo(anchor, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _apply_grid(self) -> None:
        # Stretch cells so the columns fill the width instead of leaving a gap on the right.
        minimum = self.delegate.min_cell_width()
        width = self._layout_width()
        columns = max(1, width // minimum)
        self.delegate.cell_width = max(minimum, width // columns)
        cell = self.delegate.cell_size(self.font())
        if cell == self.gridSize():
            return
        self.setGridSize(cell)
        self.verticalScrollBar().setSingleStep(max(12, cell.height() // 4))
        self.loader.drop_queued()
        self.viewport().update()

    def _layout_width(self) -> int:
        """The width QListView wraps at: with an as-needed scroll bar it always keeps room for one."""
        width = self.maximumViewportSize().width()
        bar = self.verticalScrollBar()
        style = self.style()
        if self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded and not style.pixelMetric(
            QStyle.PixelMetric.PM_ScrollView_ScrollBarOverlap, None, bar
        ):
            width -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, bar)
        return max(1, width - 1)

    def viewportEvent(self, event: QEvent) -> bool:
        # The viewport, not the view, is what changes when the scroll bar comes and goes.
        if event.type() == QEvent.Type.Resize:
            self._regrid.start()
        return super().viewportEvent(event)

    # -- visible rows first -------------------------------------------------------------------------

    def visible_rows(self) -> tuple[int, int]:
        """(first, last) rows on screen, or (-1, -1)."""
        model = self.model()
        if model is None or not model.rowCount():
            return -1, -1
        cell = self.gridSize()
        first = self.indexAt(QPoint(cell.width() // 2, 2))
        if not first.isValid():
            first = self.indexAt(QPoint(cell.width() // 2, cell.height() // 2))
        rect = self.viewport().rect()
        columns = max(1, rect.width() // max(1, cell.width()))
        rows_on_screen = rect.height() // max(1, cell.height()) + 2
        start = first.row() if first.isValid() else 0
        return start, min(model.rowCount() - 1, start + columns * rows_on_screen)

    def _scrolled(self) -> None:
        # Whatever was queued belongs to rows that just left the screen; painting re-asks.
        self.loader.drop_queued()
        self._prefetch.start()

    def _prefetch_ahead(self) -> None:
        """Once the screen is served, warm the next screenful (and the previous one)."""
        first, last = self.visible_rows()
        if first < 0:
            return
        width, height = self.delegate.device_box(self.devicePixelRatioF())
        span = last - first + 1
        model = self.model()
        rows = list(range(last + 1, min(model.rowCount(), last + 1 + span)))
        rows += list(range(max(0, first - span // 2), first))
        for row in rows:
            hit = model.index(row, 0).data(HitRole)
            if hit is not None:
                self.loader.request(hit.content_key or hit.path, hit.path, width, height, prefetch=True)

    def _thumbnail_arrived(self, _key: str) -> None:
        if not self._repaint.isActive():
            self._repaint.start()

    # -- input -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.openRequested.emit(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoomRequested.emit(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def select_row(self, row: int) -> None:
        index = self.model().index(row, 0)
        if index.isValid():
            self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.scrollTo(index)

    def selected_rows(self) -> list[int]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return rows

    # -- drag out ----------------------------------------------------------------------------------

    def startDrag(self, supported: Qt.DropAction) -> None:
        """Drag the selected files; the cursor carries one thumbnail (and a count), not a huge render."""
        indexes = [i for i in self.selectionModel().selectedIndexes() if i.isValid()]
        if not indexes:
            return
        mime = self.model().mimeData(indexes)
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self._drag_pixmap(indexes))
        drag.exec(supported, Qt.DropAction.CopyAction)

    def _drag_pixmap(self, indexes: list[QModelIndex]) -> QPixmap:
        dpr = self.devicePixelRatioF()
        edge = 96
        current = self.currentIndex() if self.currentIndex() in indexes else indexes[0]
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
            painter.fillRect(QRect(0, 0, edge, edge), self.palette().color(QPalette.ColorRole.Mid))
        if len(indexes) > 1:
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            badge = QRect(edge - 30, 2, 28, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(badge, 10, 10)
            painter.setPen(QColor(self.palette().color(QPalette.ColorRole.HighlightedText)))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(len(indexes)))
        painter.end()
        return canvas

    def sizeHint(self) -> QSize:
        return QSize(900, 600)
