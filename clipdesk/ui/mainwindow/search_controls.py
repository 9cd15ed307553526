"""The search inputs: the field (debounced), the picture chip, filters and sort, into the Search
results view's SearchSession; an empty query brings the Library back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from ...search import SearchHit
    from ..main_window import MainWindow

DEBOUNCE_MS = 250  # typing: one search once the words settle


class SearchControls(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        w = window
        w.field.textChanged.connect(lambda _t: self.debounce.start())
        w.field.returnPressed.connect(self.run_query)
        w.field.pasteImageRequested.connect(self.paste_query)
        self.debounce.timeout.connect(self.run_query)
        w.search_bar.image_button.clicked.connect(self.choose_query_image)
        w.chip.removed.connect(self.clear_query_image)
        w.query.changed.connect(self.query_image_changed)
        w.query.pixmapReady.connect(w.chip.set_pixmap)
        w.query.message.connect(w.flash)
        w.filter_bar.filtersChanged.connect(self.filters_changed)
        w.filter_bar.sortChanged.connect(self.set_sort_mode)
        w.search_view.session.failed.connect(self.search_failed)

    def set_sort_mode(self, mode: str) -> None:
        w = self.window
        if w.filter_bar.sort_mode != mode:
            w.filter_bar.set_sort_mode(mode)
            return  # the combo's signal calls back here
        w.settings.sort_mode = mode
        if mode in w.commands.sort:
            w.commands.sort[mode].setChecked(True)
        w.search_view.session.set_sort(mode)

    def has_query(self) -> bool:
        w = self.window
        return bool(w.field.text().strip()) or w.query.is_set

    def run_query(self) -> None:
        """Search now with the current words, picture, filters and sort; an empty query shows the library."""
        w = self.window
        self.debounce.stop()
        w.filter_bar.refresh_button.hide()
        view = w.search_view
        view.query_name = w.query.name
        had_query = view.session.has_query
        view.session.search(w.field.text(), w.query.value, w.filter_bar.filters(), w.filter_bar.sort_mode)
        if self.has_query() and w.current_view() is not view:
            w.show_view("search")
        elif not self.has_query() and had_query and w.current_view() is view:
            w.show_view("library")

    def filters_changed(self, filters: Any) -> None:
        w = self.window
        w.library_view.set_filters(filters)
        if w.search_view.session.has_query:
            self.run_query()
        w.update_view()

    def search_failed(self, kind: str, text: str) -> None:
        w = self.window
        if kind == "image":
            w.flash(self.tr("That image could not be read: {error}").format(error=text), 10)
        elif kind not in ("model", "text_model"):  # those have their banner and empty state
            w.show_message("error", text)

    def query_image_changed(self, keep_text: bool) -> None:
        w = self.window
        if w.query.is_set:
            w.chip.set_image(w.query.name, None)
            w.chip.show()
        else:
            w.chip.hide()
        if not keep_text:
            w.field.blockSignals(True)
            w.field.clear()
            w.field.blockSignals(False)
        self.run_query()

    def clear_query_image(self) -> None:
        w = self.window
        w.query.clear()
        w.field.setFocus()

    def use_image_files(self, paths: list[str]) -> None:
        w = self.window
        w.query.use_files(paths)

    def choose_query_image(self) -> None:
        w = self.window
        w.query.choose_file(w, w.settings)

    def paste_query(self) -> None:
        w = self.window
        w.query.paste(w.field)

    def find_similar(self, hits: list[SearchHit], keep_text: bool = False) -> None:
        """Photos that look like these (no model needed: their vectors are stored)."""
        w = self.window
        if not hits:
            return
        if w.preview_flow.showing:
            w.preview_flow.close()
        w.query.use_hits(hits, keep_text=keep_text)
        w.search_view.grid.scrollToTop()
        if keep_text:
            w.field.setFocus()
            w.field.selectAll()

    def focus_search(self) -> None:
        w = self.window
        if w.preview_flow.showing:
            w.preview_flow.close()
        w.field.setFocus()
        w.field.selectAll()
