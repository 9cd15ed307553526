"""The main window composes: search field and filters on top, a sidebar and a stack of views
(Library, Search results), the preview and the welcome page, menus and the status bar.

Views own their models and grids (clipdesk/ui/views/), searching lives in SearchSession, the
query picture in QueryImage, the empty-state decision in empty_choice, the menus in actions.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .actions import WindowActions
from .background import Background
from .banner import Banner
from .empty_choice import CHOOSE_IMAGE, CLEAR_FILTERS, MANAGE_FOLDERS, QUIT, AppState, choose_screen
from .engine_bridge import EngineBridge
from .errors_dialog import ErrorsDialog
from .file_actions import open_file, show_in_folder
from .filter_bar import FilterBar
from .folders_dialog import FoldersDialog, pretty_path
from .icons import app_icon, icon
from .mainwindow import library_tasks
from .mainwindow.drops import DropTarget
from .mainwindow.sidebar import Sidebar
from .mainwindow.statusbar.count import PhotoCount
from .mainwindow.statusbar.errors_button import ErrorsButton
from .mainwindow.statusbar.indexing import IndexingStatus
from .mainwindow.statusbar.model_indicator import ModelIndicator
from .mainwindow.statusbar.zoom import ZoomSlider
from .overlay import DropOverlay
from .preview import PreviewPage
from .query_image import QueryImage
from .search_bar import SearchBar, holds_image
from .settings import THUMB_MAX, THUMB_MIN, THUMB_STEP, Settings
from .thumbnail_loader import ThumbnailLoader
from .views.library_view import LibraryView
from .views.partials.photo_view import PhotoView
from .views.search_view import SearchView
from .welcome import WelcomePage

if TYPE_CHECKING:
    from ..search import SearchHit

DEBOUNCE_MS = 250
STATUS_AFTER_MS = 400


class MainWindow(DropTarget, QMainWindow):
    def __init__(self, bridge: EngineBridge, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        if bridge.parent() is None:
            bridge.setParent(self)  # Qt owns it: never destroyed from one of its worker threads
        self.settings = settings
        self.setWindowTitle("clipdesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.background = Background(2, "clipdesk-window", self)
        self.background.failed.connect(lambda text: self.show_message("error", text))
        self.loader = ThumbnailLoader(parent=self)
        self.query = QueryImage(self.background, self.loader, self)
        self.status: Any = None  # the last EngineStatus
        self.progress: Any = None  # the last Progress
        self.failed = ""  # why the catalog could not be opened
        self.close_seconds: float | None = None
        self.folders_dialog: FoldersDialog | None = None
        self.errors_dialog: ErrorsDialog | None = None
        self._closing = False
        self._preview_row = -1
        self._build()
        self.commands = WindowActions(self)
        for view in self.all_views():
            self.commands.attach_to_grid(view.grid)
        self._connect()
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        else:
            self.resize(self.sizeHint())
        self.show_view("library")

    # == construction ==================================================================================

    def _build(self) -> None:
        central = QWidget(self)
        self.setCentralWidget(central)
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.sidebar = Sidebar(central)
        self.sidebar.add_view(
            "library", self.tr("Library"), "library", self.tr("All your photos, newest first (Ctrl+1)")
        )
        self.sidebar.add_view("search", self.tr("Search results"), "search", self.tr("The last search (Ctrl+2)"))
        main = QWidget(central)
        column = QVBoxLayout(main)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        outer.addWidget(self.sidebar)
        outer.addWidget(main, 1)

        self.search_bar = SearchBar(main)
        self.field = self.search_bar.field
        self.chip = self.search_bar.chip
        self.filter_bar = FilterBar(self.settings.sort_mode, main)
        self.banners = QWidget(main)
        banners = QVBoxLayout(self.banners)
        banners.setContentsMargins(12, 0, 12, 6)
        banners.setSpacing(6)
        self.model_banner = Banner(self.banners)
        self.message_banner = Banner(self.banners)
        banners.addWidget(self.model_banner)
        banners.addWidget(self.message_banner)

        self.pages = QStackedWidget(main)
        self.views = QStackedWidget(self.pages)
        size = self.settings.thumb_size
        self.library_view = LibraryView(self.bridge, self.loader, size, self.views)
        self.search_view = SearchView(self.bridge, self.loader, size, self.views)
        self.views.addWidget(self.library_view)
        self.views.addWidget(self.search_view)
        self.preview = PreviewPage(self.loader, self.pages)
        self.welcome = WelcomePage(self.settings, self.pages)
        for page in (self.views, self.preview, self.welcome):
            self.pages.addWidget(page)
        for widget, stretch in ((self.search_bar, 0), (self.filter_bar, 0), (self.banners, 0), (self.pages, 1)):
            column.addWidget(widget, stretch)
        self.overlay = DropOverlay(central)

        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.count_label = PhotoCount(bar)
        self.indexing = IndexingStatus(bar)
        self.flash_label = QLabel(bar)
        self.model_indicator = ModelIndicator(bar)
        self.errors_button = ErrorsButton(bar)
        self.zoom = ZoomSlider(size, bar)
        bar.addWidget(self.count_label)
        bar.addWidget(self.indexing)
        bar.addWidget(self.flash_label, 1)
        for widget in (self.errors_button, self.model_indicator, self.zoom):
            bar.addPermanentWidget(widget)

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._status_timer = QTimer(self, singleShot=True, interval=STATUS_AFTER_MS)
        self._flash_timer = QTimer(self, singleShot=True)

    def _connect(self) -> None:
        b = self.bridge
        b.engineReady.connect(self._engine_ready)
        b.engineFailed.connect(self._engine_failed)
        b.progress.connect(self._on_progress)
        b.changes.connect(self._on_changes)
        b.message.connect(self.show_message)
        b.modelState.connect(self._on_model_state)
        b.downloadProgress.connect(self.model_banner.set_progress)
        b.statusReady.connect(self._on_status)
        b.indexingBlocked.connect(self._indexing_blocked)

        self.field.textChanged.connect(lambda _t: self._debounce.start())
        self.field.returnPressed.connect(self.run_query)
        self.field.pasteImageRequested.connect(self.paste_query)
        self.field.downPressed.connect(lambda: self.current_view().focus_grid())
        self._debounce.timeout.connect(self.run_query)
        self.search_bar.image_button.clicked.connect(self.choose_query_image)
        self.chip.removed.connect(self.clear_query_image)
        self.query.changed.connect(self._query_image_changed)
        self.query.pixmapReady.connect(self.chip.set_pixmap)
        self.query.message.connect(self.flash)
        self.filter_bar.filtersChanged.connect(self._filters_changed)
        self.filter_bar.sortChanged.connect(self.set_sort_mode)
        self.filter_bar.refreshRequested.connect(self.search_view.session.refresh)
        self.sidebar.viewChosen.connect(self.show_view)
        self.sidebar.collapsedChanged.connect(lambda c: self.commands.sidebar.setChecked(not c))

        for view in self.all_views():
            view.grid.openRequested.connect(self.open_preview)
            view.grid.zoomRequested.connect(self.zoom_by)
            view.grid.customContextMenuRequested.connect(self.commands.popup_context_menu)
            view.summaryChanged.connect(lambda _t, v=view: self._summary_changed(v))
            view.actionRequested.connect(self._empty_action)
        self.search_view.refreshOffered.connect(self.filter_bar.refresh_button.setVisible)
        self.search_view.session.changed.connect(self.update_view)
        self.search_view.session.failed.connect(self._search_failed)
        self.search_view.session.pageFailed.connect(lambda text: self.show_message("error", text))
        self.library_view.reloaded.connect(self.update_view)
        self.preview.closed.connect(self.close_preview)
        self.preview.stepRequested.connect(self.step_preview)
        self.preview.openRequested.connect(open_file)
        self.preview.showInFolderRequested.connect(show_in_folder)
        self.preview.findSimilarRequested.connect(lambda hit: self.find_similar([hit]))
        self.welcome.startRequested.connect(self._start_from_welcome)

        self.indexing.pauseToggled.connect(lambda pause: self.toggle_pause(pause))
        self.errors_button.clicked.connect(self.show_errors)
        self.zoom.valueChanged.connect(self.set_thumb_size)
        self._status_timer.timeout.connect(self.bridge.refresh_status)
        self._flash_timer.timeout.connect(self.flash_label.clear)

    # == views ===========================================================================================

    def all_views(self) -> list[PhotoView]:
        return [self.library_view, self.search_view]

    def current_view(self) -> PhotoView:
        view = self.views.currentWidget()
        return view if isinstance(view, PhotoView) else self.library_view

    def show_view(self, key: str) -> None:
        view = next((v for v in self.all_views() if v.key == key), self.library_view)
        if self.pages.currentWidget() is self.preview:
            self.close_preview()
        self.views.setCurrentWidget(view)
        self.sidebar.set_current(view.key)
        self.filter_bar.set_sort_visible(view.key == "search")
        self.filter_bar.refresh_button.hide()
        self._summary_changed(view)
        self.update_view()

    def _summary_changed(self, view: PhotoView) -> None:
        if view is self.current_view():
            self.filter_bar.set_summary(view.summary())

    def update_view(self) -> None:
        """Welcome, photos or an empty state with its next step: decided by empty_choice."""
        if self._closing:
            return
        status, progress = self.status, self.progress
        state = AppState(
            ready=self.bridge.ready,
            failed=self.failed,
            roots=tuple(pretty_path(r["path"]) for r in status.roots) if status is not None else None,
            indexed=status.counts.get("indexed", 0) if status is not None else 0,
            pending=status.counts.get("pending", 0) if status is not None else 0,
            indexing=progress is not None and progress.phase in ("scanning", "indexing", "paused"),
            model_state=self.bridge.model_state[0],
            filters_active=self.filter_bar.active(),
        )
        view = self.current_view()
        screen = choose_screen(view.fill_state(state))
        if screen.page == "welcome":
            self._show_page(self.welcome)
            return
        if self.pages.currentWidget() is not self.preview:
            self._show_page(self.views)
        view.show_screen(screen)

    def _show_page(self, page: QWidget) -> None:
        if self.pages.currentWidget() is not page:
            self.pages.setCurrentWidget(page)
        main = page is self.views
        for widget in (self.search_bar, self.filter_bar, self.sidebar):
            widget.setVisible(main)

    def _empty_action(self, key: str) -> None:
        actions = {
            CLEAR_FILTERS: self.filter_bar.clear,
            CHOOSE_IMAGE: self.choose_query_image,
            MANAGE_FOLDERS: self.show_folders,
            QUIT: self.close,
        }
        actions[key]()

    # == engine events ===================================================================================

    def _engine_ready(self) -> None:
        # What is loaded by now stays for the session: keep it out of the collector's full passes,
        # which otherwise paused scrolling for 100-400 ms (bench/gui.py, 100k photos).
        gc.freeze()
        engine = self.bridge.engine
        if engine is not None:
            self.loader.set_resolver(engine.thumbnails.path_for)  # pure path arithmetic, thread safe
        self.loader.clear_cache()
        self.library_view.reload()  # first on the engine's thread: the first screen waits on it
        self.bridge.refresh_status()
        self.search_view.session.refresh()
        self.update_view()

    def _engine_failed(self, text: str) -> None:
        self.failed = text
        self.update_view()

    def _indexing_blocked(self) -> None:
        self.show_message(
            "warning",
            self.tr(
                "Another clipdesk (perhaps `clipdesk index` in a terminal) is indexing this library. This window "
                "can search, but it only picks up new photos after a restart once the other one is done."
            ),
        )

    def _on_progress(self, progress: Any) -> None:
        previous, self.progress = self.progress, progress
        self.indexing.update_progress(progress)
        paused = progress.phase == "paused"
        self.commands.pause.setText(self.tr("&Resume Indexing") if paused else self.tr("&Pause Indexing"))
        self.commands.pause.setEnabled(progress.phase in ("indexing", "paused", "scanning"))
        if not self._status_timer.isActive():
            self._status_timer.start()
        if previous is None or previous.phase != progress.phase:
            self.update_view()

    def _on_changes(self, _changes: Any) -> None:
        if not self._status_timer.isActive():
            self._status_timer.start()
        for view in self.all_views():
            view.library_changed()

    def _on_status(self, status: Any) -> None:
        first, self.status = self.status is None, status
        counts = status.counts
        self.count_label.set_counts(counts.get("indexed", 0), counts.get("pending", 0), counts.get("error", 0))
        self.errors_button.set_count(counts.get("error", 0))
        self.commands.errors.setEnabled(counts.get("error", 0) > 0)
        self.filter_bar.set_roots([r["path"] for r in status.roots])
        if first or self.pages.currentWidget() is not self.preview:
            self.update_view()

    def _on_model_state(self, state: str, detail: str) -> None:
        self.model_indicator.set_state(state, detail)
        library_tasks.show_model_state(self, state, detail)
        if state == "ready":
            gc.freeze()  # torch and the model: loaded for good (see _engine_ready)
            self.search_view.session.recover_after_model()
        self.update_view()

    def show_message(self, level: str, text: str) -> None:
        """Worker messages: errors and warnings in a banner (never silent), the rest in the status bar."""
        if level in ("error", "warning"):
            title = self.tr("Something went wrong") if level == "error" else self.tr("Note")
            self.message_banner.show_message(level, title, text)
        else:
            self.flash(text)

    def flash(self, text: str, seconds: float = 6.0) -> None:
        self.flash_label.setText(text)
        self.flash_label.setToolTip(text)
        self._flash_timer.start(int(seconds * 1000))

    # == searching =======================================================================================

    def set_sort_mode(self, mode: str) -> None:
        if self.filter_bar.sort_mode != mode:
            self.filter_bar.set_sort_mode(mode)
            return  # the combo's signal calls back here
        self.settings.sort_mode = mode
        if mode in self.commands.sort:
            self.commands.sort[mode].setChecked(True)
        self.search_view.session.set_sort(mode)

    def has_query(self) -> bool:
        return bool(self.field.text().strip()) or self.query.is_set

    def run_query(self) -> None:
        """Search now with the current words, picture, filters and sort; an empty query shows the library."""
        self._debounce.stop()
        self.filter_bar.refresh_button.hide()
        view = self.search_view
        view.query_name = self.query.name
        had_query = view.session.has_query
        view.session.search(self.field.text(), self.query.value, self.filter_bar.filters(), self.filter_bar.sort_mode)
        if self.has_query() and self.current_view() is not view:
            self.show_view("search")
        elif not self.has_query() and had_query and self.current_view() is view:
            self.show_view("library")

    def _filters_changed(self, filters: Any) -> None:
        self.library_view.set_filters(filters)
        if self.search_view.session.has_query:
            self.run_query()
        self.update_view()

    def _search_failed(self, kind: str, text: str) -> None:
        if kind == "image":
            self.flash(self.tr("That image could not be read: {error}").format(error=text), 10)
        elif kind != "model":
            self.show_message("error", text)

    # == query image ======================================================================================

    def _query_image_changed(self, keep_text: bool) -> None:
        if self.query.is_set:
            self.chip.set_image(self.query.name, None)
            self.chip.show()
        else:
            self.chip.hide()
        if not keep_text:
            self.field.blockSignals(True)
            self.field.clear()
            self.field.blockSignals(False)
        self.run_query()

    def clear_query_image(self) -> None:
        self.query.clear()
        self.field.setFocus()

    def use_image_files(self, paths: list[str]) -> None:
        self.query.use_files(paths)

    def choose_query_image(self) -> None:
        from ..imaging.decode import IMAGE_EXTENSIONS

        start = self.settings.last_dir("query_image") or QGuiApplication.applicationDirPath()
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Search by image"), start, self.tr("Images ({patterns})").format(patterns=patterns)
        )
        if path:
            self.settings.set_last_dir("query_image", os.path.dirname(path))
            self.query.use_files([path])

    def paste_query(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if holds_image(mime):
            self.query.use_mime(mime)
        elif self.field.hasFocus():
            self.field.paste()
        else:
            self.flash(self.tr("The clipboard holds no image. Copy a picture or an image file, then paste."))

    def find_similar(self, hits: list[SearchHit], keep_text: bool = False) -> None:
        """Photos that look like these (no model needed: their vectors are stored)."""
        if not hits:
            return
        if self.pages.currentWidget() is self.preview:
            self.close_preview()
        self.query.use_hits(hits, keep_text=keep_text)
        self.search_view.grid.scrollToTop()
        if keep_text:
            self.field.setFocus()
            self.field.selectAll()

    def focus_search(self) -> None:
        if self.pages.currentWidget() is self.preview:
            self.close_preview()
        self.field.setFocus()
        self.field.selectAll()

    # == preview ===========================================================================================

    def open_preview(self, row: int) -> None:
        model = self.current_view().model
        hit = model.hit(row)
        if hit is None:
            return
        self._preview_row = row
        self.current_view().grid.select_row(row)
        self.preview.show_hit(hit, row, model.rowCount(), model.has_more)
        self._show_page(self.preview)
        self.preview.setFocus()
        self.preview.prefetch([h for h in (model.hit(row + 1), model.hit(row - 1)) if h is not None])

    def step_preview(self, delta: int) -> None:
        model = self.current_view().model
        count = model.rowCount()
        if not count:
            return
        row = max(0, min(count - 1, self._preview_row + delta))
        if delta > 0 and self._preview_row + delta >= count - 1 and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        if row != self._preview_row:
            self.open_preview(row)

    def close_preview(self) -> None:
        self._show_page(self.views)
        self.update_view()
        view = self.current_view()
        if 0 <= self._preview_row < view.model.rowCount():
            view.grid.select_row(self._preview_row)
        view.grid.setFocus()

    # == thumbnail size ======================================================================================

    def set_thumb_size(self, size: int) -> None:
        size = max(THUMB_MIN, min(THUMB_MAX, int(size)))
        if self.zoom.value() != size:
            self.zoom.setValue(size)  # calls back here
            return
        self.settings.thumb_size = size
        for view in self.all_views():
            view.set_thumb_size(size)

    def zoom_by(self, steps: int) -> None:
        self.set_thumb_size(self.zoom.value() + steps * THUMB_STEP)

    # == folders, errors, model ==============================================================================

    def show_folders(self) -> None:
        if self.folders_dialog is None:
            self.folders_dialog = FoldersDialog(self.bridge, self.settings, self)
            self.folders_dialog.foldersChanged.connect(self.bridge.refresh_status)
            self.folders_dialog.finished.connect(lambda _r: setattr(self, "folders_dialog", None))
        self.folders_dialog.show()
        self.folders_dialog.raise_()
        self.folders_dialog.activateWindow()

    def show_errors(self) -> None:
        dialog = ErrorsDialog(self.bridge, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.errors_dialog = dialog

    def toggle_pause(self, pause: bool | None = None) -> None:
        if pause is None:
            pause = not self.bridge.paused
        if pause:
            self.bridge.pause()
            return
        self.bridge.resume()
        if self.progress is not None and self.progress.phase == "paused":
            # The engine reports again with its next batch; show the change at once.
            working = self.progress.total and self.progress.done < self.progress.total
            self._on_progress(dataclasses.replace(self.progress, phase="indexing" if working else "idle"))

    def choose_model_folder(self) -> None:
        library_tasks.choose_model_folder(self)

    def add_folders(self, folders: list[str]) -> None:
        def done(problems: list[str]) -> None:
            if problems:
                self.show_message("warning", "\n".join(problems))
            else:
                names = ", ".join(f"“{os.path.basename(f.rstrip(os.sep)) or f}”" for f in folders)
                self.flash(
                    self.tr("Added {folders} to the library; indexing runs in the background.").format(folders=names)
                )
            self.bridge.refresh_status()

        self.bridge.call(library_tasks.add_roots_job(folders), done, owner=self)

    def _start_from_welcome(self, folders: list[str]) -> None:
        self.welcome.set_busy(True)

        def done(problems: list[str]) -> None:
            self.welcome.set_busy(False)
            if problems:
                self.show_message("warning", "\n".join(problems))
            self.bridge.refresh_status()
            self.field.setFocus()

        self.bridge.call(library_tasks.add_roots_job(folders), done, owner=self)

    def show_about(self) -> None:
        from .. import __version__ as version

        engine = self.bridge.engine
        QMessageBox.about(
            self,
            self.tr("About clipdesk"),
            self.tr(
                "<h3>clipdesk {version}</h3><p>Search your own photos by meaning, fully offline.</p>"
                "<p>Library: {data}<br>Model: {model}</p>"
            ).format(
                version=version, data=engine.data_dir if engine else "–", model=engine.model_id if engine else "–"
            ),
        )

    # == closing =============================================================================================

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.search_bar.image_button.setIcon(icon("image"))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Hide at once, stop the engine (the batch in flight commits), exit: under 3 seconds."""
        if self._closing:
            event.accept()
            return
        started = time.monotonic()
        self._closing = True
        self.settings.geometry = self.saveGeometry()
        self.settings.thumb_size = self.zoom.value()
        self.settings.sort_mode = self.filter_bar.sort_mode
        self.settings.sync()
        self.hide()
        QApplication.processEvents()
        self.loader.shutdown()
        self.background.shutdown()
        self.preview.background.shutdown()
        self.bridge.shutdown(timeout=2.5)
        self.close_seconds = time.monotonic() - started
        event.accept()

    def grid_paths(self) -> list[str]:
        """The current view's photos, in order (for tests and scripts)."""
        return [h.path for h in self.current_view().model.hits()]

    def sizeHint(self) -> QSize:
        return QSize(1180, 780)
