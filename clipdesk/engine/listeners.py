"""Listener callbacks: how the CLI and the GUI hear what the engine's worker is doing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..pipeline import Changes, Progress

log = logging.getLogger(__name__)


@dataclass
class Listener:
    """Callbacks, called from the worker thread. Any may be left out."""

    progress: Callable[[Progress], None] | None = None
    changes: Callable[[Changes], None] | None = None
    message: Callable[[str, str], None] | None = None  # (level, text)
    model_state: Callable[[str, str], None] | None = None  # (state, detail): loading|ready|unavailable
    # (state, message): disk_full | read_only (indexing paused, nothing lost) | ok (resumed)
    disk: Callable[[str, str], None] | None = None


class Listeners:
    """Calls every listener's callback; one listener's bug never stops the others or the worker."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self.last_progress = Progress("idle")

    def add(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, name: str, *args: object) -> None:
        for listener in list(self._listeners):
            callback = getattr(listener, name)
            if callback is not None:
                try:
                    callback(*args)
                except Exception:
                    log.exception("listener %s failed", name)

    def progress(self, progress: Progress) -> None:
        self.last_progress = progress
        self._emit("progress", progress)

    def changes(self, changes: Changes) -> None:
        self._emit("changes", changes)

    def message(self, level: str, text: str) -> None:
        getattr(log, "warning" if level in ("warning", "error") else "info")("%s", text)
        self._emit("message", level, text)

    def model_state(self, state: str, detail: str) -> None:
        self._emit("model_state", state, detail)

    def disk(self, state: str, message: str) -> None:
        self._emit("disk", state, message)
