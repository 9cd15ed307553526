"""Watch roots with watchdog and hand settled paths to the indexer.

Events are only hints: each path is re-checked on disk once its size and mtime have stopped
changing, and a flood of events (or an observer failure) turns into a reconcile scan.
"""
from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..catalog import Root
from ..pipeline.scan import is_candidate_name, is_skipped_dir

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    first_seen: float
    last_event: float
    stat: tuple[int, int] | None = None  # (size, mtime_ns) at the last check; None: missing
    checked_at: float = 0.0  # 0: never checked


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "FolderWatcher") -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = os.fsdecode(raw)
            name = os.path.basename(path)
            if event.is_directory:
                if not is_skipped_dir(name):
                    self.watcher.hint(path)
            elif is_candidate_name(name):
                self.watcher.hint(path)


class FolderWatcher:
    """One observer per root. `on_paths` gets sets of settled paths; `on_rescan` a root
    path (or None for all) when events were lost."""

    def __init__(
        self,
        on_paths: Callable[[set[str]], None],
        on_rescan: Callable[[str | None], None],
        *,
        settle_s: float = 1.0,
        max_pending: int = 50_000,
        on_warning: Callable[[str], None] | None = None,
        observer_factory: Callable[[], object] = Observer,
        poll_interval_s: float = 2.0,
    ) -> None:
        self.on_paths = on_paths
        self.on_rescan = on_rescan
        self.on_warning = on_warning or (lambda msg: log.warning("%s", msg))
        self.settle_s = settle_s
        self.max_pending = max_pending
        self.observer_factory = observer_factory
        self.poll_interval_s = poll_interval_s
        self.modes: dict[str, str] = {}  # root path -> watching | polling | offline
        self._observers: dict[str, object] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._overflowed = False

    # -- roots ---------------------------------------------------------------------------------

    def watch(self, roots: list[Root]) -> dict[str, str]:
        wanted = {r.path for r in roots if r.enabled}
        for path in list(self._observers):
            if path not in wanted:
                self._unwatch(path)
        for path in sorted(wanted):
            if path in self._observers and self._observer_alive(path):
                continue
            self._unwatch(path)
            self._watch_one(path)
        if self._thread is None:
            self._thread = threading.Thread(target=self._settle_loop, name="clipdesk-watch", daemon=True)
            self._thread.start()
        return dict(self.modes)

    def _watch_one(self, path: str) -> None:
        if not os.path.isdir(path):
            self.modes[path] = "offline"
            return
        handler = _Handler(self)
        try:
            observer = self.observer_factory()
            observer.schedule(handler, path, recursive=True)
            observer.start()
            self.modes[path] = "watching"
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                self.modes[path] = "offline"
                self.on_warning(f"Cannot watch {path}: {exc}")
                return
            # The inotify watch limit: poll instead, slower but nothing is missed.
            self.on_warning(
                f"The system limit on watched folders was reached while watching {path}; "
                "checking it by polling instead (raise fs.inotify.max_user_watches to avoid this)."
            )
            observer = PollingObserver(timeout=self.poll_interval_s)
            observer.schedule(handler, path, recursive=True)
            observer.start()
            self.modes[path] = "polling"
        self._observers[path] = observer

    def _observer_alive(self, path: str) -> bool:
        observer = self._observers.get(path)
        return bool(observer and observer.is_alive())

    def _unwatch(self, path: str) -> None:
        observer = self._observers.pop(path, None)
        self.modes.pop(path, None)
        if observer is not None:
            try:
                observer.stop()
                observer.join(timeout=2)
            except Exception:
                pass

    def stop(self) -> None:
        self._stop.set()
        for path in list(self._observers):
            self._unwatch(path)
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    # -- events --------------------------------------------------------------------------------

    def hint(self, path: str) -> None:
        now = time.monotonic()
        with self._lock:
            if self._overflowed:
                return
            entry = self._pending.get(path)
            if entry is None:
                if len(self._pending) >= self.max_pending:
                    # Too many to track one by one: forget them and rescan instead.
                    self._pending.clear()
                    self._overflowed = True
                    return
                self._pending[path] = _Pending(now, now)
            else:
                entry.last_event = now

    @property
    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def _settle_loop(self) -> None:
        tick = min(0.25, self.settle_s / 2)
        while not self._stop.wait(tick):
            try:
                self._settle_once()
                self._check_roots()
            except Exception:  # the watcher must outlive any single bad event
                log.exception("watcher error")

    def _settle_once(self) -> None:
        with self._lock:
            if self._overflowed:
                self._overflowed = False
                overflow = True
            else:
                overflow = False
            candidates = [(p, e) for p, e in self._pending.items()]
        if overflow:
            self.on_warning("Too many file changes at once; rescanning the folders.")
            self.on_rescan(None)
            return
        now = time.monotonic()
        ready: set[str] = set()
        for path, entry in candidates:
            if now - entry.last_event < self.settle_s or now - entry.checked_at < self.settle_s:
                continue
            stat = _stat(path)
            if not entry.checked_at or stat != entry.stat:
                # First look, or still changing: check again after another quiet period.
                # Missing paths wait too, so both ends of a move are handed over together.
                entry.stat, entry.checked_at = stat, now
                continue
            ready.add(path)
        if ready:
            with self._lock:
                for path in ready:
                    entry = self._pending.get(path)
                    if entry is not None and now - entry.last_event >= self.settle_s:
                        del self._pending[path]
            self.on_paths(ready)

    def _check_roots(self) -> None:
        """Roots that vanish or come back (drives, shares) switch observers by themselves."""
        for path, mode in list(self.modes.items()):
            present = os.path.isdir(path)
            if mode == "offline" and present:
                self._watch_one(path)
                self.on_rescan(path)
            elif mode != "offline" and not present:
                self._unwatch(path)
                self.modes[path] = "offline"
                self.on_rescan(path)
            elif mode != "offline" and not self._observer_alive(path):
                self._unwatch(path)
                self._watch_one(path)
                self.on_rescan(path)


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)
