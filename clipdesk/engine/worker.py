"""The one worker primitive: background threads running typed jobs from a queue, in order.

Every job gets a cancellation token and ends in exactly one of three ways, reported the same
way for every kind of job: done (`on_done(job, result)`), cancelled, or failed with a message a
person can read (both `on_failed(JobFailure)`). The engine's indexing worker runs on it, and so
do the app's background tasks, searches and model loads (the Qt side only turns the callbacks
into queued signals). It never imports Qt.

Daemon threads, not concurrent.futures: a model load or a slow disk in flight must never hold
the process open after the window has closed or the command has finished.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

J = TypeVar("J")


class Cancelled(Exception):
    """Raised inside a job that noticed its token was cancelled."""


class CancelToken:
    """Set once by whoever wants the job to stop; the job looks at it between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise Cancelled if the job should stop now."""
        if self._event.is_set():
            raise Cancelled()

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking early (True) on cancellation."""
        return self._event.wait(timeout)


@dataclass(frozen=True)
class JobFailure:
    """A job that did not finish: cancelled, or stopped by `error` (with `message` for people)."""

    job: Any
    message: str
    error: BaseException | None = None
    cancelled: bool = False


def user_message(error: BaseException) -> str:
    """What went wrong, in a line: the error's own words, with its kind when that helps."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass(frozen=True)
class Idle:
    """Call `callback` after `seconds()` with nothing to do (0 or less: never)."""

    seconds: Callable[[], float]
    callback: Callable[[], None]


_CLOSE = object()


class Worker(Generic[J]):
    """`threads` daemon threads calling `run(job, token)` for each submitted job."""

    def __init__(
        self,
        name: str,
        run: Callable[[J, CancelToken], Any],
        *,
        threads: int = 1,
        on_done: Callable[[J, Any], None] | None = None,
        on_failed: Callable[[JobFailure], None] | None = None,
        cancelled_by: tuple[type[BaseException], ...] = (),
        idle: Idle | None = None,
    ) -> None:
        self.name = name
        self._run = run
        self._on_done = on_done
        self._on_failed = on_failed
        # Exceptions that mean "stopped because asked to" (e.g. the pipeline's own Cancelled).
        self._cancelled_by: tuple[type[BaseException], ...] = (Cancelled, *cancelled_by)
        self._idle = idle
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._running: set[CancelToken] = set()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._loop, name=name if threads == 1 else f"{name}-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    # -- any thread ------------------------------------------------------------------------------

    def submit(self, job: J, *, replace: bool = False) -> CancelToken:
        """Queue a job; `replace` first cancels every job still queued (newest wins)."""
        token = CancelToken()
        dropped: list[J] = []
        with self._lock:
            closed = self._closed
            if not closed:
                if replace:
                    dropped = self._cancel_queued_locked()
                self._queue.put((job, token))
        for old in dropped:
            self._report_failure(JobFailure(old, "cancelled", cancelled=True))
        if closed:
            token.cancel()
            self._report_failure(JobFailure(job, "cancelled", cancelled=True))
        return token

    def take_queued(self) -> list[J]:
        """Remove and return the jobs still queued (a running job merges them into its own work)."""
        with self._lock:
            return [job for job, token in self._drain_locked() if not token.cancelled]

    def cancel_queued(self) -> None:
        """Cancel the jobs that have not started (each is reported as cancelled)."""
        with self._lock:
            dropped = self._cancel_queued_locked()
        for job in dropped:
            self._report_failure(JobFailure(job, "cancelled", cancelled=True))

    def cancel(self) -> None:
        """Cancel the queued jobs and ask the running ones to stop."""
        self.cancel_queued()
        with self._lock:
            running = list(self._running)
        for token in running:
            token.cancel()

    @property
    def busy(self) -> bool:
        """A job is running or queued."""
        with self._lock:
            return bool(self._running) or self._queue.qsize() > 0

    def close(self) -> None:
        """Cancel everything and let the threads end; returns at once (see join)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.cancel()
        for _ in self._threads:
            self._queue.put(_CLOSE)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the threads to end (after close); True if they all did."""
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        return not any(t.is_alive() for t in self._threads if t is not threading.current_thread())

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the worker threads ------------------------------------------------------------------------

    def _drain_locked(self) -> list[tuple[J, CancelToken]]:
        items: list[tuple[J, CancelToken]] = []
        closes = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _CLOSE:
                closes += 1
            else:
                items.append(item)
        for _ in range(closes):  # the close markers stay, for the threads to see
            self._queue.put(_CLOSE)
        return items

    def _cancel_queued_locked(self) -> list[J]:
        dropped = self._drain_locked()
        for _job, token in dropped:
            token.cancel()
        return [job for job, _token in dropped]

    def _next(self) -> Any:
        while True:
            idle_s = self._idle.seconds() if self._idle is not None else 0.0
            try:
                return self._queue.get(timeout=idle_s if idle_s > 0 else None)
            except queue.Empty:
                if self._idle is not None and not self._closed:
                    try:
                        self._idle.callback()
                    except Exception:
                        log.exception("%s: idle work failed", self.name)

    def _loop(self) -> None:
        while True:
            item = self._next()
            if item is _CLOSE:
                return
            job, token = item
            if token.cancelled:
                self._report_failure(JobFailure(job, "cancelled", cancelled=True))
                continue
            with self._lock:
                self._running.add(token)
            try:
                result = self._run(job, token)
            except self._cancelled_by:
                self._report_failure(JobFailure(job, "cancelled", cancelled=True))
            except Exception as exc:
                log.debug("%s: %r failed", self.name, job, exc_info=True)
                if token.cancelled:  # e.g. the catalog interrupted under it by close(): a stop, not a failure
                    self._report_failure(JobFailure(job, "cancelled", cancelled=True))
                else:
                    self._report_failure(JobFailure(job, user_message(exc), exc))
            else:
                self._report(self._on_done, job, result)
            finally:
                with self._lock:
                    self._running.discard(token)

    def _report_failure(self, failure: JobFailure) -> None:
        if self._on_failed is None:
            if not failure.cancelled:
                log.error("%s: %r failed: %s", self.name, failure.job, failure.message, exc_info=failure.error)
            return
        self._report(self._on_failed, failure)

    def _report(self, callback: Callable[..., None] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a listener's bug must not end the worker
            log.exception("%s: reporting a job's result failed", self.name)
