"""The Things view: what the zero-shot labels found in the library, grouped by category; a label
opened shows its photos, best fit first, within the filter bar's folder and dates.

The opened label is the filter bar's label chip (FilterBar.set_label): a search typed meanwhile
runs within it, and removing the chip comes back to the overview.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from ..results_model import ResultsModel
from .partials.label_tiles import LabelTile, LabelTiles, chinese_ui, load_tiles
from .partials.photo_view import PhotoView
from .partials.thumbnail_grid import ThumbnailGrid

if TYPE_CHECKING:
    from ...search import Filters
    from ..empty_choice import AppState
    from ..engine_bridge import EngineBridge
    from ..thumbnail_loader import ThumbnailLoader

PAGE = 240


class ThingsView(PhotoView):
    key = "things"
    labelChosen = Signal(str, str)  # label id, display name: the window puts it in the filter bar
    tilesShown = Signal(float)  # milliseconds from asking for the labels to their tiles being filled

    def __init__(
        self, bridge: EngineBridge, loader: ThumbnailLoader, thumb_size: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.model = ResultsModel(self)
        self.filters: Filters | None = None
        self.label_id: str | None = None
        self.loaded = False  # the tiles reflect the library (reloaded on changes while shown)
        self._ticket = 0  # the label's photos asked last
        self._tiles_ticket = 0  # the overview asked last
        self.pages = QStackedWidget(self.stack)
        self.tiles = LabelTiles(loader, self.pages)
        self.tiles.labelOpened.connect(self.choose_label)
        self.none_label = QLabel(self.tiles)
        self.none_label.setWordWrap(True)
        self.none_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.none_label.hide()
        self.tiles.layout().addWidget(self.none_label)
        photos = QWidget(self.pages)
        column = QVBoxLayout(photos)
        column.setContentsMargins(0, 0, 0, 0)
        grid = ThumbnailGrid(self.model, loader, thumb_size, photos)
        column.addWidget(grid, 1)
        self.pages.addWidget(self.tiles)
        self.pages.addWidget(photos)
        self._install_grid(grid, self.pages)
        self.model.fetchRequested.connect(self._fetch)

    # -- state -----------------------------------------------------------------------------------------

    def fill_state(self, state: AppState) -> AppState:
        return dataclasses.replace(state, view="things", rows=1 if state.ready and state.indexed else 0)

    def summary(self) -> str:
        if self.label_id is None:
            return self.tr("%n thing(s) found in your photos", "", len(self.tiles.tiles)) if self.loaded else ""
        tile = self.tiles.tile(self.label_id)
        name = tile.name(chinese_ui()) if tile else self.label_id
        n = self.model.rowCount()
        more = "+" if self.model.has_more else ""
        return self.tr("“{name}”: %n photo(s){more}, best fit first", "", n).format(name=name, more=more)

    def showing_label(self) -> bool:
        return self.pages.currentIndex() == 1

    # -- the overview ----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Ask for the labels (engine thread); the tiles fill when they come."""
        clock = QElapsedTimer()
        clock.start()
        self._tiles_ticket += 1
        ticket = self._tiles_ticket

        def done(tiles: list[LabelTile]) -> None:
            if ticket != self._tiles_ticket:
                return
            self.loaded = True
            self.tiles.set_tiles(tiles)
            self.none_label.setVisible(not tiles)
            self.none_label.setText(
                self.tr(
                    "No things recognised yet. clipdesk names what is in your photos as it indexes them; "
                    "the labels appear here."
                )
            )
            self.summaryChanged.emit(self.summary())
            self.tilesShown.emit(clock.nsecsElapsed() / 1e6)

        self.bridge.call(load_tiles, done, self._failed, owner=self)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def library_changed(self) -> None:
        self.loaded = False
        if self.isVisible():
            self.reload()
            if self.label_id is not None:
                self._load_photos()

    # -- a label's photos ------------------------------------------------------------------------------

    def choose_label(self, label_id: str) -> None:
        tile = self.tiles.tile(label_id)
        self.labelChosen.emit(label_id, tile.name(chinese_ui()) if tile else label_id)

    def set_filters(self, filters: Filters) -> None:
        """The filter bar changed: its label (if any) is the one shown."""
        self.filters = filters
        if filters.label is None:
            self.label_id = None
            self.pages.setCurrentIndex(0)
            self.model.clear()
        else:
            self.label_id = filters.label
            self.pages.setCurrentIndex(1)
            self._load_photos()
        self.summaryChanged.emit(self.summary())

    def _load_photos(self) -> None:
        filters = self.filters
        if filters is None or filters.label is None:
            return
        self._ticket += 1
        ticket = self._ticket
        self.model.set_busy(True)

        def done(page: Any) -> None:
            if ticket == self._ticket:
                self.model.set_results(page.hits, page.has_more)
                self.summaryChanged.emit(self.summary())

        self.bridge.call(lambda e: e.labelled_page(filters, 0, PAGE), done, self._failed, owner=self)

    def _fetch(self, offset: int) -> None:
        filters = self.filters
        if filters is None or filters.label is None:
            return
        ticket = self._ticket

        def done(page: Any) -> None:
            if ticket == self._ticket:
                self.model.append_page(page.hits, page.has_more)
                self.summaryChanged.emit(self.summary())

        def failed(exc: BaseException) -> None:
            self.model.fetch_failed()
            self._failed(exc)

        self.bridge.call(lambda e: e.labelled_page(filters, offset, PAGE * 4), done, failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.model.set_busy(False)
        self.bridge.message.emit("error", self.tr("The labels could not be read: {error}").format(error=exc))
