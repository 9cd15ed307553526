"""Things dropped on the window: photos become the search, folders join the library
(or the welcome screen's list); the window's own drags out are ignored."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

from ..search_bar import holds_image, image_files_in


class DropTarget:
    """Mixed into the main window (before QMainWindow)."""

    def _own_drag(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        window: Any = self
        source = event.source()
        return source is not None and window.isAncestorOf(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        window: Any = self
        mime = event.mimeData()
        if not self._own_drag(event) and (holds_image(mime) or mime.hasUrls()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            window.overlay.show_over(window.pages)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self._own_drag(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()

    def dragLeaveEvent(self, event: Any) -> None:
        window: Any = self
        window.overlay.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        window: Any = self
        window.overlay.hide()
        if self._own_drag(event):
            event.ignore()
            return
        if window.preview_flow.showing:
            window.preview_flow.close()
        mime = event.mimeData()
        folders = [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and os.path.isdir(u.toLocalFile())]
        if window.pages.currentWidget() is window.welcome:
            for folder in folders:
                window.welcome.add_folder(folder)
        elif folders and not image_files_in(mime):
            window.tasks.add_folders(folders)  # a folder dropped on the window joins the library
        else:
            window.query.use_mime(mime)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
