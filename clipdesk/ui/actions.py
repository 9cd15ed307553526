"""The window's actions: menus and shortcuts, the photos' context menu, copying to the clipboard.

`WindowActions` builds every QAction once and calls the window's public methods; it owns no state
of its own beyond the actions and the last context menu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from .file_actions import copy_image, copy_paths, open_file, show_in_folder
from .icons import icon
from .mainwindow.language_menus import LanguageMenus
from .preview import load_preview
from .settings import THUMB_DEFAULT

# Called by its full name so that pyside6-lupdate finds every text with its context.
translate = QCoreApplication.translate

if TYPE_CHECKING:
    from .main_window import MainWindow

Shortcut = QKeySequence | QKeySequence.StandardKey | list[QKeySequence] | None
OPEN_AT_MOST = 20  # "Open" on a big selection opens this many viewers, not hundreds


class WindowActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.menu: QMenu | None = None  # the last context menu (tests and screenshots look at it)
        w = window
        self.search_image = self._action(
            translate("WindowActions", "Search by &Image…"),
            w.search.choose_query_image,
            QKeySequence.StandardKey.Open,
            "image",
        )
        self.paste = self._action(
            translate("WindowActions", "&Paste Image as Search"), w.search.paste_query, QKeySequence.StandardKey.Paste
        )
        self.quit = self._action(translate("WindowActions", "&Quit"), w.close, QKeySequence.StandardKey.Quit)
        self.copy_image = self._action(
            translate("WindowActions", "&Copy Image"), self.copy_selected_image, QKeySequence.StandardKey.Copy, "copy"
        )
        self.copy_path = self._action(
            translate("WindowActions", "Copy &Path"), self.copy_selected_paths, QKeySequence("Ctrl+Shift+C")
        )
        self.select_all = self._action(
            translate("WindowActions", "Select &All"),
            lambda: w.current_view().grid.selectAll(),
            QKeySequence.StandardKey.SelectAll,
        )
        self.find = self._action(
            translate("WindowActions", "&Find"),
            w.search.focus_search,
            [QKeySequence(QKeySequence.StandardKey.Find), QKeySequence("Ctrl+L")],
            "search",
        )
        zoom_in = [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")]
        self.zoom_in = self._action(translate("WindowActions", "Zoom &In"), lambda: w.zoom_by(1), zoom_in)
        self.zoom_out = self._action(
            translate("WindowActions", "Zoom &Out"),
            lambda: w.zoom_by(-1),
            QKeySequence(QKeySequence.StandardKey.ZoomOut),
        )
        self.zoom_reset = self._action(
            translate("WindowActions", "&Normal Size"), lambda: w.set_thumb_size(THUMB_DEFAULT), QKeySequence("Ctrl+0")
        )
        self.sidebar = self._action(
            translate("WindowActions", "Show &Sidebar"),
            lambda: w.sidebar.set_collapsed(w.sidebar.collapsed is False),
            QKeySequence("Ctrl+B"),
        )
        self.sidebar.setCheckable(True)
        self.sidebar.setChecked(True)
        self.views = {
            "library": self._action(
                translate("WindowActions", "&Library"),
                lambda: w.show_view("library"),
                QKeySequence("Ctrl+1"),
                "library",
            ),
            "search": self._action(
                translate("WindowActions", "Search &Results"),
                lambda: w.show_view("search"),
                QKeySequence("Ctrl+2"),
                "search",
            ),
            "things": self._action(
                translate("WindowActions", "&Things"),
                lambda: w.show_view("things"),
                QKeySequence("Ctrl+3"),
                "tag",
            ),
            "duplicates": self._action(
                translate("WindowActions", "&Duplicates"),
                lambda: w.show_view("duplicates"),
                QKeySequence("Ctrl+4"),
                "copy",
            ),
        }
        self.new_album = self._action(
            translate("WindowActions", "New &Album…"), lambda: w.labels_flow.new_album(), None, "album"
        )
        self.folders = self._action(translate("WindowActions", "&Folders…"), w.tasks.show_folders, None, "folder")
        self.errors = self._action(translate("WindowActions", "&Unreadable Files…"), w.tasks.show_errors)
        self.pause = self._action(translate("WindowActions", "&Pause Indexing"), lambda: w.tasks.toggle_pause())
        self.pause.setEnabled(False)
        self.model_folder = self._action(
            translate("WindowActions", "Choose a Local &Model Folder…"), w.tasks.choose_model_folder
        )
        self.about = self._action(translate("WindowActions", "&About clipdesk"), w.tasks.show_about)
        safety = w.data_safety
        self.back_up = self._action(translate("WindowActions", "&Back Up Now"), safety.back_up_now)
        self.restore = self._action(translate("WindowActions", "&Restore a Backup…"), safety.restore_backup)
        self.move_data = self._action(translate("WindowActions", "Mo&ve the Data Folder…"), safety.choose_move)
        self.open_data = self._action(translate("WindowActions", "Open the &Data Folder"), safety.open_data_folder)
        self.library_location = self._action(
            translate("WindowActions", "Library L&ocation…"), w.library_location.choose, None, "library"
        )
        self.sort: dict[str, QAction] = {}
        self._build_menus()

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Shortcut = None, icon_name: str = "") -> QAction:
        act = QAction(text, self.window)
        if icon_name:
            act.setIcon(icon(icon_name))
        if isinstance(shortcut, list):
            act.setShortcuts(shortcut)
        elif shortcut is not None:
            act.setShortcut(shortcut)
        act.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(act)  # shortcuts work while the menu bar is hidden too
        return act

    def _build_menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        file_menu = bar.addMenu(translate("WindowActions", "&File"))
        file_menu.addActions([self.search_image, self.paste])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)

        edit = bar.addMenu(translate("WindowActions", "&Edit"))
        edit.addActions([self.copy_image, self.copy_path, self.select_all])
        edit.addSeparator()
        edit.addAction(self.find)

        view = bar.addMenu(translate("WindowActions", "&View"))
        view.addActions(list(self.views.values()))
        view.addAction(self.sidebar)
        view.addSeparator()
        view.addActions([self.zoom_in, self.zoom_out, self.zoom_reset])
        view.addSeparator()
        group = QActionGroup(w)
        combo = w.filter_bar.sort_combo
        for i in range(combo.count()):
            key = combo.itemData(i)
            act = QAction(combo.itemText(i), w, checkable=True)
            act.setChecked(key == w.filter_bar.sort_mode)
            act.triggered.connect(lambda _=False, k=key: w.search.set_sort_mode(k))
            group.addAction(act)
            view.addAction(act)
            self.sort[key] = act

        library = bar.addMenu(translate("WindowActions", "&Library"))
        library.addActions([self.folders, self.errors, self.pause])
        library.addAction(self.new_album)
        library.addSeparator()
        library.addAction(self.model_folder)
        library.addSeparator()
        library.addActions([self.back_up, self.restore, self.move_data, self.open_data])
        library.addAction(self.library_location)
        self.languages = LanguageMenus(w, view, library)
        bar.addMenu(translate("WindowActions", "&Help")).addAction(self.about)

    def attach_to_grid(self, grid: Any) -> None:
        """Copy and Select All act on the grid only while it has focus: the search field keeps its own."""
        for act in (self.copy_image, self.copy_path, self.select_all):
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            grid.addAction(act)

    # -- the photos' context menu ---------------------------------------------------------------------

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The menu for the photo under `pos` (grid viewport coordinates) and the rest of the selection."""
        w = self.window
        view = w.current_view()
        grid = view.grid
        index = grid.indexAt(pos)
        if not index.isValid():
            return None
        if not grid.selectionModel().isSelected(index):
            grid.select_row(index.row())
        hits = view.selected_hits()
        if not hits:
            return None
        menu = QMenu(w)
        several = len(hits) > 1
        opened = min(len(hits), OPEN_AT_MOST)  # only used when several: no singular form needed
        menu.addAction(icon("image"), translate("WindowActions", "Preview"), lambda: w.preview_flow.open(index.row()))
        menu.addAction(
            icon("open"),
            translate("WindowActions", "Open %n Photos", "", opened) if several else translate("WindowActions", "Open"),
            lambda: [open_file(h.path) for h in hits[:OPEN_AT_MOST]],
        )
        menu.addAction(
            icon("folder"), translate("WindowActions", "Show in Folder"), lambda: show_in_folder(hits[0].path)
        )
        menu.addSeparator()
        menu.addActions([self.copy_path, self.copy_image])
        menu.addSeparator()
        menu.addAction(icon("similar"), translate("WindowActions", "Find Similar"), lambda: w.search.find_similar(hits))
        menu.addAction(
            icon("search"),
            translate("WindowActions", "Search with This Image + Text…"),
            lambda: w.search.find_similar(hits[:1], keep_text=True),
        )
        self.menu = menu
        return menu

    def popup_context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.window.current_view().grid.viewport().mapToGlobal(pos))

    # -- clipboard ------------------------------------------------------------------------------------

    def copy_selected_paths(self) -> None:
        w = self.window
        hits = w.current_view().selected_hits()
        if hits:
            copy_paths([h.path for h in hits])
            n = len(hits)
            w.flash(
                translate("WindowActions", "Copied the path.")
                if n == 1
                else translate("WindowActions", "Copied %n paths.", "", n)
            )

    def copy_selected_image(self) -> None:
        w = self.window
        hits = w.current_view().selected_hits()
        if not hits:
            return

        def done(result: Any) -> None:
            copy_image(result[0])
            w.flash(translate("WindowActions", "Copied the image."))

        w.background.submit(
            load_preview,
            hits[0].path,
            on_done=done,
            owner=w,
            on_error=lambda exc: w.flash(translate("WindowActions", "Could not copy the image: {e}").format(e=exc)),
        )
