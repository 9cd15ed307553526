"""The main window: search field, filters, thumbnail grid, preview, status bar."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, QModelIndex, QPoint, QSize, Qt, QTime, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .background import Background
from .banner import Banner
from .empty_state import EmptyState
from .engine_bridge import EngineBridge
from .errors_dialog import ErrorsDialog
from .file_actions import copy_image, copy_paths, open_file, show_in_folder
from .folders_dialog import FoldersDialog, pretty_path
from .icons import app_icon, icon
from .overlay import DropOverlay
from .preview import PreviewPage, load_preview
from .results_model import ResultsModel
from .results_view import ThumbnailGrid
from .search_bar import SearchBar, holds_image, image_files_in
from .settings import THUMB_DEFAULT, THUMB_MAX, THUMB_MIN, THUMB_STEP, Settings
from .status_widgets import ErrorsButton, IndexingStatus, ModelIndicator, ZoomSlider
from .thumbnail_loader import ThumbnailLoader, decode_scaled
from .welcome import WelcomePage

if TYPE_CHECKING:
    from ..search import SearchHit, SearchPage, SearchRequest

log = logging.getLogger(__name__)

PAGE_FIRST = 240  # first page: enough to fill a big screen, fast to fetch
PAGE_MAX = 20_000  # later pages grow geometrically up to this, so 100,000 results take few fetches
DATE_SORT_LIMIT = 1000  # "sort by date" orders the best this many matches
DEBOUNCE_MS = 250


class MainWindow(QMainWindow):
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
        self.model = ResultsModel(self)
        self.status = None  # last EngineStatus
        self.progress = None  # last Progress
        self.query_image: Any = None  # image id | file path | PIL image | tuple of those
        self.query_image_name = ""
        self.request: SearchRequest | None = None
        self.searching = False
        self.last_error: tuple[str, str] | None = None  # (kind, text) of the last failed search
        self._query_ticket = 0
        self._page_ticket = 0
        self._refreshing = False
        self._preview_row = -1
        self._closing = False
        self.close_seconds: float | None = None
        self._folders_dialog: FoldersDialog | None = None
        self._chip_key: str | None = None  # the result whose thumbnail the chip waits for
        self._chip_hit: SearchHit | None = None

        self._build_ui()
        self._build_menus()
        self._connect()
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        else:
            self.resize(1180, 780)
        self._update_view()

    # == construction ==================================================================================

    def _build_ui(self) -> None:
        central = QWidget(self)
        self.setCentralWidget(central)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.search_bar = SearchBar(central)
        self.field = self.search_bar.field
        self.chip = self.search_bar.chip

        self.filter_bar = QWidget(central)
        filters = QHBoxLayout(self.filter_bar)
        filters.setContentsMargins(14, 0, 12, 6)
        filters.setSpacing(6)
        self.summary = QLabel(self.filter_bar)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.refresh_button = QToolButton(self.filter_bar)
        self.refresh_button.setText(self.tr("New photos indexed: refresh"))
        self.refresh_button.setAutoRaise(True)
        self.refresh_button.hide()
        self.folder_combo = QComboBox(self.filter_bar)
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder_combo.setMaximumWidth(260)
        self.folder_combo.setToolTip(self.tr("Only photos in this folder"))
        self.date_combo = QComboBox(self.filter_bar)
        self.date_combo.setToolTip(self.tr("Only photos taken in this period"))
        for text, key in (
            (self.tr("Any date"), "any"),
            (self.tr("Past 7 days"), "7"),
            (self.tr("Past 30 days"), "30"),
            (self.tr("Past 12 months"), "365"),
            (self.tr("Custom dates…"), "custom"),
        ):
            self.date_combo.addItem(text, key)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addYears(-1), self.filter_bar)
        self.date_to = QDateEdit(today, self.filter_bar)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")  # unambiguous everywhere, and short
            edit.hide()
        self.date_from.setToolTip(self.tr("Taken on or after"))
        self.date_to.setToolTip(self.tr("Taken on or before"))
        self.date_dash = QLabel("–", self.filter_bar)
        self.date_dash.hide()
        self.sort_combo = QComboBox(self.filter_bar)
        for text, key in (
            (self.tr("Best match"), "relevance"),
            (self.tr("Newest first"), "newest"),
            (self.tr("Oldest first"), "oldest"),
        ):
            self.sort_combo.addItem(text, key)
        self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(self.settings.sort_mode)))
        self.sort_combo.setToolTip(self.tr("Order of the results"))
        filters.addWidget(self.summary, 1)
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.folder_combo)
        filters.addWidget(self.date_combo)
        filters.addWidget(self.date_from)
        filters.addWidget(self.date_dash)
        filters.addWidget(self.date_to)
        filters.addWidget(self.sort_combo)
        self._fill_folder_combo([])

        self.banners = QWidget(central)
        banners = QVBoxLayout(self.banners)
        banners.setContentsMargins(12, 0, 12, 6)
        banners.setSpacing(6)
        self.model_banner = Banner(self.banners)
        self.message_banner = Banner(self.banners)
        banners.addWidget(self.model_banner)
        banners.addWidget(self.message_banner)

        self.pages = QStackedWidget(central)
        self.results_page = QStackedWidget(self.pages)
        self.grid = ThumbnailGrid(self.model, self.loader, self.settings.thumb_size, self.results_page)
        self.empty = EmptyState(self.results_page)
        self.results_page.addWidget(self.grid)
        self.results_page.addWidget(self.empty)
        self.preview = PreviewPage(self.loader, self.pages)
        self.welcome = WelcomePage(self.settings, self.pages)
        self.pages.addWidget(self.results_page)
        self.pages.addWidget(self.preview)
        self.pages.addWidget(self.welcome)

        layout.addWidget(self.search_bar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.banners)
        layout.addWidget(self.pages, 1)
        self.overlay = DropOverlay(central)

        bar = self.statusBar()
        bar.setSizeGripEnabled(True)
        self.count_label = QLabel(bar)
        self.indexing = IndexingStatus(bar)
        self.flash_label = QLabel(bar)
        self.model_indicator = ModelIndicator(bar)
        self.errors_button = ErrorsButton(bar)
        self.zoom = ZoomSlider(self.settings.thumb_size, bar)
        bar.addWidget(self.count_label)
        bar.addWidget(self.indexing)
        bar.addWidget(self.flash_label, 1)
        bar.addPermanentWidget(self.errors_button)
        bar.addPermanentWidget(self.model_indicator)
        bar.addPermanentWidget(self.zoom)

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._status_timer = QTimer(self, singleShot=True, interval=400)
        self._stale_timer = QTimer(self, singleShot=True, interval=2000)
        self._flash_timer = QTimer(self, singleShot=True)

    def _build_menus(self) -> None:
        menu = self.menuBar()

        def action(text: str, slot, shortcut=None, icon_name: str | None = None) -> QAction:
            act = QAction(text, self)
            if icon_name:
                act.setIcon(icon(icon_name))
            if shortcut is not None:
                if isinstance(shortcut, list):
                    act.setShortcuts(shortcut)
                else:
                    act.setShortcut(shortcut)
            act.triggered.connect(slot)
            self.addAction(act)  # shortcuts work while the menu bar is hidden too
            return act

        file_menu = menu.addMenu(self.tr("&File"))
        self.act_search_image = action(
            self.tr("Search by &Image…"), self.choose_query_image, QKeySequence.StandardKey.Open, "image"
        )
        self.act_paste = action(self.tr("&Paste Image as Search"), self.paste_query, QKeySequence.StandardKey.Paste)
        file_menu.addAction(self.act_search_image)
        file_menu.addAction(self.act_paste)
        file_menu.addSeparator()
        file_menu.addAction(action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit))

        edit_menu = menu.addMenu(self.tr("&Edit"))
        self.act_copy_image = action(
            self.tr("&Copy Image"), self.copy_selected_image, QKeySequence.StandardKey.Copy, "copy"
        )
        self.act_copy_path = action(self.tr("Copy &Path"), self.copy_selected_paths, QKeySequence("Ctrl+Shift+C"))
        self.act_select_all = action(self.tr("Select &All"), self._select_all, QKeySequence.StandardKey.SelectAll)
        self.act_find = action(
            self.tr("&Find"),
            self.focus_search,
            [QKeySequence(QKeySequence.StandardKey.Find), QKeySequence("Ctrl+L")],
            "search",
        )
        for act in (self.act_copy_image, self.act_copy_path, self.act_select_all):
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.grid.addAction(act)  # only when the grid has focus: the search field keeps its own
        edit_menu.addActions([self.act_copy_image, self.act_copy_path, self.act_select_all])
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_find)

        view_menu = menu.addMenu(self.tr("&View"))
        view_menu.addAction(
            action(
                self.tr("Zoom &In"),
                lambda: self.zoom_by(1),
                [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")],
            )
        )
        view_menu.addAction(
            action(self.tr("Zoom &Out"), lambda: self.zoom_by(-1), QKeySequence(QKeySequence.StandardKey.ZoomOut))
        )
        view_menu.addAction(
            action(self.tr("&Normal Size"), lambda: self.set_thumb_size(THUMB_DEFAULT), QKeySequence("Ctrl+0"))
        )
        view_menu.addSeparator()
        sort_group = QActionGroup(self)
        self.sort_actions: dict[str, QAction] = {}
        for i in range(self.sort_combo.count()):
            act = QAction(self.sort_combo.itemText(i), self, checkable=True)
            key = self.sort_combo.itemData(i)
            act.setChecked(key == self.sort_mode)
            act.triggered.connect(lambda _=False, k=key: self.set_sort_mode(k))
            sort_group.addAction(act)
            view_menu.addAction(act)
            self.sort_actions[key] = act

        library = menu.addMenu(self.tr("&Library"))
        library.addAction(action(self.tr("&Folders…"), self.show_folders, None, "folder"))
        self.act_errors = action(self.tr("&Unreadable Files…"), self.show_errors)
        library.addAction(self.act_errors)
        self.act_pause = action(self.tr("&Pause Indexing"), lambda: self.toggle_pause())
        self.act_pause.setEnabled(False)
        library.addAction(self.act_pause)
        library.addSeparator()
        library.addAction(action(self.tr("Choose a Local &Model Folder…"), self.choose_model_folder))

        help_menu = menu.addMenu(self.tr("&Help"))
        help_menu.addAction(action(self.tr("&About clipdesk"), self.show_about))

    def _connect(self) -> None:
        b = self.bridge
        b.engineReady.connect(self._engine_ready)
        b.engineFailed.connect(self._engine_failed)
        b.progress.connect(self._on_progress)
        b.changes.connect(self._on_changes)
        b.message.connect(self.show_message)
        b.modelState.connect(self._on_model_state)
        b.downloadProgress.connect(self.model_banner.set_progress)
        b.searchFinished.connect(self._search_finished)
        b.searchFailed.connect(self._search_failed)
        b.statusReady.connect(self._on_status)
        b.indexingBlocked.connect(self._indexing_blocked)

        self.field.textChanged.connect(lambda _t: self._debounce.start())
        self.field.returnPressed.connect(self.run_query)
        self.field.pasteImageRequested.connect(self.paste_query)
        self.field.downPressed.connect(self._focus_grid)
        self._debounce.timeout.connect(self.run_query)
        self.search_bar.image_button.clicked.connect(self.choose_query_image)
        self.chip.removed.connect(self.clear_query_image)
        self.folder_combo.activated.connect(self._folder_chosen)
        self.date_combo.currentIndexChanged.connect(self._date_mode_changed)
        self.date_from.dateChanged.connect(lambda _d: self.run_query())
        self.date_to.dateChanged.connect(lambda _d: self.run_query())
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.set_sort_mode(self.sort_combo.currentData()))
        self.refresh_button.clicked.connect(lambda: self.run_query(refresh=True))

        self.model.fetchRequested.connect(self._fetch_page)
        self.grid.openRequested.connect(self.open_preview)
        self.grid.zoomRequested.connect(self.zoom_by)
        self.grid.customContextMenuRequested.connect(self._context_menu)
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
        self._stale_timer.timeout.connect(self._results_may_be_stale)
        self._flash_timer.timeout.connect(self.flash_label.clear)
        self.loader.thumbnailReady.connect(self._chip_thumbnail_arrived)

    # == engine events ==================================================================================

    def _engine_ready(self) -> None:
        engine = self.bridge.engine
        if engine is not None:
            self.loader.set_resolver(engine.thumbnails.path_for)  # pure path arithmetic, thread safe
        self.loader.clear_cache()
        self.bridge.refresh_status()
        if self.request is not None:
            self.run_query()
        self._update_view()

    def _engine_failed(self, text: str) -> None:
        self.empty.show_state(
            "failed",
            self.tr("Your photo library could not be opened"),
            text,
            [(self.tr("Quit"), self.close)],
            picture="error",
        )
        self.results_page.setCurrentWidget(self.empty)

    def _indexing_blocked(self) -> None:
        self.show_message(
            "warning",
            self.tr(
                "Another clipdesk (perhaps `clipdesk index` in a terminal) is indexing this library. This window "
                "can search, but it only picks up new photos after a restart once the other one is done."
            ),
        )

    def _on_progress(self, progress) -> None:
        previous = self.progress
        self.progress = progress
        self.indexing.update_progress(progress)
        paused = progress.phase == "paused"
        self.act_pause.setText(self.tr("&Resume Indexing") if paused else self.tr("&Pause Indexing"))
        self.act_pause.setEnabled(progress.phase in ("indexing", "paused", "scanning"))
        if not self._status_timer.isActive():
            self._status_timer.start()
        if previous is None or previous.phase != progress.phase:
            self._update_view()

    def _on_changes(self, _changes) -> None:
        if not self._status_timer.isActive():
            self._status_timer.start()
        if self.request is not None and not self._stale_timer.isActive():
            self._stale_timer.start()

    def _on_status(self, status) -> None:
        first = self.status is None
        self.status = status
        indexed = status.counts.get("indexed", 0)
        locale = QLocale()
        self.count_label.setText(
            self.tr("1 photo") if indexed == 1 else self.tr("{n} photos").format(n=locale.toString(indexed))
        )
        pending = status.counts.get("pending", 0)
        self.count_label.setToolTip(
            self.tr("{indexed} indexed, {pending} waiting, {errors} unreadable").format(
                indexed=locale.toString(indexed),
                pending=locale.toString(pending),
                errors=locale.toString(status.counts.get("error", 0)),
            )
        )
        self.errors_button.set_count(status.counts.get("error", 0))
        self.act_errors.setEnabled(status.counts.get("error", 0) > 0)
        self._fill_folder_combo([r["path"] for r in status.roots])
        if first or self.pages.currentWidget() is not self.preview:
            self._update_view()

    def _on_model_state(self, state: str, detail: str) -> None:
        self.model_indicator.set_state(state, detail)
        if state == "downloading":
            self.model_banner.show_message(
                "info",
                self.tr("Downloading the search model"),
                self.tr(
                    "clipdesk needs its CLIP model once (about 600 MB); it is stored on this computer "
                    "afterwards. Indexing starts when the download is done."
                ),
                busy=True,
                closable=False,
            )
        elif state == "unavailable":
            self.model_banner.show_message(
                "error",
                self.tr("The search model is not available"),
                detail,
                [
                    (self.tr("Choose a local model folder…"), self.choose_model_folder),
                    (self.tr("Try again"), self.bridge.load_model),
                ],
                closable=False,
            )
        elif state == "ready":
            self.model_banner.hide()
            if self.last_error is not None and self.last_error[0] == "model":
                self.last_error = None
                self.run_query()
        else:  # loading: the status bar says so; no banner for a few seconds' wait
            if self.model_banner.level != "info" or not self.model_banner.busy.isVisible():
                self.model_banner.hide()
        self._update_view()

    def show_message(self, level: str, text: str) -> None:
        """Worker messages: errors and warnings in a banner (never silent), the rest in the status bar."""
        if level in ("error", "warning"):
            title = self.tr("Something went wrong") if level == "error" else self.tr("Note")
            self.message_banner.show_message(level, title, text)
        else:
            self.flash(text)

    def flash(self, text: str, seconds: float = 6.0) -> None:
        self.flash_label.setText(text)
        self._flash_timer.start(int(seconds * 1000))

    # == searching =========================================================================================

    @property
    def sort_mode(self) -> str:
        return self.sort_combo.currentData() or "relevance"

    def set_sort_mode(self, mode: str) -> None:
        if self.sort_combo.currentData() != mode:
            self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(mode)))
            return  # the combo's signal calls back here
        self.settings.sort_mode = mode
        if mode in self.sort_actions:
            self.sort_actions[mode].setChecked(True)
        self.run_query()

    def has_query(self) -> bool:
        return bool(self.field.text().strip()) or self.query_image is not None

    def current_filters(self):
        from ..search import Filters

        folder = self.folder_combo.currentData()
        folders = (folder,) if isinstance(folder, str) and folder and folder != "__choose__" else ()
        mode = self.date_combo.currentData()
        date_from = date_to = None
        now = QDateTime.currentDateTime()
        if mode in ("7", "30", "365"):
            date_from = float(now.addDays(-int(mode)).toSecsSinceEpoch())
        elif mode == "custom":
            start, end = sorted((self.date_from.date(), self.date_to.date()))
            date_from = float(QDateTime(start, QTime(0, 0)).toSecsSinceEpoch())
            date_to = float(QDateTime(end, QTime(23, 59, 59)).toSecsSinceEpoch())
        return Filters(folders=folders, date_from=date_from, date_to=date_to)

    def filters_active(self) -> bool:
        return not self.current_filters().is_empty()

    def run_query(self, refresh: bool = False) -> None:
        """Search now with the current text, image, filters and sort."""
        from ..search import SearchRequest

        self._debounce.stop()
        self._stale_timer.stop()
        self.refresh_button.hide()
        if not self.has_query():
            self.request = None
            self.searching = False
            self.last_error = None
            self.model.clear()
            self._update_view()
            return
        limit = PAGE_FIRST if self.sort_mode == "relevance" else DATE_SORT_LIMIT
        self.request = SearchRequest(
            text=self.field.text().strip(),
            image=self.query_image,
            limit=limit,
            offset=0,
            filters=self.current_filters(),
        )
        self._refreshing = refresh
        self.searching = True
        self.model.set_busy(True)
        self._query_ticket = self.bridge.search(self.request)
        self._page_ticket = 0
        self._update_summary()
        if not self.model.rowCount():
            self._update_view()

    def _fetch_page(self, offset: int) -> None:
        if self.request is None:
            self.model.fetch_failed()
            return
        limit = min(PAGE_MAX, max(PAGE_FIRST, offset))  # doubles the rows each time
        self._page_ticket = self.bridge.search(dataclasses.replace(self.request, offset=offset, limit=limit))

    def _search_finished(self, ticket: int, request: SearchRequest, page: SearchPage) -> None:
        if ticket == self._page_ticket and ticket:
            self.model.append_page(page.hits, page.has_more)
            self._update_summary()
            if self.pages.currentWidget() is self.preview:
                self._refresh_preview_counter()
            return
        if ticket != self._query_ticket:
            return  # an answer to a query the user has already changed
        self.searching = False
        self.last_error = None
        hits = list(page.hits)
        if self.sort_mode == "newest":
            hits.sort(key=lambda h: (h.taken_at is None, -(h.taken_at or 0.0)))
        elif self.sort_mode == "oldest":
            hits.sort(key=lambda h: (h.taken_at is None, h.taken_at or 0.0))
        keep = (
            {
                self.model.hit(i.row()).id
                for i in self.grid.selectionModel().selectedIndexes()
                if self.model.hit(i.row()) is not None
            }
            if self._refreshing
            else set()
        )
        scroll = self.grid.verticalScrollBar().value() if self._refreshing else 0
        self.model.set_results(hits, page.has_more and self.sort_mode == "relevance")
        if keep:
            for row, hit in enumerate(hits):
                if hit.id in keep:
                    self.grid.selectionModel().select(
                        self.model.index(row, 0), self.grid.selectionModel().SelectionFlag.Select
                    )
        if scroll:
            self.grid.verticalScrollBar().setValue(scroll)
        self._refreshing = False
        self._update_summary()
        self._update_view()

    def _search_failed(self, ticket: int, request: SearchRequest, kind: str, text: str) -> None:
        if ticket == self._page_ticket and ticket:
            self.model.fetch_failed()
            self.show_message("error", text)
            return
        if ticket != self._query_ticket:
            return
        self.searching = False
        self.model.set_busy(False)
        self.last_error = (kind, text)
        if kind == "image":
            self.model.clear()
            self.flash(self.tr("That image could not be read: {error}").format(error=text), 10)
        elif kind == "model":
            self.model.clear()
        else:
            self.show_message("error", text)
        self._update_summary()
        self._update_view()

    def _results_may_be_stale(self) -> None:
        """Newly indexed photos may belong in the results: refresh if the user is not in the middle of them."""
        if self.request is None or self.searching:
            return
        untouched = (
            self.grid.verticalScrollBar().value() == 0
            and not self.grid.selectionModel().hasSelection()
            and self.pages.currentWidget() is self.results_page
        )
        if untouched or not self.model.rowCount():
            self.run_query(refresh=True)
        else:
            self.refresh_button.show()

    # == query image ========================================================================================

    def set_query_image(self, image: Any, name: str, pixmap: QPixmap | None = None, keep_text: bool = True) -> None:
        library_photos = isinstance(image, int) or (isinstance(image, tuple) and all(isinstance(i, int) for i in image))
        if not library_photos:
            self._chip_key = None  # not a library photo: the chip's picture comes from decoding it
        self.query_image = image
        self.query_image_name = name
        self.chip.set_image(name, pixmap)
        self.chip.show()
        if not keep_text:
            self.field.blockSignals(True)
            self.field.clear()
            self.field.blockSignals(False)
        self.run_query()

    def clear_query_image(self) -> None:
        self.query_image = None
        self.query_image_name = ""
        self.chip.hide()
        self.run_query()
        self.field.setFocus()

    def use_image_files(self, paths: list[str]) -> None:
        """Dropped, pasted or chosen files become the query; nothing is added to the library."""
        paths = [os.path.abspath(p) for p in paths]
        if not paths:
            return
        image = paths[0] if len(paths) == 1 else tuple(paths)
        name = os.path.basename(paths[0]) if len(paths) == 1 else self.tr("{n} photos").format(n=len(paths))
        self.set_query_image(image, name, None, keep_text=True)
        self.background.submit(
            decode_scaled,
            paths[0],
            64,
            owner=self,
            on_done=lambda img, i=image: self._chip_image(i, img),
            on_error=lambda _exc: None,
        )

    def use_qimage(self, qimage: QImage, name: str) -> None:
        """A picture from the clipboard or a browser drop, kept in memory only."""
        from PIL import Image

        rgb = qimage.convertToFormat(QImage.Format.Format_RGB888)
        width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
        data = bytes(rgb.constBits())[: stride * height]
        pil = Image.frombuffer("RGB", (width, height), data, "raw", "RGB", stride, 1).copy()
        thumb = QPixmap.fromImage(
            qimage.scaled(64, 64, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        )
        self.set_query_image(pil, name, thumb, keep_text=True)

    def use_mime(self, mime) -> bool:
        files = image_files_in(mime)
        if files:
            self.use_image_files(files)
            return True
        if mime is not None and mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.use_qimage(image, self.tr("Pasted image"))
                return True
        if mime is not None and mime.hasUrls() and any(not u.isLocalFile() for u in mime.urls()):
            self.flash(
                self.tr(
                    "clipdesk works offline and does not download pictures. Save the image first, "
                    "or copy the image itself and paste it here (Ctrl+V)."
                ),
                10,
            )
            return False
        self.flash(self.tr("That is not an image file clipdesk can search with."))
        return False

    def _chip_image(self, image: Any, qimage: QImage) -> None:
        if self.query_image is image:
            self.chip.set_pixmap(QPixmap.fromImage(qimage))

    def _chip_thumbnail_arrived(self, key: str) -> None:
        if self._chip_key == key and self._chip_hit is not None and self.query_image is not None:
            hit = self._chip_hit
            self.chip.set_pixmap(self.loader.pixmap(key, hit.path, 64))

    def choose_query_image(self) -> None:
        start = self.settings.last_dir("query_image") or QGuiApplication.applicationDirPath()
        from ..imaging.decode import IMAGE_EXTENSIONS

        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Search by image"), start, self.tr("Images ({patterns})").format(patterns=patterns)
        )
        if path:
            self.settings.set_last_dir("query_image", os.path.dirname(path))
            self.use_image_files([path])

    def paste_query(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if holds_image(mime):
            self.use_mime(mime)
        elif self.field.hasFocus():
            self.field.paste()
        else:
            self.flash(self.tr("The clipboard holds no image. Copy a picture or an image file, then paste."))

    def find_similar(self, hits: list[SearchHit], keep_text: bool = False) -> None:
        """Photos that look like these results (no model needed: their vectors are stored)."""
        if not hits:
            return
        image = hits[0].id if len(hits) == 1 else tuple(h.id for h in hits)
        name = os.path.basename(hits[0].path) if len(hits) == 1 else self.tr("{n} photos").format(n=len(hits))
        self._chip_key = hits[0].content_key or hits[0].path
        self._chip_hit = hits[0]
        pixmap = self.loader.pixmap(self._chip_key, hits[0].path, 64)
        if self.pages.currentWidget() is self.preview:
            self.close_preview()
        self.set_query_image(image, name, pixmap, keep_text=keep_text)
        self.grid.scrollToTop()
        if keep_text:
            self.field.setFocus()
            self.field.selectAll()

    # == view state =========================================================================================

    def _update_summary(self) -> None:
        text = self.field.text().strip()
        if self.request is None:
            self.summary.setText("")
            return
        if self.searching and not self.model.rowCount():
            self.summary.setText(self.tr("Searching…"))
            return
        if text and self.query_image is not None:
            what = self.tr("Photos like {image} + “{text}”").format(image=self.query_image_name, text=text)
        elif self.query_image is not None:
            what = self.tr("Photos like {image}").format(image=self.query_image_name)
        else:
            what = self.tr("Best matches for “{text}”").format(text=text)
        if self.sort_mode != "relevance" and self.model.rowCount():
            order = self.tr("newest first") if self.sort_mode == "newest" else self.tr("oldest first")
            count = QLocale().toString(self.model.rowCount())
            what += " · " + self.tr("best {n}, {order}").format(n=count, order=order)
        self.summary.setText(what)

    def _update_view(self) -> None:
        """Decide between welcome, grid and the empty states, each with the next step to take."""
        if self._closing:
            return
        on_preview = self.pages.currentWidget() is self.preview
        roots = self.status.roots if self.status is not None else None
        if self.bridge.ready and roots is not None and not roots:
            self._show_page(self.welcome)
            return
        if self.pages.currentWidget() is self.welcome or not on_preview:
            self._show_page(self.results_page)
        if not self.bridge.ready or self.status is None:
            if self.results_page.currentWidget() is not self.empty or self.empty.state != "failed":
                self.empty.show_state("opening", self.tr("Opening your photo library…"), "", busy=True)
                self.results_page.setCurrentWidget(self.empty)
            return
        indexed = self.status.counts.get("indexed", 0)
        indexing = self.progress is not None and self.progress.phase in ("scanning", "indexing", "paused")
        if self.model.rowCount():
            self.results_page.setCurrentWidget(self.grid)
            return
        if indexed == 0:
            if self.bridge.model_state[0] == "unavailable":
                # The banner above offers the fix; the middle of the window explains.
                self.empty.show_state(
                    "model",
                    self.tr("Waiting for the search model"),
                    self.tr(
                        "clipdesk needs its CLIP model to index and search your photos. Choose a folder that "
                        "holds one (button above), or connect to the internet once and try again."
                    ),
                    picture="warning",
                )
            elif indexing or self.status.counts.get("pending", 0):
                body = self.tr(
                    "clipdesk is looking at your photos. Results appear here as soon as the first ones "
                    "are indexed; you can start typing now."
                )
                if self.bridge.model_state[0] in ("downloading", "unavailable"):
                    body = self.tr("Indexing starts as soon as the search model is ready.")
                self.empty.show_state("indexing", self.tr("Nothing indexed yet"), body, busy=True, picture="image")
            else:
                folders = ", ".join(pretty_path(r["path"]) for r in self.status.roots)
                self.empty.show_state(
                    "no_photos",
                    self.tr("No photos found"),
                    self.tr(
                        "There are no photos clipdesk can read in {folders}. Add the folder that holds your "
                        "photos (JPEG, PNG, HEIC, WebP, TIFF…)."
                    ).format(folders=folders),
                    [(self.tr("Manage folders…"), self.show_folders)],
                    picture="folder",
                )
        elif self.request is None:
            self.empty.show_state(
                "no_query",
                self.tr("What are you looking for?"),
                self.tr(
                    "Describe a photo in a few words, like “birthday cake” or “red car in the snow”, or "
                    "drop a photo here to find ones like it. {n} photos are ready to search."
                ).format(n=QLocale().toString(indexed)),
                [(self.tr("Search by image…"), self.choose_query_image)],
                picture="search",
            )
        elif self.searching:
            self.empty.show_state("searching", self.tr("Searching…"), "", busy=True, picture="search")
        elif self.last_error is not None and self.last_error[0] == "model":
            self.empty.show_state(
                "model",
                self.tr("Text search needs the search model"),
                self.tr(
                    "The model could not be loaded, so words cannot be matched to photos yet. Choose a model "
                    "folder (button above). Meanwhile, dropping a photo that is already indexed here still "
                    "finds similar ones."
                ),
                picture="warning",
            )
        elif self.last_error is not None and self.last_error[0] == "image":
            self.empty.show_state(
                "bad_image",
                self.tr("That image could not be read"),
                self.last_error[1],
                [(self.tr("Search by another image…"), self.choose_query_image)],
                picture="image",
            )
        elif self.filters_active():
            self.empty.show_state(
                "no_results",
                self.tr("No matches"),
                self.tr("No photo matches with the current folder and date filters."),
                [(self.tr("Clear filters"), self.clear_filters)],
                picture="search",
            )
        else:
            self.empty.show_state(
                "no_results",
                self.tr("No matches"),
                self.tr("Try other words, or search with a photo."),
                picture="search",
            )
        self.results_page.setCurrentWidget(self.empty)

    def _show_page(self, page: QWidget) -> None:
        if self.pages.currentWidget() is not page:
            self.pages.setCurrentWidget(page)
        main = page is self.results_page
        self.search_bar.setVisible(main)
        self.filter_bar.setVisible(main)

    def clear_filters(self) -> None:
        for combo in (self.folder_combo, self.date_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self._date_mode_changed()

    def _fill_folder_combo(self, roots: list[str]) -> None:
        current = self.folder_combo.currentData()
        known = [self.folder_combo.itemData(i) for i in range(self.folder_combo.count())]
        extra = [p for p in known if isinstance(p, str) and p not in roots and p != "__choose__"]
        wanted = [None, *roots, *extra, "__choose__"]
        if known == wanted:
            return
        self.folder_combo.blockSignals(True)
        self.folder_combo.clear()
        self.folder_combo.addItem(icon("folder"), self.tr("All folders"), None)
        for path in [*roots, *extra]:
            self.folder_combo.addItem(icon("folder"), os.path.basename(path.rstrip(os.sep)) or path, path)
            self.folder_combo.setItemData(self.folder_combo.count() - 1, pretty_path(path), Qt.ItemDataRole.ToolTipRole)
        self.folder_combo.insertSeparator(self.folder_combo.count())
        self.folder_combo.addItem(self.tr("Choose a folder…"), "__choose__")
        index = self.folder_combo.findData(current) if current is not None else 0
        self.folder_combo.setCurrentIndex(max(0, index))
        self.folder_combo.blockSignals(False)

    def _folder_chosen(self, _index: int) -> None:
        if self.folder_combo.currentData() == "__choose__":
            start = self.folder_combo.itemData(1) or os.path.expanduser("~")
            folder = QFileDialog.getExistingDirectory(self, self.tr("Only photos in"), start)
            if not folder:
                self.folder_combo.setCurrentIndex(0)
            else:
                folder = os.path.abspath(folder)
                if self.folder_combo.findData(folder) < 0:
                    self.folder_combo.insertItem(
                        self.folder_combo.count() - 2, icon("folder"), os.path.basename(folder) or folder, folder
                    )
                self.folder_combo.setCurrentIndex(self.folder_combo.findData(folder))
        self.run_query()

    def _date_mode_changed(self, *_args) -> None:
        custom = self.date_combo.currentData() == "custom"
        for widget in (self.date_from, self.date_dash, self.date_to):
            widget.setVisible(custom)
        self.run_query()

    # == preview ============================================================================================

    def open_preview(self, row: int) -> None:
        hit = self.model.hit(row)
        if hit is None:
            return
        self._preview_row = row
        self.grid.select_row(row)
        self.preview.show_hit(hit, row, self.model.rowCount(), self.model.has_more)
        self._show_page(self.preview)
        self.preview.setFocus()
        neighbours = [self.model.hit(r) for r in (row + 1, row - 1)]
        self.preview.prefetch([h for h in neighbours if h is not None])

    def _refresh_preview_counter(self) -> None:
        if 0 <= self._preview_row < self.model.rowCount():
            self.open_preview(self._preview_row)

    def step_preview(self, delta: int) -> None:
        count = self.model.rowCount()
        if not count:
            return
        row = max(0, min(count - 1, self._preview_row + delta))
        if delta > 0 and self._preview_row + delta >= count - 1 and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        if row != self._preview_row:
            self.open_preview(row)

    def close_preview(self) -> None:
        self._show_page(self.results_page)
        self._update_view()
        if 0 <= self._preview_row < self.model.rowCount():
            self.grid.select_row(self._preview_row)
        self.grid.setFocus()

    # == result actions =======================================================================================

    def selected_hits(self) -> list[SearchHit]:
        return [h for h in (self.model.hit(r) for r in self.grid.selected_rows()) if h is not None]

    def _context_menu(self, pos: QPoint) -> None:
        index = self.grid.indexAt(pos)
        if not index.isValid():
            return
        if not self.grid.selectionModel().isSelected(index):
            self.grid.select_row(index.row())
        hits = self.selected_hits()
        if not hits:
            return
        menu = QMenu(self)
        several = len(hits) > 1
        menu.addAction(icon("image"), self.tr("Preview"), lambda: self.open_preview(index.row()))
        menu.addAction(
            icon("open"),
            self.tr("Open {n} Photos").format(n=len(hits)) if several else self.tr("Open"),
            lambda: [open_file(h.path) for h in hits[:20]],
        )
        menu.addAction(icon("folder"), self.tr("Show in Folder"), lambda: show_in_folder(hits[0].path))
        menu.addSeparator()
        menu.addAction(self.act_copy_path)
        menu.addAction(self.act_copy_image)
        menu.addSeparator()
        menu.addAction(icon("similar"), self.tr("Find Similar"), lambda: self.find_similar(hits))
        menu.addAction(
            icon("search"),
            self.tr("Search with This Image + Text…"),
            lambda: self.find_similar(hits[:1], keep_text=True),
        )
        self._menu = menu  # tests inspect it
        menu.popup(self.grid.viewport().mapToGlobal(pos))

    def copy_selected_paths(self) -> None:
        hits = self.selected_hits()
        if hits:
            copy_paths([h.path for h in hits])
            self.flash(
                self.tr("Copied the path.") if len(hits) == 1 else self.tr("Copied {n} paths.").format(n=len(hits))
            )

    def copy_selected_image(self) -> None:
        hits = self.selected_hits()
        if not hits:
            return
        path = hits[0].path

        def done(result) -> None:
            copy_image(result[0])
            self.flash(self.tr("Copied the image."))

        self.background.submit(
            load_preview,
            path,
            on_done=done,
            owner=self,
            on_error=lambda exc: self.flash(self.tr("Could not copy the image: {e}").format(e=exc)),
        )

    def _select_all(self) -> None:
        self.grid.selectAll()

    def focus_search(self) -> None:
        if self.pages.currentWidget() is self.preview:
            self.close_preview()
        self.field.setFocus()
        self.field.selectAll()

    def _focus_grid(self) -> None:
        if self.model.rowCount():
            self.grid.setFocus()
            if not self.grid.currentIndex().isValid():
                self.grid.select_row(0)

    # == thumbnail size =========================================================================================

    def set_thumb_size(self, size: int) -> None:
        size = max(THUMB_MIN, min(THUMB_MAX, int(size)))
        if self.zoom.value() != size:
            self.zoom.setValue(size)  # calls back here
            return
        self.settings.thumb_size = size
        self.grid.set_thumb_size(size)

    def zoom_by(self, steps: int) -> None:
        self.set_thumb_size(self.zoom.value() + steps * THUMB_STEP)

    # == folders, errors, model =================================================================================

    def show_folders(self) -> None:
        if self._folders_dialog is None:
            self._folders_dialog = FoldersDialog(self.bridge, self.settings, self)
            self._folders_dialog.foldersChanged.connect(self.bridge.refresh_status)
            self._folders_dialog.finished.connect(lambda _r: setattr(self, "_folders_dialog", None))
        self._folders_dialog.show()
        self._folders_dialog.raise_()
        self._folders_dialog.activateWindow()

    def show_errors(self) -> None:
        dialog = ErrorsDialog(self.bridge, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self._errors_dialog = dialog

    def toggle_pause(self, pause: bool | None = None) -> None:
        if pause is None:
            pause = not self.bridge.paused
        if pause:
            self.bridge.pause()
        else:
            self.bridge.resume()
            if self.progress is not None and self.progress.phase == "paused":
                # The engine reports again with its next batch; show the change at once.
                working = self.progress.total and self.progress.done < self.progress.total
                self._on_progress(dataclasses.replace(self.progress, phase="indexing" if working else "idle"))

    def choose_model_folder(self) -> None:
        start = self.settings.last_dir("model") or os.path.expanduser("~")
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a folder with a CLIP model (sentence-transformers or Hugging Face format)"), start
        )
        if folder:
            self.settings.set_last_dir("model", os.path.dirname(folder))
            self.model_banner.hide()
            self.model_indicator.set_state("loading", folder)
            self.bridge.set_model_folder(folder)

    @staticmethod
    def _add_roots(folders: list[str]):
        """A worker-thread job adding folders; returns one message per folder that failed."""

        def add_all(engine) -> list[str]:
            problems = []
            for folder in folders:
                try:
                    engine.add_root(folder)
                except Exception as exc:
                    problems.append(str(exc))
            return problems

        return add_all

    def add_folders(self, folders: list[str]) -> None:
        def done(problems: list[str]) -> None:
            if problems:
                self.show_message("warning", "\n".join(problems))
            else:
                self.flash(
                    self.tr("Added {folders} to the library; indexing runs in the background.").format(
                        folders=", ".join(pretty_path(f) for f in folders)
                    )
                )
            self.bridge.refresh_status()

        self.bridge.call(self._add_roots(folders), done, owner=self)

    def _start_from_welcome(self, folders: list[str]) -> None:
        self.welcome.set_busy(True)

        def done(problems: list[str]) -> None:
            self.welcome.set_busy(False)
            if problems:
                self.show_message("warning", "\n".join(problems))
            self.bridge.refresh_status()
            self.field.setFocus()

        self.bridge.call(self._add_roots(folders), done, owner=self)

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

    # == drag and drop in ======================================================================================

    def _own_drag(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        source = event.source()
        return source is not None and (source is self.grid or self.isAncestorOf(source))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if not self._own_drag(event) and (holds_image(mime) or mime.hasUrls()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.overlay.show_over(self.pages)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self._own_drag(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def dragLeaveEvent(self, event) -> None:
        self.overlay.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        self.overlay.hide()
        if self._own_drag(event):
            event.ignore()
            return
        if self.pages.currentWidget() is self.preview:
            self.close_preview()
        folders = [
            u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile() and os.path.isdir(u.toLocalFile())
        ]
        if self.pages.currentWidget() is self.welcome:
            for folder in folders:
                self.welcome.add_folder(folder)
            event.accept()
            return
        if folders and not image_files_in(event.mimeData()):
            self.add_folders(folders)  # a folder dropped on the window joins the library
        else:
            self.use_mime(event.mimeData())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    # == closing ==============================================================================================

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
        self.settings.sort_mode = self.sort_mode
        self.settings.sync()
        self.hide()
        QApplication.processEvents()
        self.loader.shutdown()
        self.background.shutdown()
        self.preview.background.shutdown()
        self.bridge.shutdown(timeout=2.5)
        self.close_seconds = time.monotonic() - started
        event.accept()

    # == for tests and scripts ================================================================================

    def grid_paths(self) -> list[str]:
        return [h.path for h in self.model.hits()]

    def sizeHint(self) -> QSize:
        return QSize(1180, 780)
