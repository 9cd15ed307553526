"""Things and smart albums in the window: opening a label (from a tile or the preview), the albums
in the sidebar (kept live on the bridge's `changes`), "New album…" and removing one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from ..album_dialog import AlbumDialog, AlbumRequest
from ..photo_labels import PhotoLabels

if TYPE_CHECKING:
    from ..main_window import MainWindow

ALBUMS_AFTER_MS = 1500  # new photos: the albums' counts are read again once indexing pauses this long


class LabelsFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.albums: dict[str, Any] = {}  # name -> AlbumInfo, as last read
        self.dialog: AlbumDialog | None = None
        self.query_labels: PhotoLabels | None = None  # "What's in this photo" for the search's picture
        self._refresh = QTimer(self, singleShot=True, interval=ALBUMS_AFTER_MS)
        self._refresh.timeout.connect(self.refresh_albums)

    # -- labels -----------------------------------------------------------------------------------------

    def open_label(self, label_id: str, name: str) -> None:
        """Things with this label opened: the label becomes the filter bar's chip."""
        w = self.window
        w.filter_bar.set_label(label_id, name)  # a search on show reruns within it (and may show itself)
        w.show_view("things")

    def query_changed(self, _keep_text: bool = False) -> None:
        """A picture searched with (dropped, pasted, chosen; in the library or not): what is in it, above the
        results, each label a link."""
        w = self.window
        value = w.query.value
        if self.query_labels is None:
            self.query_labels = PhotoLabels(w.banners)
            self.query_labels.set_bridge(w.bridge)
            self.query_labels.labelClicked.connect(self.open_label)
            w.banners.layout().addWidget(self.query_labels)
        if value is None or isinstance(value, tuple):
            self.query_labels.hide()
        else:
            self.query_labels.show_for(value)

    # -- albums -----------------------------------------------------------------------------------------

    def library_changed(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def refresh_albums(self) -> None:
        def done(albums: list[Any]) -> None:
            self.albums = {a.name: a for a in albums}
            self.window.sidebar.set_albums(sorted(self.albums, key=str.casefold))

        self.window.bridge.call(lambda e: e.albums(), done, self._failed, owner=self)

    def open_album(self, name: str) -> None:
        info = self.albums.get(name)
        self.window.album_view.set_album(name, info.strictness if info is not None else 0.5)

    def new_album(self) -> AlbumDialog:
        """Open the dialog (not modal: the window keeps painting); the album is computed once it is accepted."""
        w = self.window
        selected = [h.path for h in w.current_view().selected_hits()]
        dialog = AlbumDialog(selected, w)
        dialog.accepted.connect(lambda: self.create(dialog.request()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def create(self, request: AlbumRequest, confirm: bool = True) -> None:
        w = self.window
        if confirm and request.name in self.albums:  # the engine redefines an album of that name: ask first
            answer = QMessageBox.question(
                w,
                self.tr("Replace album"),
                self.tr("An album named “{name}” already exists. Replace its description and examples?").format(
                    name=request.name
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        w.flash(self.tr("Creating the album “{name}”…").format(name=request.name))

        def run(engine: Any) -> Any:
            return engine.add_album(request.name, request.text, request.examples, request.counter_examples)

        def done(info: Any) -> None:
            n = info.count  # a plain name for pyside6-lupdate's plural
            w.flash(self.tr("Album “{name}” created: %n photo(s)", "", n).format(name=info.name))
            self.albums[info.name] = info
            w.sidebar.set_albums(sorted(self.albums, key=str.casefold))
            w.show_view("album:" + info.name)
            self.refresh_albums()

        def failed(exc: BaseException) -> None:
            w.show_message("error", self.tr("The album could not be created: {error}").format(error=exc))

        w.bridge.call(run, done, failed, owner=self)

    def remove_album(self, name: str, confirm: bool = True) -> None:
        w = self.window
        if confirm:
            answer = QMessageBox.question(
                w,
                self.tr("Remove album"),
                self.tr("Remove the album “{name}”? Its photos stay in your library.").format(name=name),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return

        def done(_removed: Any) -> None:
            self.albums.pop(name, None)
            w.sidebar.set_albums(sorted(self.albums, key=str.casefold))
            w.show_view("library")

        w.bridge.call(lambda e: e.remove_album(name), done, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.window.show_message("error", self.tr("The albums could not be read: {error}").format(error=exc))
