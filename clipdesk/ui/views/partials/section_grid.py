"""The Library grid: thumbnails under month headers, laid out by arithmetic.

QListView lays out every item (O(n), again after each page, resize or zoom). Here a month of
photos is a header band plus ceil(count / columns) lines of equal cells, so the layout is one
pass over the months (a few hundred at most), a row's place is a bisect and a division, and
painting touches only the cells on screen. The current month's header stays pinned on top.
"""

from __future__ import annotations

import bisect
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QRegion
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QWidget

from ...thumbnail_delegate import ThumbnailDelegate
from ...thumbnail_loader import ThumbnailLoader
from .grid_behaviour import GridBehaviour
from .library_model import LibraryModel

_Move = QAbstractItemView.CursorAction


class SectionGrid(GridBehaviour, QAbstractItemView):
    openRequested = Signal(int)
    zoomRequested = Signal(int)

    def __init__(self, model: LibraryModel, loader: ThumbnailLoader, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Every attribute first: the setters below call back into the overrides.
        self.loader = loader
        self.library = model
        self.columns = 1
        self.cell = QSize(1, 1)
        self.header_height = 1
        self.tops: list[int] = []  # content y of each month's header
        self.content_height = 0
        self._hover = -1
        self._band_from: QPoint | None = None  # content point where a selection band started
        self._band: QRect | None = None
        self._title_font = QFont(self.font())
        self.delegate = ThumbnailDelegate(loader, size, self)
        self.setItemDelegate(self.delegate)
        self.setModel(model)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # no relayout when it comes and goes
        self.setMouseTracking(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFrameShape(QAbstractItemView.Shape.NoFrame)
        self.setAutoScroll(True)
        self._relayout()
        self.doubleClicked.connect(lambda index: self.openRequested.emit(index.row()))
        model.sectionsChanged.connect(self._relayout)
        loader.thumbnailReady.connect(self._thumbnail_arrived)
        self._repaint = QTimer(self, singleShot=True, interval=0)
        self._repaint.timeout.connect(self.viewport().update)
        self._prefetch = QTimer(self, singleShot=True, interval=120)
        self._prefetch.timeout.connect(self.prefetch_ahead)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

    # -- layout ------------------------------------------------------------------------------------------

    def set_thumb_size(self, size: int) -> None:
        anchor = (
            self.currentIndex() if self.currentIndex().isValid() else self.indexAt(QPoint(8, self.header_height + 8))
        )
        self.delegate.set_size(size)
        self._relayout()
        if anchor.isValid():
            self.scrollTo(anchor, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _relayout(self) -> None:
        width = max(1, self.viewport().width())
        minimum = self.delegate.min_cell_width()
        self.columns = max(1, width // minimum)
        self.delegate.cell_width = max(minimum, width // self.columns)
        self.cell = self.delegate.cell_size(self.font())
        self._title_font = QFont(self.font())
        self._title_font.setBold(True)
        if self._title_font.pointSizeF() > 0:
            self._title_font.setPointSizeF(self._title_font.pointSizeF() * 1.15)
        self.header_height = QFontMetrics(self._title_font).height() + 18
        tops, y = [], 0
        for section in self.library.sections:
            tops.append(y)
            y += self.header_height + -(-section.count // self.columns) * self.cell.height()
        self.tops, self.content_height = tops, y
        self.updateGeometries()
        self.loader.drop_queued()
        self.viewport().update()

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        bar.setRange(0, max(0, self.content_height - self.viewport().height()))
        bar.setPageStep(self.viewport().height())
        bar.setSingleStep(max(12, self.cell.height() // 4))
        super().updateGeometries()

    def resizeEvent(self, event: Any) -> None:
        first = self.indexAt(QPoint(self.cell.width() // 2, self.header_height + self.cell.height() // 2))
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._relayout()
            if first.isValid() and self.verticalScrollBar().value():
                self.scrollTo(first, QAbstractItemView.ScrollHint.PositionAtTop)
        else:
            self.updateGeometries()

    def content_rect(self, row: int) -> QRect:
        """The cell of a row in content coordinates (y from the top of the whole library)."""
        s = self.library.section_of(row)
        if s >= len(self.tops):
            return QRect()
        line, column = divmod(row - self.library.sections[s].first, self.columns)
        w, h = self.cell.width(), self.cell.height()
        return QRect(column * w, self.tops[s] + self.header_height + line * h, w, h)

    def section_top(self, section: int) -> int:
        return self.tops[section] if 0 <= section < len(self.tops) else 0

    def scroll_to_section(self, section: int) -> None:
        self.verticalScrollBar().setValue(self.section_top(section))

    def row_near(self, x: int, y: int) -> int:
        """The row at content point (x, y), or the nearest one in that month; -1 if none."""
        if not self.tops:
            return -1
        s = max(0, bisect.bisect_right(self.tops, y) - 1)
        section = self.library.sections[s]
        line = max(0, (y - self.tops[s] - self.header_height) // self.cell.height())
        column = min(self.columns - 1, max(0, x // self.cell.width()))
        return min(section.first + section.count - 1, section.first + line * self.columns + column)

    # -- QAbstractItemView's geometry API ---------------------------------------------------------------

    def visualRect(self, index: Any) -> QRect:
        if not index.isValid():
            return QRect()
        return self.content_rect(index.row()).translated(0, -self.verticalOffset())

    def indexAt(self, point: QPoint) -> QModelIndex:
        x, y = point.x(), point.y() + self.verticalOffset()
        s = bisect.bisect_right(self.tops, y) - 1
        if s < 0 or x < 0 or x >= self.columns * self.cell.width():
            return QModelIndex()
        section = self.library.sections[s]
        local = y - self.tops[s] - self.header_height
        if local < 0:
            return QModelIndex()
        i = (local // self.cell.height()) * self.columns + x // self.cell.width()
        return self.library.index(section.first + i, 0) if i < section.count else QModelIndex()

    def scrollTo(
        self, index: Any, hint: QAbstractItemView.Scrollkind = QAbstractItemView.ScrollHint.EnsureVisible
    ) -> None:
        if not index.isValid():
            return
        rect = self.content_rect(index.row())
        bar, height = self.verticalScrollBar(), self.viewport().height()
        top = rect.top() - self.header_height  # room for the pinned month header
        kind = QAbstractItemView.ScrollHint
        if hint == kind.PositionAtTop:
            bar.setValue(top)
        elif hint == kind.PositionAtBottom:
            bar.setValue(rect.bottom() - height)
        elif hint == kind.PositionAtCenter:
            bar.setValue(rect.center().y() - height // 2)
        elif top < bar.value():
            bar.setValue(top)
        elif rect.bottom() > bar.value() + height:
            bar.setValue(rect.bottom() - height + 1)

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: Any) -> bool:
        return False

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Any) -> QModelIndex:
        total = self.library.rowCount()
        if not total:
            return QModelIndex()
        row = self.currentIndex().row() if self.currentIndex().isValid() else -1
        if row < 0:
            return self.library.index(0, 0)
        rect = self.content_rect(row)
        x, page = rect.center().x(), self.viewport().height()
        if action in (_Move.MoveLeft, _Move.MovePrevious):
            row -= 1
        elif action in (_Move.MoveRight, _Move.MoveNext):
            row += 1
        elif action == _Move.MoveUp:
            row = self._line_step(row, -1)
        elif action == _Move.MoveDown:
            row = self._line_step(row, 1)
        elif action == _Move.MovePageUp:
            row = self.row_near(x, rect.center().y() - page)
        elif action == _Move.MovePageDown:
            row = self.row_near(x, rect.center().y() + page)
        elif action == _Move.MoveHome:
            row = 0
        elif action == _Move.MoveEnd:
            row = total - 1
        return self.library.index(max(0, min(total - 1, row)), 0)

    def _line_step(self, row: int, step: int) -> int:
        """The same column one line up or down, across month boundaries."""
        sections = self.library.sections
        s = self.library.section_of(row)
        first, count = sections[s].first, sections[s].count
        line, column = divmod(row - first, self.columns)
        lines = -(-count // self.columns)
        if 0 <= line + step < lines:
            return min(first + count - 1, row + step * self.columns)
        s += step
        if not 0 <= s < len(sections):
            return row
        first, count = sections[s].first, sections[s].count
        line = 0 if step > 0 else -(-count // self.columns) - 1
        return min(first + count - 1, first + line * self.columns + column)

    def setSelection(self, rect: QRect, flags: QItemSelectionModel.SelectionFlag) -> None:
        content = rect.normalized().translated(0, self.verticalOffset())
        selection = QItemSelection()
        w = self.cell.width()
        c0, c1 = max(0, content.left() // w), min(self.columns - 1, content.right() // w)
        for s in range(max(0, bisect.bisect_right(self.tops, content.top()) - 1), len(self.tops)):
            top = self.tops[s] + self.header_height
            if self.tops[s] > content.bottom():
                break
            section = self.library.sections[s]
            lines = -(-section.count // self.columns)
            l0 = max(0, (content.top() - top) // self.cell.height())
            l1 = min(lines - 1, (content.bottom() - top) // self.cell.height())
            for line in range(l0, l1 + 1):
                a = section.first + line * self.columns + c0
                b = min(section.first + section.count - 1, section.first + line * self.columns + c1)
                if a <= b:
                    selection.select(self.library.index(a, 0), self.library.index(b, 0))
        self.selectionModel().select(selection, flags)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        return QRegion(self.viewport().rect())  # a repaint of the screen is cheap: cells are blits

    def visible_rows(self) -> tuple[int, int]:
        if not self.library.rowCount():
            return -1, -1
        top = self.verticalOffset()
        first = self.row_near(0, top + self.header_height)
        last = self.row_near(self.viewport().width(), top + self.viewport().height())
        return first, max(first, last)

    # -- painting -------------------------------------------------------------------------------------------

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self.viewport())
        offset = self.verticalOffset()
        area = event.rect()
        top, bottom = area.top() + offset, area.bottom() + offset
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        base_state = option.state & ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        selection = self.selectionModel()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        focused = self.hasFocus()
        w, h = self.cell.width(), self.cell.height()
        first_section = max(0, bisect.bisect_right(self.tops, top) - 1)
        for s in range(first_section, len(self.tops)):
            section_top = self.tops[s]
            if section_top > bottom:
                break
            section = self.library.sections[s]
            if section_top + self.header_height >= top:
                self._paint_header(painter, section_top - offset, section)
            lines_top = section_top + self.header_height
            lines = -(-section.count // self.columns)
            l0 = max(0, (top - lines_top) // h)
            l1 = min(lines - 1, (bottom - lines_top) // h)
            for line in range(l0, l1 + 1):
                y = lines_top + line * h - offset
                for column in range(self.columns):
                    i = line * self.columns + column
                    if i >= section.count:
                        break
                    row = section.first + i
                    index = self.library.index(row, 0)
                    option.rect = QRect(column * w, y, w, h)
                    state = base_state
                    if selection.isSelected(index):
                        state |= QStyle.StateFlag.State_Selected
                    if row == current and focused:
                        state |= QStyle.StateFlag.State_HasFocus
                    if row == self._hover:
                        state |= QStyle.StateFlag.State_MouseOver
                    else:
                        state &= ~QStyle.StateFlag.State_MouseOver
                    option.state = state
                    self.delegate.paint(painter, option, index)
        if self._band is not None:
            band = self._band.translated(0, -offset)
            color = QColor(self.palette().color(QPalette.ColorRole.Highlight))
            painter.setPen(color)
            color.setAlphaF(0.18)
            painter.setBrush(color)
            painter.drawRect(band.adjusted(0, 0, -1, -1))
        pinned = bisect.bisect_right(self.tops, offset) - 1
        if pinned >= 0 and self.tops[pinned] < offset:
            painter.fillRect(
                QRect(0, 0, self.viewport().width(), self.header_height), self.palette().color(QPalette.ColorRole.Base)
            )
            self._paint_header(painter, 0, self.library.sections[pinned])
        painter.end()

    def _paint_header(self, painter: QPainter, y: int, section: Any) -> None:
        palette = self.palette()
        rect = QRect(
            self.delegate.min_cell_width() // 2 - self.delegate.size // 2 + 4,
            y + 8,
            self.viewport().width() - 24,
            self.header_height - 10,
        )
        rect.setLeft(max(10, rect.left()))
        painter.setFont(self._title_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect, align, section.title)
        title_width = QFontMetrics(self._title_font).horizontalAdvance(section.title)
        muted = QColor(palette.color(QPalette.ColorRole.Text))
        muted.setAlphaF(0.55)
        painter.setFont(self.font())
        painter.setPen(muted)
        n = section.count  # a plain name: pyside6-lupdate skips plural calls whose count is an expression
        count = self.tr("%Ln photo(s)", "", n)
        painter.drawText(rect.adjusted(title_width + 10, 0, 0, 0), align, count)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()  # not a blit: the pinned header would smear

    # -- hover, thumbnails --------------------------------------------------------------------------------

    def mousePressEvent(self, event: Any) -> None:
        point = event.position().toPoint()
        on_photo = self.indexAt(point).isValid()
        # A press on empty space starts a selection band (on a photo it starts a drag out).
        self._band_from = None if on_photo else QPoint(point.x(), point.y() + self.verticalOffset())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: Any) -> None:
        point = event.position().toPoint()
        index = self.indexAt(point)
        row = index.row() if index.isValid() else -1
        if row != self._hover:
            self._hover = row
            self.viewport().update()
        if self._band_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._band = QRect(self._band_from, QPoint(point.x(), point.y() + self.verticalOffset())).normalized()
            self.viewport().update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        self._band_from, self._band = None, None
        self.viewport().update()
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: Any) -> None:
        if self._hover >= 0:
            self._hover = -1
            self.viewport().update()
        super().leaveEvent(event)

    def _scrolled(self) -> None:
        self.loader.drop_queued()
        self._prefetch.start()

    def _thumbnail_arrived(self, _key: str) -> None:
        if not self._repaint.isActive():
            self._repaint.start()

    def sizeHint(self) -> QSize:
        return QSize(900, 600)
