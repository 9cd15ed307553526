"""A smart album: its photos, best first, and a strictness slider that shows its edge.

While the slider is away from the album's stored strictness the grid lists the members at the
looser of the two, and a divider marks where the stricter one ends: the photos after it are the
ones that would enter (slider loosened) or leave (slider tightened). Letting go stores it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ..results_model import ResultsModel
from .partials.photo_view import PhotoView
from .partials.thumbnail_grid import ThumbnailGrid

if TYPE_CHECKING:
    from ..empty_choice import AppState
    from ..engine_bridge import EngineBridge
    from ..thumbnail_loader import ThumbnailLoader

PAGE = 240
SLIDER_STEPS = 100
SLIDE_MS = 120  # the slider's moves settle this long before the album is asked again


def edge_page(engine: Any, name: str, stored: float, wanted: float, limit: int) -> tuple[Any, int, int]:
    """Engine thread: the members at the looser strictness, and the counts at the wanted and the stored one."""
    from ...engine.albums import threshold

    album = engine.catalog.album(name)
    if album is None:
        raise KeyError(name)
    page = engine.album_photos(name, 0, limit, strictness=min(stored, wanted))
    count_wanted = engine.catalog.album_count(album.id, threshold(wanted))
    count_stored = engine.catalog.album_count(album.id, threshold(stored))
    return page, count_wanted, count_stored


class AlbumView(PhotoView):
    key = "album"
    removeRequested = Signal(str)  # album name

    def __init__(
        self, bridge: EngineBridge, loader: ThumbnailLoader, thumb_size: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.model = ResultsModel(self)
        self.name = ""
        self.stored = 0.5  # the album's strictness in the catalog
        self.counts = (0, 0)  # members at the slider's strictness, at the stored one
        self.shown_at: float | None = None  # the slider's strictness the grid and counts show
        self._ticket = 0
        around = QWidget(self.stack)
        self.slider = QSlider(Qt.Orientation.Horizontal, around)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setMinimumWidth(180)
        self.slider.setMaximumWidth(280)
        self.slider.setAccessibleName(self.tr("Strictness"))
        self.slider.setToolTip(self.tr("Looser: more photos join. Stricter: only the closest matches stay."))
        self.edge_label = QLabel(around)
        self.remove_button = QPushButton(self.tr("Remove album"), around)
        self.remove_button.clicked.connect(lambda: self.name and self.removeRequested.emit(self.name))
        bar = QHBoxLayout()
        bar.setContentsMargins(14, 2, 12, 6)
        bar.setSpacing(8)
        bar.addWidget(QLabel(self.tr("Looser"), around))
        bar.addWidget(self.slider)
        bar.addWidget(QLabel(self.tr("Stricter"), around))
        bar.addSpacing(12)
        bar.addWidget(self.edge_label, 1)
        bar.addWidget(self.remove_button)
        grid = ThumbnailGrid(self.model, loader, thumb_size, around)
        column = QVBoxLayout(around)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(bar)
        column.addWidget(grid, 1)
        self._install_grid(grid, around)
        self._settle = QTimer(self, singleShot=True, interval=SLIDE_MS)
        self._settle.timeout.connect(self.reload)
        self.slider.valueChanged.connect(lambda _v: self._settle.start())
        self.slider.sliderReleased.connect(self.keep_strictness)
        self.model.fetchRequested.connect(self._fetch)

    # -- state -----------------------------------------------------------------------------------------

    def fill_state(self, state: AppState) -> AppState:
        return dataclasses.replace(state, view="album", rows=1 if state.ready and state.indexed else 0)

    def summary(self) -> str:
        if not self.name:
            return ""
        n = self.counts[0]
        return self.tr("Album “{name}”: %n photo(s)", "", n).format(name=self.name)

    def strictness(self) -> float:
        return self.slider.value() / SLIDER_STEPS

    # -- showing ---------------------------------------------------------------------------------------

    def set_album(self, name: str, strictness: float) -> None:
        self.name, self.stored = name, strictness
        self.slider.blockSignals(True)
        self.slider.setValue(round(strictness * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self.model.clear()
        self.reload()

    def set_strictness(self, value: float) -> None:
        """Move the slider (as a user would) and keep the value."""
        self.slider.setValue(round(value * SLIDER_STEPS))
        self.keep_strictness()

    def keep_strictness(self) -> None:
        name, value = self.name, self.strictness()
        if not name:
            return
        self.stored = value
        self.bridge.call(lambda e: e.set_album_strictness(name, value), lambda _r: self.reload(), self._failed)

    def reload(self) -> None:
        name = self.name
        if not name:
            return
        self._ticket += 1
        ticket, stored, wanted = self._ticket, self.stored, self.strictness()
        self.model.set_busy(True)

        def done(result: tuple[Any, int, int]) -> None:
            if ticket != self._ticket:
                return
            page, count_wanted, count_stored = result
            self.shown_at = wanted
            self.counts = (count_wanted, count_stored)
            self.model.set_results(page.hits, page.has_more)
            self._show_edge()

        self.bridge.call(lambda e: edge_page(e, name, stored, wanted, PAGE), done, self._failed, owner=self)

    def _show_edge(self) -> None:
        wanted, stored = self.counts
        locale = QLocale()
        if wanted > stored:
            edge = self.tr("%n photo(s) entering", "", wanted - stored)
            self.grid.divider_text = self.tr("Entering")
            self.grid.set_best_count(stored)
        elif wanted < stored:
            edge = self.tr("%n photo(s) leaving", "", stored - wanted)
            self.grid.divider_text = self.tr("Leaving")
            self.grid.set_best_count(wanted)
        else:
            edge = ""
            self.grid.set_best_count(None)
        total = self.tr("%n photo(s)", "", wanted).replace(str(wanted), locale.toString(wanted))
        self.edge_label.setText(f"{total} · {edge}" if edge else total)
        self.summaryChanged.emit(self.summary())

    def library_changed(self) -> None:
        """New photos may have joined (the engine scores them as they are indexed)."""
        if self.isVisible():
            self.reload()

    def _fetch(self, offset: int) -> None:
        name, ticket, loosest = self.name, self._ticket, min(self.stored, self.strictness())

        def done(page: Any) -> None:
            if ticket == self._ticket:
                self.model.append_page(page.hits, page.has_more)

        def failed(exc: BaseException) -> None:
            self.model.fetch_failed()
            self._failed(exc)

        self.bridge.call(lambda e: e.album_photos(name, offset, PAGE * 4, strictness=loosest), done, failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.model.set_busy(False)
        self.bridge.message.emit("error", self.tr("The album could not be read: {error}").format(error=exc))
