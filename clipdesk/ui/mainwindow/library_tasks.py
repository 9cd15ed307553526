"""Library chores the window starts: folders (dialog, adding, the welcome screen's start), the
unreadable files, pausing, the model (its banner, a local folder), the About box."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..core_text import core_text
from ..errors_dialog import ErrorsDialog
from ..folders_dialog import FoldersDialog

if TYPE_CHECKING:
    from ..main_window import MainWindow


def add_roots_job(folders: list[str]) -> Callable[[Any], list[str]]:
    """A worker-thread job adding folders; returns one message per folder that failed."""

    def add_all(engine: Any) -> list[str]:
        problems = []
        for folder in folders:
            try:
                engine.add_root(folder)
            except Exception as exc:
                problems.append(core_text(str(exc)))
        return problems

    return add_all


def folder_names(folders: list[str]) -> str:
    """'“Pictures”, “Phone”': short enough for the status bar."""
    return ", ".join(f"“{os.path.basename(f.rstrip(os.sep)) or f}”" for f in folders)


class LibraryTasks(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.folders_dialog: FoldersDialog | None = None
        self.errors_dialog: ErrorsDialog | None = None

    # -- folders -------------------------------------------------------------------------------------

    def show_folders(self) -> None:
        w = self.window
        if self.folders_dialog is None:
            self.folders_dialog = FoldersDialog(w.bridge, w.settings, w)
            self.folders_dialog.foldersChanged.connect(w.bridge.refresh_status)
            self.folders_dialog.finished.connect(lambda _r: setattr(self, "folders_dialog", None))
        self.folders_dialog.show()
        self.folders_dialog.raise_()
        self.folders_dialog.activateWindow()

    def add_folders(self, folders: list[str]) -> None:
        w = self.window

        def done(problems: list[str]) -> None:
            if problems:
                w.show_message("warning", "\n".join(problems))
            else:
                text = self.tr("Added {folders} to the library; indexing runs in the background.")
                w.flash(text.format(folders=folder_names(folders)))
            w.bridge.refresh_status()

        w.bridge.call(add_roots_job(folders), done, owner=w)

    def start_from_welcome(self, folders: list[str]) -> None:
        w = self.window
        w.welcome.set_busy(True)

        def done(problems: list[str]) -> None:
            w.welcome.set_busy(False)
            if problems:
                w.show_message("warning", "\n".join(problems))
            w.bridge.refresh_status()
            w.field.setFocus()

        w.bridge.call(add_roots_job(folders), done, owner=w)

    # -- indexing --------------------------------------------------------------------------------------

    def show_errors(self) -> None:
        dialog = ErrorsDialog(self.window.bridge, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.errors_dialog = dialog

    def toggle_pause(self, pause: bool | None = None) -> None:
        w = self.window
        if pause is None:
            pause = not w.bridge.paused
        if pause:
            w.bridge.pause()
            return
        w.bridge.resume()
        progress = w.progress
        if progress is not None and progress.phase == "paused":
            # The engine reports again with its next batch; show the change at once.
            working = progress.total and progress.done < progress.total
            w.show_progress(dataclasses.replace(progress, phase="indexing" if working else "idle"))

    def indexing_blocked(self) -> None:
        self.window.show_message(
            "warning",
            self.tr(
                "Another clipdesk (perhaps `clipdesk index` in a terminal) is indexing this library. This window "
                "can search, but it only picks up new photos after a restart once the other one is done."
            ),
        )

    # -- the model -------------------------------------------------------------------------------------

    def choose_model_folder(self) -> None:
        w = self.window
        start = w.settings.last_dir("model") or os.path.expanduser("~")
        folder = QFileDialog.getExistingDirectory(
            w, self.tr("Choose a folder with a CLIP model (sentence-transformers or Hugging Face format)"), start
        )
        if folder:
            w.settings.set_last_dir("model", os.path.dirname(folder))
            w.model_banner.hide()
            w.model_indicator.set_state("loading", folder)
            w.bridge.set_model_folder(folder)

    def show_model_state(self, state: str, detail: str) -> None:
        """The banner over the photos while the model downloads or cannot be had."""
        banner = self.window.model_banner
        if state == "downloading":
            banner.show_message(
                "info",
                self.tr("Downloading the search model"),
                self.tr(
                    "clipdesk needs its CLIP model once (about 600 MB); it is stored on this computer afterwards. "
                    "Indexing starts when the download is done."
                ),
                busy=True,
                closable=False,
            )
        elif state == "unavailable":
            actions = [
                (self.tr("Choose a local model folder…"), self.choose_model_folder),
                (self.tr("Try again"), self.window.bridge.load_model),
            ]
            banner.show_message("error", self.tr("The search model is not available"), detail, actions, closable=False)
        elif state == "ready" or banner.level != "info" or not banner.busy.isVisible():
            banner.hide()  # loading: the status bar says so; no banner for a few seconds' wait

    def show_text_model_state(self, state: str, detail: str) -> None:
        """The multilingual model's banner: loaded by the first query in another language than English."""
        banner = self.window.text_model_banner
        if state == "downloading":
            banner.show_message(
                "info",
                self.tr("Downloading the multilingual text model"),
                self.tr(
                    "Searching in languages other than English needs it once (about 540 MB); it is stored on this "
                    "computer afterwards. English searches work meanwhile."
                ),
                busy=True,
                closable=False,
            )
        elif state == "unavailable":
            actions = [(self.tr("Search in English only"), self._english_only)]
            banner.show_message("error", self.tr("The multilingual text model is not available"), detail, actions)
        elif state == "ready" or not banner.busy.isVisible():
            banner.hide()
        loading = self.tr("Loading the multilingual text model…")
        if state == "loading":
            self.window.flash(loading, 30.0)
        elif self.window.status_bar.flash_label.text() == loading:
            self.window.flash("", 0.1)  # loaded, or failed (its banner says so)

    def _english_only(self) -> None:
        self.window.text_model_banner.hide()
        self.window.commands.languages.set_query_languages("english")

    def show_about(self) -> None:
        from ... import __version__ as version

        engine = self.window.bridge.engine
        QMessageBox.about(
            self.window,
            self.tr("About clipdesk"),
            self.tr(
                "<h3>clipdesk {version}</h3><p>Search your own photos by meaning, fully offline.</p>"
                "<p>Library: {data}<br>Model: {model}</p>"
            ).format(
                version=version, data=engine.data_dir if engine else "–", model=engine.model_id if engine else "–"
            ),
        )
