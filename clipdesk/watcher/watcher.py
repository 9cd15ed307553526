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
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from ..catalog import Root
from ..pipeline.scan import is_candidate_name, is_skipped_dir

_InotifyObserver: type[BaseObserver] | None
try:
    from watchdog.observers.inotify import InotifyObserver as _InotifyObserver
except ImportError:  # pragma: no cover - not Linux
    _InotifyObserver = None

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    first_seen: float
    last_event: float
    stat: tuple[int, int] | None = None  # (size, mtime_ns) at the last check; None: missing
    checked_at: float = 0.0  # 0: never checked


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
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
        observer_factory: Callable[[], BaseObserver] = Observer,
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
        self._observers: dict[str, BaseObserver] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._overflowed = False
        self._identity: dict[str, tuple[int, int] | None] = {}  # root -> (st_dev, st_ino) when watched
        self._verified: set[int] = set()  # inodes of folders known to be watched
        _OVERFLOW.watch(self)

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
        self._identity[path] = _identity(path)
        if not os.path.isdir(path):
            self.modes[path] = "offline"
            return
        handler = _Handler(self)
        try:
            observer = self.observer_factory()
            observer.schedule(handler, path, recursive=True)
            observer.start()
            self.modes[path] = "watching"
            # watchdog only raises when the root itself cannot be watched; a subfolder over the
            # limit is skipped silently and its changes would be missed: check every folder.
            self._verified.clear()  # a new observer: what the old ones watched proves nothing
            if _unwatched_folder(observer, path, self._verified):
                self._observers[path] = observer
                self._unwatch(path)
                raise OSError(errno.ENOSPC, "inotify watch limit reached")
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                self.modes[path] = "offline"
                self.on_warning(f"Cannot watch {path}: {exc}")
                return
            self._poll(path, handler)
            return
        self._observers[path] = observer

    def _poll(self, path: str, handler: _Handler | None = None) -> None:
        # The inotify watch limit: poll instead, slower but nothing is missed.
        self.on_warning(
            f"The system limit on watched folders was reached while watching {path}; "
            "checking it by polling instead (raise fs.inotify.max_user_watches to avoid this)."
        )
        observer = PollingObserver(timeout=self.poll_interval_s)
        observer.schedule(handler or _Handler(self), path, recursive=True)
        observer.start()
        self.modes[path] = "polling"
        self._identity[path] = _identity(path)
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

    def events_lost(self) -> None:
        """The kernel dropped events (inotify queue overflow): rescan everything."""
        with self._lock:
            self._pending.clear()
            self._overflowed = True

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
                    still_pending = self._pending.get(path)
                    if still_pending is not None and now - still_pending.last_event >= self.settle_s:
                        del self._pending[path]
            self._check_new_folders(ready)
            self.on_paths(ready)

    def _check_new_folders(self, ready: set[str]) -> None:
        """New folders past the inotify limit are not watched (watchdog says nothing): switch
        their root to polling and rescan it, since events inside them were missed."""
        for root, mode in list(self.modes.items()):
            if mode != "watching":
                continue
            prefix = root.rstrip(os.sep) + os.sep
            folders = [p for p in ready if p.startswith(prefix) and os.path.isdir(p) and not os.path.islink(p)]
            observer = self._observers.get(root)
            if folders and any(_unwatched_folder(observer, f, self._verified) for f in folders):
                self._unwatch(root)
                self._poll(root)
                self.on_rescan(root)

    def _check_roots(self) -> None:
        """Roots that vanish or come back (drives, shares) switch observers by themselves."""
        for path, mode in list(self.modes.items()):
            present = os.path.isdir(path)
            if present and _identity(path) != self._identity.get(path):
                # Another folder now answers to this path: a drive unmounted (leaving its empty
                # mount point) or mounted again. The old watch sees nothing any more.
                self._unwatch(path)
                self._watch_one(path)
                self.on_rescan(path)
            elif mode == "offline" and present:
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


class _OverflowSpy(logging.Handler):
    """watchdog reports an inotify queue overflow (the kernel dropped events) only in its log,
    then carries on: without a rescan the files behind the lost events would never be seen."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._watchers: weakref.WeakSet[FolderWatcher] = weakref.WeakSet()

    def watch(self, watcher: FolderWatcher) -> None:
        self._watchers.add(watcher)
        logger = logging.getLogger("watchdog.observers.inotify_c")
        if self not in logger.handlers:
            logger.addHandler(self)
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            for watcher in list(self._watchers):
                watcher.events_lost()


_OVERFLOW = _OverflowSpy()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _watched_inodes() -> set[int] | None:
    """Inodes of the folders this process watches with inotify (Linux /proc), or None."""
    found: set[int] = set()
    known = False
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:inotify":
                continue
            with open(f"/proc/self/fdinfo/{fd}") as fh:
                for line in fh:
                    if line.startswith("inotify wd:"):
                        found.add(int(line.split(" ino:", 1)[1].split()[0], 16))
            known = True
        except (OSError, ValueError, IndexError):
            continue
    return found if known else None


def _unwatched_folder(observer: BaseObserver | None, top: str, verified: set[int]) -> str | None:
    """A folder under `top` (itself included) that an inotify observer should watch but does
    not, or None. Folders it may not read are skipped (it could not watch them anyway), and so
    are folders already `verified` (new folders inside those come with events of their own)."""
    if _InotifyObserver is None or not isinstance(observer, _InotifyObserver):
        return None
    watched = _watched_inodes()
    if watched is None:
        return None
    for folder, dirs, _ in os.walk(top):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        try:
            inode = os.stat(folder).st_ino
        except OSError:
            continue  # gone meanwhile
        if inode in verified or not os.access(folder, os.R_OK | os.X_OK):
            dirs[:] = []
            continue
        if inode not in watched:
            time.sleep(0.2)  # a folder created a moment ago: watchdog may still be adding its watch
            watched = _watched_inodes() or watched
            if inode not in watched:
                return folder
        verified.add(inode)
    return None


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)
