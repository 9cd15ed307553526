"""Jump through time: the library's years and months, newest first, with how many photos each holds.

Fed by the model's sections (from `Engine.timeline`); choosing a month emits its section number,
and `follow(section)` keeps the list on the month the grid is showing.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from .library_model import Section

SectionRole = Qt.ItemDataRole.UserRole + 1


class TimelineList(QTreeWidget):
    sectionChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(True)
        self.setIndentation(12)
        self.setUniformRowHeights(True)
        self.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName(self.tr("Jump to a month"))
        self.setToolTip(self.tr("Jump to a month"))
        self.setFixedWidth(184)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)  # a side panel, not part of the grid
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._items: list[QTreeWidgetItem] = []
        self._following = False
        self.currentItemChanged.connect(self._chosen)

    def set_sections(self, sections: list[Section]) -> None:
        self._following = True
        self.clear()
        self._items = []
        locale = QLocale()
        years: dict[int, QTreeWidgetItem] = {}
        counts: dict[int, int] = {}
        for number, section in enumerate(sections):
            year = section.year if section.month else 0
            parent = years.get(year)
            if parent is None:
                parent = QTreeWidgetItem(self, [str(year) if year else self.tr("Unknown"), ""])
                parent.setData(0, SectionRole, number)
                years[year] = parent
                counts[year] = 0
            counts[year] += section.count
            if section.month:
                name = locale.standaloneMonthName(section.month, QLocale.FormatType.LongFormat)
                item = QTreeWidgetItem(parent, [name, locale.toString(section.count)])
            else:
                item = parent
            item.setData(0, SectionRole, number)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._items.append(item)
        for year, item in years.items():
            item.setText(1, locale.toString(counts[year]))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
        if years:
            first = self.topLevelItem(0)
            if first is not None:
                first.setExpanded(True)
        self._following = False
        self.follow(0)

    def follow(self, section: int) -> None:
        """Show where the grid is, without jumping the grid."""
        if not 0 <= section < len(self._items):
            return
        item = self._items[section]
        if item is self.currentItem():
            return
        self._following = True
        parent = item.parent()
        if parent is not None and not parent.isExpanded():
            parent.setExpanded(True)
        self.setCurrentItem(item)
        self.scrollToItem(item)
        self._following = False

    def _chosen(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None or self._following:
            return
        number = item.data(0, SectionRole)
        if isinstance(number, int):
            if item.childCount():
                item.setExpanded(True)
            self.sectionChosen.emit(number)

    def sizeHint(self) -> QSize:
        return QSize(184, 400)
