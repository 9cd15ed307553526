"""The main window composes: search field and filters on top, a sidebar and a stack of views
(Library, Search results), the preview and the welcome page, menus and the status bar.

Views own their models and grids (clipdesk/ui/views/), searching lives in SearchSession, the
query picture in QueryImage, the empty-state decision in empty_choice, the menus in actions.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSize, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .actions import WindowActions
from .background import Background
from .banner import Banner
from .data_safety import DataSafety
from .empty_choice import CHOOSE_IMAGE, CLEAR_FILTERS, MANAGE_FOLDERS, QUIT, USE_ENGLISH, AppState, choose_screen
from .engine_bridge import EngineBridge
from .file_actions import open_file, show_in_folder
from .filter_bar import FilterBar
from .folders_dialog import pretty_path
from .icons import app_icon, icon
from .library_location import LibraryLocation
from .mainwindow.drops import DropTarget
from .mainwindow.labels_flow import LabelsFlow
from .mainwindow.library_tasks import LibraryTasks
from .mainwindow.preview_flow import PreviewFlow
from .mainwindow.search_controls import SearchControls
from .mainwindow.sidebar import ALBUM, Sidebar
from .mainwindow.statusbar.bar import StatusBar
from .overlay import DropOverlay
from .photo_text import attach_text_in_photos
from .preview import PreviewPage
from .query_image import QueryImage
from .search_bar import SearchBar
from .settings import THUMB_MAX, THUMB_MIN, THUMB_STEP, Settings
from .thumbnail_loader import ThumbnailLoader
from .views.album_view import AlbumView
from .views.duplicates_view import DuplicatesView
from .views.library_view import LibraryView
from .views.partials.photo_view import PhotoView
from .views.search_view import SearchView
from .views.things_view import ThingsView
from .welcome import WelcomePage

if TYPE_CHECKING:
    pass

STATUS_AFTER_MS = 400
MODEL_AFTER_MS = 1500  # the latest the model starts loading after the engine opened


class MainWindow(DropTarget, QMainWindow):
    def __init__(self, bridge: EngineBridge, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        # The model (seconds of imports holding the GIL) loads once the Library's first screen is up:
        # 27 ms instead of ~390 ms for that screen on 100,000 photos (bench/gui.py).
        bridge.defer_model_load = True
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
        self._closing = False
        self.tasks = LibraryTasks(self)
        self.preview_flow = PreviewFlow(self)
        self.labels_flow = LabelsFlow(self)
        self._build()
        self.data_safety = DataSafety(self)  # a damaged catalog, a full disk, backups, moving the data
        self.library_location = LibraryLocation(self)  # this computer's library or a shared server's
        self.search = SearchControls(self)
        self.commands = WindowActions(self)
        for view in self.all_views():
            self.commands.attach_to_grid(view.grid)
        self._connect()
        attach_text_in_photos(self)  # Copy text and highlights, the status bar's progress, the menu toggle
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        else:
            self.resize(self.sizeHint())
        self.sidebar.set_collapsed(settings.sidebar_collapsed)
        self.show_view("library")
        self.field.setFocus()  # typing searches at once, whichever view is shown

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
        self.sidebar.add_view("things", self.tr("Things"), "tag", self.tr("What is in your photos, by kind (Ctrl+3)"))
        self.sidebar.add_view("duplicates", self.tr("Duplicates"), "copy", self.tr("Copies and similar shots (Ctrl+4)"))
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
        self.text_model_banner = Banner(self.banners)  # the multilingual model (queries in other languages)
        self.message_banner = Banner(self.banners)
        for banner in (self.model_banner, self.text_model_banner, self.message_banner):
            banners.addWidget(banner)

        self.pages = QStackedWidget(main)
        self.views = QStackedWidget(self.pages)
        size = self.settings.thumb_size
        self.library_view = LibraryView(self.bridge, self.loader, size, self.views)
        self.search_view = SearchView(self.bridge, self.loader, size, self.views)
        self.things_view = ThingsView(self.bridge, self.loader, size, self.views)
        self.album_view = AlbumView(self.bridge, self.loader, size, self.views)
        for view in (self.library_view, self.search_view, self.things_view, self.album_view):
            self.views.addWidget(view)
        self.duplicates_view = DuplicatesView(self.bridge, self.loader, self.views)  # groups, not a photo grid
        self.views.addWidget(self.duplicates_view)
        self.preview = PreviewPage(self.loader, self.pages)
        self.welcome = WelcomePage(self.settings, self.pages)
        for page in (self.views, self.preview, self.welcome):
            self.pages.addWidget(page)
        for widget, stretch in ((self.search_bar, 0), (self.filter_bar, 0), (self.banners, 0), (self.pages, 1)):
            column.addWidget(widget, stretch)
        self.overlay = DropOverlay(central)

        self.status_bar = StatusBar(size, self)
        self.setStatusBar(self.status_bar)
        bar = self.status_bar  # the pieces tests and scripts look at
        self.count_label, self.indexing, self.flash_label = bar.count, bar.indexing, bar.flash_label
        self.model_indicator, self.errors_button, self.zoom = bar.model_indicator, bar.errors_button, bar.zoom

        self._status_timer = QTimer(self, singleShot=True, interval=STATUS_AFTER_MS)
        # Load the model just after the Library's first paint, or after a while whatever happens.
        self._model_timer = QTimer(self, singleShot=True, interval=MODEL_AFTER_MS)
        self._model_timer.timeout.connect(self.bridge.load_model)

    def _connect(self) -> None:
        b = self.bridge
        b.engineReady.connect(self._engine_ready)
        b.engineFailed.connect(self._engine_failed)
        b.progress.connect(self.show_progress)
        b.changes.connect(self._on_changes)
        b.message.connect(self.show_message)
        b.modelState.connect(self._on_model_state)
        b.downloadProgress.connect(self.model_banner.set_progress)
        b.textModelState.connect(self.tasks.show_text_model_state)
        b.textDownloadProgress.connect(self.text_model_banner.set_progress)
        b.statusReady.connect(self._on_status)
        b.indexingBlocked.connect(self.tasks.indexing_blocked)

        self.field.downPressed.connect(lambda: self.current_view().focus_grid())
        self.filter_bar.refreshRequested.connect(self.search_view.session.refresh)
        self.filter_bar.dateChipRemoved.connect(self.search_view.session.drop_date_words)
        self.sidebar.viewChosen.connect(self.show_view)
        self.sidebar.collapsedChanged.connect(lambda c: self.commands.sidebar.setChecked(not c))

        for view in self.all_views():
            view.grid.openRequested.connect(self.preview_flow.open)
            view.grid.zoomRequested.connect(self.zoom_by)
            view.grid.customContextMenuRequested.connect(self.commands.popup_context_menu)
            view.summaryChanged.connect(lambda _t, v=view: self._summary_changed(v))
            view.actionRequested.connect(self._empty_action)
        self.search_view.refreshOffered.connect(self.filter_bar.refresh_button.setVisible)
        self.search_view.session.changed.connect(self.update_view)
        self.search_view.session.pageFailed.connect(lambda text: self.show_message("error", text))
        self.library_view.reloaded.connect(self.update_view)
        self.library_view.settled.connect(lambda: self._model_timer.start(50) if self._model_timer.isActive() else None)
        self.preview.closed.connect(self.preview_flow.close)
        self.preview.stepRequested.connect(self.preview_flow.step)
        self.preview.openRequested.connect(open_file)
        self.preview.showInFolderRequested.connect(show_in_folder)
        self.preview.findSimilarRequested.connect(lambda hit: self.search.find_similar([hit]))
        self.welcome.startRequested.connect(self.tasks.start_from_welcome)
        self.preview.labels.set_bridge(b)
        self.preview.labels.labelClicked.connect(self.labels_flow.open_label)
        self.things_view.labelChosen.connect(self.labels_flow.open_label)
        self.filter_bar.filtersChanged.connect(self.things_view.set_filters)
        self.sidebar.newAlbumRequested.connect(self.labels_flow.new_album)
        self.album_view.removeRequested.connect(self.labels_flow.remove_album)
        self.query.changed.connect(self.labels_flow.query_changed)

        self.indexing.pauseToggled.connect(lambda pause: self.tasks.toggle_pause(pause))
        self.errors_button.clicked.connect(self.tasks.show_errors)
        self.zoom.valueChanged.connect(self.set_thumb_size)
        self._status_timer.timeout.connect(self.bridge.refresh_status)

    # == views ===========================================================================================

    def all_views(self) -> list[PhotoView]:
        return [self.library_view, self.search_view, self.things_view, self.album_view]

    def current_view(self) -> PhotoView:
        view = self.views.currentWidget()
        return view if isinstance(view, PhotoView) else self.library_view

    def show_view(self, key: str) -> None:
        entry = key
        if key == DuplicatesView.key:
            if self.preview_flow.showing:
                self.preview_flow.close()
            self.views.setCurrentWidget(self.duplicates_view)
            self.sidebar.set_current(key)
            self.filter_bar.set_summary("")  # the view says what it found, above its groups
            return
        if key.startswith(ALBUM):
            self.labels_flow.open_album(key[len(ALBUM) :])
            key = self.album_view.key
        view = next((v for v in self.all_views() if v.key == key), self.library_view)
        if self.preview_flow.showing:
            self.preview_flow.close()
        self.views.setCurrentWidget(view)
        self.sidebar.set_current(entry if view.key == key else view.key)
        self.filter_bar.set_sort_visible(view.key == "search")
        self.filter_bar.refresh_button.hide()
        self._summary_changed(view)
        self.update_view()

    def _summary_changed(self, view: PhotoView) -> None:
        if view is self.current_view():
            self.filter_bar.set_summary(view.summary())
            self.filter_bar.set_date_chip(self.search_view.session.date_phrase if view is self.search_view else None)

    def update_view(self) -> None:
        """Welcome, photos or an empty state with its next step: decided by empty_choice."""
        if self._closing:
            return
        if self.data_safety.recovery.active:  # a damaged catalog: its choices until one worked
            self.show_page(self.data_safety.recovery)
            return
        status, progress = self.status, self.progress
        state = AppState(
            ready=self.bridge.ready,
            failed=self.failed,
            unreachable=self.library_location.unreachable,
            retrying=self.library_location.retrying,
            roots=tuple(pretty_path(r["path"]) for r in status.roots) if status is not None else None,
            indexed=status.counts.get("indexed", 0) if status is not None else 0,
            pending=status.counts.get("pending", 0) if status is not None else 0,
            indexing=progress is not None and progress.phase in ("scanning", "indexing", "paused"),
            model_state=self.bridge.model_state[0],
            filters_active=self.filter_bar.active(),
            disk=self.status_bar.disk.state,
        )
        view = self.current_view()
        screen = choose_screen(view.fill_state(state))
        if screen.page == "welcome":
            self.show_page(self.welcome)
            return
        if self.pages.currentWidget() is not self.preview:
            self.show_page(self.views)
        view.show_screen(screen)

    def show_page(self, page: QWidget) -> None:
        if self.pages.currentWidget() is not page:
            self.pages.setCurrentWidget(page)
        main = page is self.views
        for widget in (self.search_bar, self.filter_bar, self.sidebar):
            widget.setVisible(main)

    def _empty_action(self, key: str) -> None:
        actions = {
            CLEAR_FILTERS: self.filter_bar.clear,
            CHOOSE_IMAGE: self.search.choose_query_image,
            MANAGE_FOLDERS: self.tasks.show_folders,
            QUIT: self.close,
            USE_ENGLISH: lambda: self.commands.languages.set_query_languages("english"),
            **self.data_safety.empty_actions(),
            **self.library_location.empty_actions(),
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
        self._model_timer.start(MODEL_AFTER_MS)
        self.bridge.refresh_status()
        self.search_view.session.refresh()
        self.labels_flow.refresh_albums()
        self.things_view.loaded = False
        self.update_view()

    def _engine_failed(self, text: str) -> None:
        self.failed = text
        self.update_view()

    def show_progress(self, progress: Any) -> None:
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
        self.duplicates_view.library_changed()
        self.labels_flow.library_changed()

    def _on_status(self, status: Any) -> None:
        first, self.status = self.status is None, status
        counts = status.counts
        self.status_bar.show_counts(counts)
        self.commands.errors.setEnabled(counts.get("error", 0) > 0)
        self.filter_bar.set_roots([r["path"] for r in status.roots])
        if first or self.pages.currentWidget() is not self.preview:
            self.update_view()

    def _on_model_state(self, state: str, detail: str) -> None:
        self.model_indicator.set_state(state, detail)
        self.tasks.show_model_state(state, detail)
        if state == "ready":
            gc.freeze()  # torch and the model: loaded for good (see _engine_ready)
            self.search_view.session.recover_after_model()
        self.update_view()

    def show_message(self, level: str, text: str) -> None:
        """Worker messages: errors and warnings in a banner (never silent), the rest in the status bar."""
        if level in ("error", "warning"):
            title = self.tr("Something went wrong") if level == "error" else self.tr("Note")
            if text == self.data_safety.disk_message:  # the data disk's report: a pause, nothing lost
                level, title = "warning", self.data_safety.disk_title()
            self.message_banner.show_message(level, title, text)
        else:
            self.flash(text)

    def flash(self, text: str, seconds: float = 6.0) -> None:
        self.status_bar.flash(text, seconds)

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
        self.settings.sidebar_collapsed = self.sidebar.collapsed
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
