"""The search results grid: a QListView in icon mode over ResultsModel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

from ...results_model import ResultsModel
from ...thumbnail_delegate import ThumbnailDelegate
from ...thumbnail_loader import ThumbnailLoader
from .grid_behaviour import GridBehaviour


class ThumbnailGrid(GridBehaviour, QListView):
    openRequested = Signal(int)  # row: Enter or double-click
    zoomRequested = Signal(int)  # +1 / -1 steps (Ctrl+wheel)

    def __init__(self, model: ResultsModel, loader: ThumbnailLoader, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.best_count: int | None = None  # results before the divider (None: no divider)
        self.divider_text = ""  # the divider's label when not "Other results" (an album's edge)
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
        self._prefetch.timeout.connect(self.prefetch_ahead)
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

    def _thumbnail_arrived(self, _key: str) -> None:
        if not self._repaint.isActive():
            self._repaint.start()

    def sizeHint(self) -> QSize:
        return QSize(900, 600)

    # -- best matches and the others -----------------------------------------------------------------

    def set_best_count(self, count: int | None) -> None:
        """Mark where the best matches end: the first other result carries the divider."""
        if count != self.best_count:
            self.best_count = count
            self.viewport().update()

    def divider_row(self) -> int | None:
        """The first of the other results, when the results are split into best matches and others."""
        n, model = self.best_count, self.model()
        return n if n is not None and model is not None and 0 < n < model.rowCount() else None

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        row = self.divider_row()
        if row is None:
            return
        # A flowing grid has no row of its own for a header: an accent bar before the first other
        # result, and its label on it, tell where the best matches end.
        cell = self.visualRect(self.model().index(row, 0))
        if not cell.isValid() or not cell.intersects(event.rect()):
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        painter.fillRect(QRect(cell.left(), cell.top() + 4, 3, cell.height() - 8), accent)
        text = self.divider_text or self.tr("Other results")
        metrics = painter.fontMetrics()
        height = metrics.height() + 4
        pill = QRect(cell.left() + 8, cell.top() + 8, metrics.horizontalAdvance(text) + 14, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(self.palette().color(QPalette.ColorRole.HighlightedText))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
