"""The whole library as a sparse list model: it knows the total and the months, and loads pages
of photos by offset only when a row is looked at (100,000 photos cost a few pages, not 100,000 rows).

Rows never loaded answer `None` for the photo (the delegate paints a placeholder) and ask for
their page with `pageWanted(offset, limit)`; the owner answers with `page_arrived`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLocale, QMimeData, QModelIndex, Qt, QTimer, QUrl, Signal

from ...results_model import ContentKeyRole, HitRole, PathRole, ResultsModel, format_taken, tooltip_for

if TYPE_CHECKING:
    from ....search import SearchHit

PAGE = 300  # rows per browse call: about three screens of thumbnails
MAX_IN_FLIGHT = 2  # pages asked for at once; more would only queue behind each other
MAX_WANTED = 8  # while scrolling fast, only the latest pages looked at are worth fetching
MAX_PAGES = 40  # pages kept (12,000 photos): bounded memory, and few objects for the collector to walk


@dataclass(frozen=True)
class Section:
    """One month of photos: rows first .. first + count - 1."""

    title: str
    first: int
    count: int
    year: int
    month: int


def month_title(year: int, month: int) -> str:
    if not month or not year:
        return QCoreApplication.translate("LibraryModel", "Date unknown")
    # Chinese writes "2024年5月", English "May 2024": the order is the translation's.
    name = QLocale().standaloneMonthName(month, QLocale.FormatType.LongFormat)
    return QCoreApplication.translate("LibraryModel", "{month_name} {year}").format(
        month_name=name, month=month, year=year
    )


class LibraryModel(ResultsModel):
    """Sections come from `Engine.timeline`, pages from `Engine.browse`."""

    pageWanted = Signal(int, int)  # offset, limit
    sectionsChanged = Signal()

    def __init__(self, parent: Any = None, page_size: int = PAGE) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self.total = 0
        self.generation = 0  # bumps at every reset: answers for an older one are dropped
        self.sections: list[Section] = []
        self._firsts: list[int] = []
        self._pages: dict[int, list[SearchHit]] = {}
        self._wanted: list[int] = []  # page numbers, latest last
        self._in_flight: set[int] = set()
        self._ask = QTimer(self, singleShot=True, interval=0)  # one batch per paint pass
        self._ask.timeout.connect(self._ask_pages)

    # -- filling ---------------------------------------------------------------------------------------

    def reset(self, buckets: Sequence[Any], pages: dict[int, list[SearchHit]] | None = None) -> None:
        """A new timeline (list of TimelineBucket) and the pages that came with it (by offset)."""
        self.beginResetModel()
        self.generation += 1
        self.sections = [Section(month_title(b.year, b.month), b.offset, b.count, b.year, b.month) for b in buckets]
        self._firsts = [s.first for s in self.sections]
        self.total = sum(s.count for s in self.sections)
        size = self.page_size
        self._pages = {o // size: list(hits) for o, hits in (pages or {}).items() if o % size == 0}
        self._wanted = []
        self._in_flight = set()
        self.endResetModel()
        self.sectionsChanged.emit()

    def page_arrived(self, generation: int, offset: int, hits: Sequence[SearchHit]) -> None:
        if generation != self.generation:
            return
        number = offset // self.page_size
        self._in_flight.discard(number)
        self._pages[number] = list(hits)
        if len(self._pages) > MAX_PAGES:  # forget the pages farthest from where the user is now
            for far in sorted(self._pages, key=lambda n: abs(n - number))[MAX_PAGES:]:
                del self._pages[far]
        last = min(self.total, offset + self.page_size) - 1
        if last >= offset:
            self.dataChanged.emit(self.index(offset, 0), self.index(last, 0))
        self._ask.start()

    def page_failed(self, generation: int, offset: int) -> None:
        if generation == self.generation:
            self._in_flight.discard(offset // self.page_size)

    def clear(self) -> None:
        self.reset([])

    # -- Qt model API ----------------------------------------------------------------------------------

    def rowCount(self, parent: Any = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.total

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _ROLES:
            return None
        hit = self.hit(index.row())
        if hit is None:
            return None
        if role == HitRole:
            return hit
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.path.rsplit("/", 1)[-1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_for(hit, score=False)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{hit.path.rsplit('/', 1)[-1]}, {format_taken(hit.taken_at)}"
        if role == PathRole:
            return hit.path
        return hit.content_key

    def canFetchMore(self, parent: Any) -> bool:
        return False  # rows exist from the start; their photos load as they are looked at

    def mimeData(self, indexes: Sequence[Any]) -> QMimeData:
        paths = [h.path for h in (self.hit(i.row()) for i in indexes if i.isValid()) if h is not None]
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setText("\n".join(paths))
        return mime

    # -- reading ---------------------------------------------------------------------------------------

    @property
    def has_more(self) -> bool:
        return False

    def hit(self, row: int) -> SearchHit | None:
        if not 0 <= row < self.total:
            return None
        number, within = divmod(row, self.page_size)
        page = self._pages.get(number)
        if page is None:
            self.want(row)
            return None
        return page[within] if within < len(page) else None

    def hits(self) -> list[SearchHit]:
        """The photos loaded so far, in order (rows not loaded are skipped)."""
        return [h for n in sorted(self._pages) for h in self._pages[n]]

    def row_of(self, image_id: int) -> int:
        for number, page in self._pages.items():
            for i, hit in enumerate(page):
                if hit.id == image_id:
                    return number * self.page_size + i
        return -1

    @property
    def pages_loaded(self) -> int:
        return len(self._pages)

    def loaded(self, row: int) -> bool:
        return row // self.page_size in self._pages

    def section_of(self, row: int) -> int:
        return max(0, bisect.bisect_right(self._firsts, row) - 1)

    # -- asking for pages ------------------------------------------------------------------------------

    def want(self, row: int) -> None:
        number = row // self.page_size
        if number in self._pages or number in self._in_flight:
            return
        if number in self._wanted:
            self._wanted.remove(number)
        self._wanted.append(number)
        del self._wanted[:-MAX_WANTED]
        if not self._ask.isActive():
            self._ask.start()

    def _ask_pages(self) -> None:
        while self._wanted and len(self._in_flight) < MAX_IN_FLIGHT:
            number = self._wanted.pop()
            if number in self._pages or number in self._in_flight:
                continue
            self._in_flight.add(number)
            self.pageWanted.emit(number * self.page_size, self.page_size)


_ROLES = {
    HitRole,
    PathRole,
    ContentKeyRole,
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
}
