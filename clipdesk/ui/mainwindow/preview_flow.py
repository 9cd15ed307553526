"""Opening a photo full size from the current view, stepping through the view's photos, and back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject

if TYPE_CHECKING:
    from ..main_window import MainWindow


class PreviewFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.row = -1  # the view's row on show

    @property
    def showing(self) -> bool:
        return self.window.pages.currentWidget() is self.window.preview

    def open(self, row: int) -> None:
        w = self.window
        view = w.current_view()
        hit = view.model.hit(row)
        if hit is None:
            return  # a Library photo still on its way
        self.row = row
        view.grid.select_row(row)
        if view.key == "library":
            w.preview.set_back_to(self.tr("Back to library"), self.tr("Back to all photos (Esc)"))
        else:
            w.preview.set_back_to(self.tr("Back to results"), self.tr("Back to the results (Esc)"))
        w.preview.show_hit(hit, row, view.model.rowCount(), view.model.has_more)
        w.show_page(w.preview)
        w.preview.setFocus()
        w.preview.prefetch([h for h in (view.model.hit(row + 1), view.model.hit(row - 1)) if h is not None])

    def step(self, delta: int) -> None:
        model = self.window.current_view().model
        count = model.rowCount()
        if not count:
            return
        row = max(0, min(count - 1, self.row + delta))
        if delta > 0 and self.row + delta >= count - 1 and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        if row != self.row:
            self.open(row)

    def close(self) -> None:
        w = self.window
        w.show_page(w.views)
        w.update_view()
        view = w.current_view()
        if 0 <= self.row < view.model.rowCount():
            view.grid.select_row(self.row)
        view.grid.setFocus()
