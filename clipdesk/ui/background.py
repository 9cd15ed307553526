"""Run blocking work off the GUI thread and get the result back on it.

Daemon threads (not concurrent.futures) so a model load or a slow disk in flight can never
hold the process open after the window has closed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

_STOP = object()


class Background(QObject):
    """A small pool of daemon threads. `submit` returns at once; `on_done(result)` or
    `on_error(exc)` run later on the thread this object lives on (the GUI thread)."""

    # (on_done, on_error, owner, result, error): emitted on a worker thread, delivered queued.
    _finished = Signal(object, object, object, object, object)
    failed = Signal(str)  # an error nobody asked to handle: shown to the user, never silent

    def __init__(self, workers: int = 2, name: str = "clipdesk-ui", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._closed = False
        self._finished.connect(self._deliver)
        self._threads = [threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True) for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """`owner`: a widget the callbacks belong to; if it is gone by then, they are skipped."""
        if not self._closed:
            self._jobs.put((fn, args, on_done, on_error, owner))

    def clear(self) -> None:
        """Drop queued jobs that have not started."""
        try:
            while True:
                self._jobs.get_nowait()
        except queue.Empty:
            pass

    def shutdown(self) -> None:
        self._closed = True
        self.clear()
        for _ in self._threads:
            self._jobs.put(_STOP)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            fn, args, on_done, on_error, owner = job
            try:
                result, error = fn(*args), None
            except Exception as exc:  # reported on the GUI thread
                result, error = None, exc
            if self._closed:
                continue
            try:
                self._finished.emit(on_done, on_error, owner, result, error)
            except RuntimeError:  # this object was deleted under us at exit
                return

    @Slot(object, object, object, object, object)
    def _deliver(self, on_done, on_error, owner, result, error) -> None:
        if self._closed:
            return
        if owner is not None and not shiboken6.isValid(owner):
            return
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("background task failed", exc_info=error)
                self.failed.emit(f"{type(error).__name__}: {error}")
        elif on_done is not None:
            on_done(result)
