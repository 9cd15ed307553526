"""Library chores the window starts: adding folders, choosing a model folder, the model's banner."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

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
                problems.append(str(exc))
        return problems

    return add_all


def choose_model_folder(window: MainWindow) -> None:
    settings = window.settings
    start = settings.last_dir("model") or os.path.expanduser("~")
    folder = QFileDialog.getExistingDirectory(
        window,
        window.tr("Choose a folder with a CLIP model (sentence-transformers or Hugging Face format)"),
        start,
    )
    if folder:
        settings.set_last_dir("model", os.path.dirname(folder))
        window.model_banner.hide()
        window.model_indicator.set_state("loading", folder)
        window.bridge.set_model_folder(folder)


def show_model_state(window: MainWindow, state: str, detail: str) -> None:
    """The banner over the photos while the model downloads or cannot be had."""
    banner = window.model_banner
    tr = window.tr
    if state == "downloading":
        banner.show_message(
            "info",
            tr("Downloading the search model"),
            tr(
                "clipdesk needs its CLIP model once (about 600 MB); it is stored on this computer afterwards. "
                "Indexing starts when the download is done."
            ),
            busy=True,
            closable=False,
        )
    elif state == "unavailable":
        banner.show_message(
            "error",
            tr("The search model is not available"),
            detail,
            [
                (tr("Choose a local model folder…"), window.choose_model_folder),
                (tr("Try again"), window.bridge.load_model),
            ],
            closable=False,
        )
    elif state == "ready":
        banner.hide()
    elif banner.level != "info" or not banner.busy.isVisible():
        banner.hide()  # loading: the status bar says so; no banner for a few seconds' wait
