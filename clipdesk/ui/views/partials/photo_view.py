"""What every photo view shares: a grid or an empty state in its middle, a summary line, actions.

A view's grid is any item view with `select_row`, `selected_rows`, `openRequested`,
`zoomRequested` and `set_thumb_size` (ThumbnailGrid or SectionGrid); its model answers
`hit(row)` and `rowCount()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from ...empty_state import EmptyState

if TYPE_CHECKING:
    from ....search import SearchHit
    from ...empty_choice import AppState, Screen


class PhotoView(QWidget):
    key = ""  # library | search
    summaryChanged = Signal(str)
    actionRequested = Signal(str)  # an empty state's button: an action key from empty_choice
    refreshOffered = Signal(bool)  # new photos: show (or hide) "refresh" for this view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid: Any = None
        self.model: Any = None
        self.stack = QStackedWidget(self)
        self.empty = EmptyState(self.stack)
        self._screen: Screen | None = None  # the empty state on show
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)

    def _install_grid(self, grid: Any, around: QWidget | None = None) -> None:
        """`around`: a widget holding the grid (with extras beside it), else the grid itself."""
        self.grid = grid
        self.stack.addWidget(around or grid)
        self.stack.addWidget(self.empty)
        self._layout.addWidget(self.stack)

    # -- what the middle shows ---------------------------------------------------------------------

    def fill_state(self, state: AppState) -> AppState:
        """The view's part of the app state (rows, query, errors): views override."""
        return state

    def show_screen(self, screen: Screen) -> None:
        if screen.page == "photos":
            self.stack.setCurrentIndex(0)
            self._screen = None
            return
        if screen != self._screen:  # the same screen again (a status tick): keep its buttons and focus
            actions = [(text, lambda _=False, k=key: self.actionRequested.emit(k)) for text, key in screen.actions]
            self.empty.show_state(screen.state, screen.title, screen.body, actions, screen.picture, screen.busy)
            self._screen = screen
        self.stack.setCurrentWidget(self.empty)

    def showing_photos(self) -> bool:
        return self.stack.currentIndex() == 0

    def summary(self) -> str:
        return ""

    # -- selection -----------------------------------------------------------------------------------

    def selected_hits(self) -> list[SearchHit]:
        return [h for h in (self.model.hit(r) for r in self.grid.selected_rows()) if h is not None]

    def set_thumb_size(self, size: int) -> None:
        self.grid.set_thumb_size(size)

    def library_changed(self) -> None:
        """New or removed photos (the bridge's `changes`)."""

    def focus_grid(self) -> bool:
        if not self.model.rowCount():
            return False
        self.grid.setFocus()
        if not self.grid.currentIndex().isValid():
            self.grid.select_row(0)
        return True
