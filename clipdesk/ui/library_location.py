"""Where the window's library is: Library ▸ Library Location…, and a shared server that is down.

A server that cannot be reached at start (or after a switch) is a state of the window, not a
failure: the middle of the window says so, with the server's address (never the password), that
nothing is lost, Retry (off the GUI thread, through the bridge's lifecycle worker) and "Use this
computer's library". Switching closes the engine and opens it again on the other library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject

from .empty_choice import RETRY_LIBRARY, USE_LOCAL_LIBRARY
from .library_location_dialog import LibraryLocationDialog, server_address, store_library, stored_library

if TYPE_CHECKING:
    from .main_window import MainWindow

# Called by its full name so that pyside6-lupdate finds every text with its context.
translate = QCoreApplication.translate


class LibraryLocation(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = bridge = window.bridge
        self.unreachable = ""  # the server's address while it cannot be reached
        self.retrying = False
        self.dialog: LibraryLocationDialog | None = None  # the open dialog (tests and screenshots use it)
        bridge.libraryUnreachable.connect(self._unreachable)
        bridge.engineReady.connect(self._opened)
        bridge.engineFailed.connect(lambda _why: self._opened())

    def empty_actions(self) -> dict[str, Callable[[], None]]:
        """The unreachable page's buttons (clipdesk.ui.empty_choice)."""
        return {RETRY_LIBRARY: self.retry, USE_LOCAL_LIBRARY: self.use_this_computer}

    # -- a server that cannot be reached ----------------------------------------------------------------

    def _unreachable(self, where: str, _why: str) -> None:
        self.unreachable, self.retrying = where, False
        self.window.model_indicator.set_state("no_library", where)  # not "Loading model…": nothing is loading
        self.window.update_view()

    def _opened(self) -> None:
        if self.unreachable or self.retrying:
            self.unreachable, self.retrying = "", False
            self.window.update_view()

    def retry(self) -> None:
        if self.retrying:
            return
        self.retrying = True
        self.window.update_view()
        self.bridge.retry_open()

    def use_this_computer(self) -> None:
        store_library(self.window.settings.q, "")
        self.switch("")

    # -- Library ▸ Library Location… -------------------------------------------------------------------------

    def choose(self) -> None:
        current = stored_library(self.window.settings.q) or (self.bridge.library or "")
        dialog = LibraryLocationDialog(current, self.window)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._chosen(dialog.chosen_url()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _chosen(self, url: str) -> None:
        store_library(self.window.settings.q, url)
        if url != (self.bridge.library or "") or self.unreachable:  # the same server while down: a retry
            self.switch(url)

    def switch(self, url: str) -> None:
        """Close the engine and open `url`'s library ("" for this computer's); the window starts over."""
        w = self.window
        self.unreachable, self.retrying = "", False
        w.status, w.progress, w.failed = None, None, ""
        w.flash(
            translate("LibraryLocation", "Opening the shared library on {server}…").format(server=server_address(url))
            if url
            else translate("LibraryLocation", "Opening this computer's library…")
        )
        self.bridge.use_library(url)
        w.update_view()
