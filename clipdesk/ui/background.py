"""Run blocking work off the GUI thread and get the result back on it.

Built on the one worker primitive (clipdesk.engine.worker): this class only turns its
callbacks, which run on a worker thread, into a queued signal delivered on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from ..engine.worker import CancelToken, JobFailure, Worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One piece of blocking work and who wants its answer."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    owner: QObject | None = None  # a widget the callbacks belong to; if it is gone by then, they are skipped


def _run(call: Call, _token: CancelToken) -> Any:
    return call.fn(*call.args)


class Background(QObject):
    """A few daemon threads. `submit` returns at once; `on_done(result)` or `on_error(exc)` run
    later on the thread this object lives on (the GUI thread)."""

    # (call, result, failure): emitted on a worker thread, delivered queued.
    _finished = Signal(object, object, object)
    failed = Signal(str)  # an error nobody asked to handle: shown to the user, never silent

    def __init__(self, workers: int = 2, name: str = "clipdesk-ui", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._finished.connect(self._deliver)
        self._worker: Worker[Call] = Worker(
            name, _run, threads=workers, on_done=self._job_done, on_failed=self._job_failed
        )

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
            self._worker.submit(Call(fn, args, on_done, on_error, owner))

    def clear(self) -> None:
        """Drop queued jobs that have not started."""
        self._worker.cancel_queued()

    def shutdown(self) -> None:
        self._closed = True
        self._worker.close()

    # -- worker threads ------------------------------------------------------------------------------

    def _job_done(self, call: Call, result: Any) -> None:
        self._emit(call, result, None)

    def _job_failed(self, failure: JobFailure) -> None:
        if not failure.cancelled:  # dropped on purpose (clear, shutdown): nobody waits for it
            self._emit(failure.job, None, failure)

    def _emit(self, call: Call, result: Any, failure: JobFailure | None) -> None:
        if self._closed:
            return
        try:
            self._finished.emit(call, result, failure)
        except RuntimeError:  # this object was deleted under us at exit
            pass

    # -- GUI thread ----------------------------------------------------------------------------------

    @Slot(object, object, object)
    def _deliver(self, call: Call, result: Any, failure: JobFailure | None) -> None:
        if self._closed:
            return
        if call.owner is not None and not shiboken6.isValid(call.owner):
            return
        if failure is not None:
            if call.on_error is not None:
                call.on_error(failure.error or RuntimeError(failure.message))
            else:
                log.error("background task failed: %s", failure.message, exc_info=failure.error)
                self.failed.emit(failure.message)
        elif call.on_done is not None:
            call.on_done(result)
