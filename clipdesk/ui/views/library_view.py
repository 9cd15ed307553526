"""The Library view: every indexed photo, newest first by date taken, under month headers, with a
year/month list to jump through time. Pages come from `Engine.browse`, months from
`Engine.timeline`, both off the GUI thread through the bridge. New photos appear as they are
indexed, and the photo the user is looking at stays where it was on screen.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QPoint, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from .partials.library_model import LibraryModel
from .partials.photo_view import PhotoView
from .partials.section_grid import SectionGrid
from .partials.timeline_list import TimelineList

if TYPE_CHECKING:
    from ..empty_choice import AppState
    from ..engine_bridge import EngineBridge
    from ..thumbnail_loader import ThumbnailLoader

RELOAD_AFTER_MS = 800  # new photos arrive in batches: one reload for a burst of them


@dataclasses.dataclass
class _Place:
    """Where the user was: a photo, its row and how far from the top of the screen it sat."""

    image_id: int = -1
    row: int = -1
    dy: int = 0
    selected: frozenset[int] = frozenset()
    at_top: bool = True
    current: int = -1  # the keyboard's photo


class LibraryView(PhotoView):
    key = "library"
    reloaded = Signal()  # a new timeline and first page are in the model
    settled = Signal()  # a reload is over, shown or failed

    def __init__(
        self, bridge: EngineBridge, loader: ThumbnailLoader, thumb_size: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.model = LibraryModel(self)
        around = QWidget(self.stack)
        row = QHBoxLayout(around)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.timeline = TimelineList(around)
        self._install_grid(SectionGrid(self.model, loader, thumb_size, around), around)
        row.addWidget(self.grid, 1)
        row.addWidget(self.timeline)
        row.addSpacing(8)  # the month counts clear of the window's edge
        self.filters: Any = None  # Filters; None: all photos
        self.loading = False
        self.loaded_once = False
        self.reload_seconds: float | None = None  # the last reload's round trip (for the benchmark)
        self.reload_timings = (0.0, 0.0)  # of which: waiting for the engine's thread, reading
        self._again: bool | None = None  # a reload asked for while one runs: keep_place of it
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_AFTER_MS)
        self._reload_timer.timeout.connect(lambda: self.reload(keep_place=True))
        self.model.pageWanted.connect(self._fetch_page)
        self.model.sectionsChanged.connect(lambda: self.timeline.set_sections(self.model.sections))
        self.timeline.sectionChosen.connect(self._jump)
        self.grid.verticalScrollBar().valueChanged.connect(self._follow)

    # -- state ---------------------------------------------------------------------------------------------

    def fill_state(self, state: AppState) -> AppState:
        rows = self.model.rowCount()
        active = self.filters is not None and not self.filters.is_empty()
        return dataclasses.replace(
            state, view="library", rows=rows, loading=not self.loaded_once or self.loading, filters_active=active
        )

    def summary(self) -> str:
        n = self.model.rowCount()
        if not n:
            return ""
        return self.tr("%Ln photo(s), newest first", "", n)

    # -- loading -------------------------------------------------------------------------------------------

    def set_filters(self, filters: Any) -> None:
        self.filters = filters
        self.reload()

    def library_changed(self) -> None:
        if not self._reload_timer.isActive():
            self._reload_timer.start()

    def reload(self, keep_place: bool = False) -> None:
        """Ask for the months and the first page (and the page the user is on) in one trip."""
        if self.loading:
            self._again = keep_place if self._again is None else self._again and keep_place
            return
        from ...search import BrowseRequest, Filters

        self.loading = True
        filters = self.filters or Filters()
        place = self._place() if keep_place else _Place()
        size = self.model.page_size
        offsets = [0]
        if place.row >= size:
            base = place.row // size * size
            offsets += [base, base + size]  # new photos push it down: the next page too
        started = time.perf_counter()

        def fetch(engine: Any) -> tuple[list[Any], dict[int, list[Any]]]:
            begun = time.perf_counter()
            buckets = engine.timeline(filters)
            pages = {o: list(engine.browse(BrowseRequest(filters=filters, offset=o, limit=size)).hits) for o in offsets}
            self.reload_timings = (begun - started, time.perf_counter() - begun)  # (queued, reading)
            return buckets, pages

        def done(result: tuple[list[Any], dict[int, list[Any]]]) -> None:
            self.reload_seconds = time.perf_counter() - started
            self._apply(result[0], result[1], place)

        self.bridge.call(fetch, done, self._reload_failed, owner=self)
        self.summaryChanged.emit(self.summary())

    def _apply(self, buckets: list[Any], pages: dict[int, list[Any]], place: _Place) -> None:
        self.model.reset(buckets, pages)
        self.loading = False
        self.loaded_once = True
        self._restore(place)
        self.reloaded.emit()
        self.summaryChanged.emit(self.summary())
        self.settled.emit()
        self._next()

    def _reload_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.loaded_once = True
        self.summaryChanged.emit(self.summary())
        self.settled.emit()
        self._next()

    def _next(self) -> None:
        if self._again is not None:
            keep, self._again = self._again, None
            self.reload(keep_place=keep)

    def _fetch_page(self, offset: int, limit: int) -> None:
        from ...search import BrowseRequest, Filters

        generation, filters = self.model.generation, self.filters or Filters()
        self.bridge.call(
            lambda engine: engine.browse(BrowseRequest(filters=filters, offset=offset, limit=limit)).hits,
            lambda hits: self.model.page_arrived(generation, offset, hits),
            lambda _exc: self.model.page_failed(generation, offset),
            owner=self,
        )

    # -- keeping the user's place ---------------------------------------------------------------------------

    def _place(self) -> _Place:
        grid = self.grid
        selected = frozenset(h.id for h in self.selected_hits() if grid.selectionModel().hasSelection())
        focus = self.model.hit(grid.currentIndex().row()) if grid.currentIndex().isValid() else None
        current = focus.id if focus is not None else -1
        if grid.verticalScrollBar().value() == 0:
            return _Place(selected=selected, current=current)
        index = grid.indexAt(QPoint(grid.cell.width() // 2, grid.header_height + grid.cell.height() // 2))
        hit = self.model.hit(index.row()) if index.isValid() else None
        if hit is None:
            return _Place(selected=selected, at_top=False, dy=grid.verticalScrollBar().value(), current=current)
        return _Place(hit.id, index.row(), grid.visualRect(index).top(), selected, False, current)

    def _restore(self, place: _Place) -> None:
        grid = self.grid
        if place.selected:
            flag = QItemSelectionModel.SelectionFlag.Select
            for hit in self.model.hits():
                if hit.id in place.selected:
                    grid.selectionModel().select(self.model.index(self.model.row_of(hit.id), 0), flag)
        current = self.model.row_of(place.current) if place.current >= 0 else -1
        if current >= 0:
            flag = QItemSelectionModel.SelectionFlag.NoUpdate
            grid.selectionModel().setCurrentIndex(self.model.index(current, 0), flag)
        if place.at_top:
            grid.verticalScrollBar().setValue(0)
            return
        row = self.model.row_of(place.image_id) if place.image_id >= 0 else -1
        if row < 0:
            grid.verticalScrollBar().setValue(place.dy if place.image_id < 0 else grid.verticalScrollBar().value())
            return
        grid.verticalScrollBar().setValue(grid.content_rect(row).top() - place.dy)

    # -- time ----------------------------------------------------------------------------------------------

    def _jump(self, section: int) -> None:
        self.grid.scroll_to_section(section)

    def _follow(self, _value: int) -> None:
        first, _last = self.grid.visible_rows()
        if first >= 0:
            self.timeline.follow(self.model.section_of(first))

    def jump_to_month(self, year: int, month: int) -> bool:
        for number, section in enumerate(self.model.sections):
            if section.year == year and section.month == month:
                self._jump(number)
                return True
        return False
