"""The row under the search field: what is shown (summary), and the folder, date and sort choices.

It emits `filtersChanged(Filters)` and `sortChanged(mode)`; it knows nothing about searching.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QLabel, QToolButton, QWidget

from .folders_dialog import pretty_path
from .icons import icon

CHOOSE = "__choose__"
SORTS = ("relevance", "newest", "oldest")


class FilterBar(QWidget):
    filtersChanged = Signal(object)  # Filters
    sortChanged = Signal(str)
    refreshRequested = Signal()
    dateChipRemoved = Signal()  # the query's date words should stop filtering

    def __init__(self, sort_mode: str = "relevance", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 0, 12, 6)
        row.setSpacing(6)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setMinimumWidth(80)
        self.refresh_button = QToolButton(self)
        self.refresh_button.setText(self.tr("New photos indexed: refresh"))
        self.refresh_button.setAutoRaise(True)
        self.refresh_button.hide()
        self.refresh_button.clicked.connect(self.refreshRequested)
        # The date words the search understood ("last summer"): a chip that removes the date filter.
        self.date_chip = QToolButton(self)
        self.date_chip.setAutoRaise(True)
        self.date_chip.setIcon(icon("calendar"))
        self.date_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.date_chip.hide()
        self.date_chip.clicked.connect(self.dateChipRemoved)
        # The label opened in Things: searches and the Library keep within it until it is removed.
        self.label_id: str | None = None
        self.label_chip = QToolButton(self)
        self.label_chip.setAutoRaise(True)
        self.label_chip.setIcon(icon("tag"))
        self.label_chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.label_chip.hide()
        self.label_chip.clicked.connect(lambda: self.set_label(None))
        self.folder_combo = QComboBox(self)
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder_combo.setMaximumWidth(260)
        self.folder_combo.setToolTip(self.tr("Only photos in this folder"))
        self.date_combo = QComboBox(self)
        self.date_combo.setToolTip(self.tr("Only photos taken in this period"))
        for text, key in (
            (self.tr("Any date"), "any"),
            (self.tr("Past 7 days"), "7"),
            (self.tr("Past 30 days"), "30"),
            (self.tr("Past 12 months"), "365"),
            (self.tr("Custom dates…"), "custom"),
        ):
            self.date_combo.addItem(text, key)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addYears(-1), self)
        self.date_to = QDateEdit(today, self)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")  # unambiguous everywhere, and short
            edit.hide()
        self.date_from.setToolTip(self.tr("Taken on or after"))
        self.date_to.setToolTip(self.tr("Taken on or before"))
        self.date_dash = QLabel("–", self)
        self.date_dash.hide()
        self.sort_combo = QComboBox(self)
        for text, key in zip(
            (self.tr("Best match"), self.tr("Newest first"), self.tr("Oldest first")), SORTS, strict=True
        ):
            self.sort_combo.addItem(text, key)
        self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(sort_mode)))
        self.sort_combo.setToolTip(self.tr("Order of the results"))
        for widget in (
            self.summary,
            self.refresh_button,
            self.date_chip,
            self.label_chip,
            self.folder_combo,
            self.date_combo,
        ):
            row.addWidget(widget, 1 if widget is self.summary else 0)
        for widget in (self.date_from, self.date_dash, self.date_to, self.sort_combo):
            row.addWidget(widget)
        self.set_roots([])

        self.folder_combo.activated.connect(self._folder_activated)
        self.date_combo.currentIndexChanged.connect(self._date_mode_changed)
        self.date_from.dateChanged.connect(lambda _d: self._emit())
        self.date_to.dateChanged.connect(lambda _d: self._emit())
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.sortChanged.emit(self.sort_mode))

    # -- reading -------------------------------------------------------------------------------------

    def filters(self):
        from ..search import Filters

        folder = self.folder_combo.currentData()
        folders = (folder,) if isinstance(folder, str) and folder and folder != CHOOSE else ()
        mode = self.date_combo.currentData()
        date_from = date_to = None
        now = QDateTime.currentDateTime()
        if mode in ("7", "30", "365"):
            date_from = float(now.addDays(-int(mode)).toSecsSinceEpoch())
        elif mode == "custom":
            start, end = sorted((self.date_from.date(), self.date_to.date()))
            date_from = float(QDateTime(start, QTime(0, 0)).toSecsSinceEpoch())
            date_to = float(QDateTime(end, QTime(23, 59, 59)).toSecsSinceEpoch())
        return Filters(folders=folders, date_from=date_from, date_to=date_to, label=self.label_id)

    def active(self) -> bool:
        """A folder or a period is chosen (no import of the search package: this runs before the first paint)."""
        folder = self.folder_combo.currentData()
        chosen = isinstance(folder, str) and folder not in ("", CHOOSE)
        return chosen or self.date_combo.currentData() != "any" or self.label_id is not None

    @property
    def sort_mode(self) -> str:
        return self.sort_combo.currentData() or "relevance"

    # -- changing ------------------------------------------------------------------------------------

    def set_sort_mode(self, mode: str) -> None:
        self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(mode)))  # emits sortChanged

    def set_sort_visible(self, visible: bool) -> None:
        self.sort_combo.setVisible(visible)

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)
        self.summary.setToolTip(text)

    def set_date_chip(self, phrase: str | None) -> None:
        """Show the query's date words as a removable chip (None: hide it)."""
        self.date_chip.setVisible(bool(phrase))
        if phrase:
            self.date_chip.setText(self.tr("{phrase}  ✕").format(phrase=phrase))
            self.date_chip.setToolTip(
                self.tr(
                    "Only photos taken {phrase}, from the words of the search. Click to search without this date."
                ).format(phrase=phrase)
            )

    def set_label(self, label_id: str | None, name: str = "") -> None:
        """Filter by a Things label (None: stop); shown as a removable chip."""
        if label_id == self.label_id:
            return
        self.label_id = label_id
        self.label_chip.setVisible(label_id is not None)
        if label_id is not None:
            self.label_chip.setText(self.tr("{name}  ✕").format(name=name))
            self.label_chip.setToolTip(self.tr("Only photos of “{name}”. Click to remove.").format(name=name))
        self._emit()

    def set_folder(self, folder: str | None) -> None:
        """Only photos in this folder (None: all); the folder joins the list if it is not there."""
        if folder is not None:
            folder = os.path.abspath(folder)
            if self.folder_combo.findData(folder) < 0:
                self.folder_combo.insertItem(
                    self.folder_combo.count() - 2, icon("folder"), os.path.basename(folder) or folder, folder
                )
        self.folder_combo.setCurrentIndex(max(0, self.folder_combo.findData(folder)) if folder else 0)
        self._emit()

    def set_date_range(self, start: QDate, end: QDate) -> None:
        for edit, date in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(date)
            edit.blockSignals(False)
        self.date_combo.setCurrentIndex(self.date_combo.findData("custom"))  # emits
        if self.date_combo.currentData() == "custom":
            self._emit()

    def set_date_mode(self, mode: str) -> None:
        self.date_combo.setCurrentIndex(max(0, self.date_combo.findData(mode)))

    def clear(self) -> None:
        for combo in (self.folder_combo, self.date_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.label_id = None
        self.label_chip.hide()
        self._date_mode_changed()

    def folder_choices(self) -> list[str | None]:
        return [self.folder_combo.itemData(i) for i in range(self.folder_combo.count())]

    def set_roots(self, roots: list[str]) -> None:
        combo = self.folder_combo
        current = combo.currentData()
        known = self.folder_choices()
        extra = [p for p in known if isinstance(p, str) and p not in roots and p != CHOOSE]
        wanted = [None, *roots, *extra, CHOOSE]
        if known == wanted:
            return
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(icon("folder"), self.tr("All folders"), None)
        for path in [*roots, *extra]:
            combo.addItem(icon("folder"), os.path.basename(path.rstrip(os.sep)) or path, path)
            combo.setItemData(combo.count() - 1, pretty_path(path), Qt.ItemDataRole.ToolTipRole)
        combo.insertSeparator(combo.count())
        combo.addItem(self.tr("Choose a folder…"), CHOOSE)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    # -- inner workings ----------------------------------------------------------------------------------

    def _emit(self) -> None:
        self.filtersChanged.emit(self.filters())

    def _folder_activated(self, _index: int) -> None:
        if self.folder_combo.currentData() != CHOOSE:
            self._emit()
            return
        start = self.folder_combo.itemData(1) or os.path.expanduser("~")
        folder = QFileDialog.getExistingDirectory(self, self.tr("Only photos in"), start)
        self.set_folder(folder or None)

    def _date_mode_changed(self, *_args) -> None:
        custom = self.date_combo.currentData() == "custom"
        for widget in (self.date_from, self.date_dash, self.date_to):
            widget.setVisible(custom)
        self._emit()
