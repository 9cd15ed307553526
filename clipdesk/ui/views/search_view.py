"""The Search results view: the best matches for words, a photo, or both, page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ..results_model import ResultsModel
from ..search_session import SearchSession
from .partials.photo_view import PhotoView
from .partials.thumbnail_grid import ThumbnailGrid

if TYPE_CHECKING:
    from ..empty_choice import AppState
    from ..engine_bridge import EngineBridge
    from ..thumbnail_loader import ThumbnailLoader


class SearchView(PhotoView):
    key = "search"

    def __init__(
        self, bridge: EngineBridge, loader: ThumbnailLoader, thumb_size: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = ResultsModel(self)
        self.session = SearchSession(bridge, self.model, self)
        self._install_grid(ThumbnailGrid(self.model, loader, thumb_size, self.stack))
        self.query_name = ""  # how the query image is called in the summary
        self._kept: tuple[set[int], int] = (set(), 0)  # selection and scroll across a refresh
        self.session.changed.connect(self._session_changed)
        self.session.stale.connect(self._results_may_be_stale)
        self.model.modelAboutToBeReset.connect(self._remember_place)
        self.model.modelReset.connect(self._restore_place)

    # -- state ---------------------------------------------------------------------------------------

    def fill_state(self, state: AppState) -> AppState:
        import dataclasses

        error = self.session.last_error
        return dataclasses.replace(
            state,
            view="search",
            has_query=self.session.has_query,
            searching=self.session.searching,
            error_kind=error[0] if error else "",
            error_text=error[1] if error else "",
            rows=self.model.rowCount(),
        )

    def summary(self) -> str:
        request = self.session.request
        if request is None:
            return ""
        if self.session.searching and not self.model.rowCount():
            return self.tr("Searching…")
        text = request.text
        if text and request.image is not None:
            what = self.tr("Photos like {image} + “{text}”").format(image=self.query_name, text=text)
        elif request.image is not None:
            what = self.tr("Photos like {image}").format(image=self.query_name)
        elif self.session.best_count == 0 and self.model.rowCount():
            what = self.tr("No close matches for “{text}”: showing the nearest").format(text=text)
        elif self.grid.divider_row() is not None:
            n = self.grid.divider_row() or 0  # a plain name for pyside6-lupdate's plural
            what = self.tr("Best matches for “{text}”: %Ln, then other results", "", n).format(text=text)
        else:
            what = self.tr("Best matches for “{text}”").format(text=text)
        mode = self.session.sort_mode
        if mode != "relevance" and self.model.rowCount():
            order = self.tr("newest first") if mode == "newest" else self.tr("oldest first")
            n = self.model.rowCount()  # a plain name: pyside6-lupdate skips plural calls whose count is an expression
            what += " · " + self.tr("best %Ln, {order}", "", n).format(order=order)
        return what

    def _session_changed(self) -> None:
        if self.session.searching:
            self.refreshOffered.emit(False)
        self.grid.set_best_count(self.session.best_count)
        self.summaryChanged.emit(self.summary())

    # -- new photos ------------------------------------------------------------------------------------

    def library_changed(self) -> None:
        self.session.library_changed()

    def _results_may_be_stale(self) -> None:
        """Refresh at once if the user is not in the middle of the results; else offer it."""
        untouched = (
            self.grid.verticalScrollBar().value() == 0
            and not self.grid.selectionModel().hasSelection()
            and self.isVisible()
        )
        if untouched or not self.model.rowCount():
            self.session.refresh()
        else:
            self.refreshOffered.emit(True)

    def _remember_place(self) -> None:
        if self.session.refreshing:
            ids = {h.id for h in self.selected_hits()}
            self._kept = (ids, self.grid.verticalScrollBar().value())
        else:
            self._kept = (set(), 0)

    def _restore_place(self) -> None:
        ids, scroll = self._kept
        self._kept = (set(), 0)
        if ids:
            flag = self.grid.selectionModel().SelectionFlag.Select
            for row, hit in enumerate(self.model.hits()):
                if hit.id in ids:
                    self.grid.selectionModel().select(self.model.index(row, 0), flag)
        if scroll:
            self.grid.verticalScrollBar().setValue(scroll)
