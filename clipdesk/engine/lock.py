"""One indexer per catalog, across processes: the app and `clipdesk index` never index at once.

An OS file lock (flock on POSIX, through `filelock`) on `<data dir>/indexer.lock`: the operating
system drops it when the process ends, however it ends (SIGKILL, a crash, a power cut), so a
stale lock can never block the next run.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = "indexer.lock"


class IndexingBusy(RuntimeError):
    """Another process is indexing this catalog."""

    def __init__(self) -> None:
        super().__init__("another clipdesk is already indexing this catalog (the app or `clipdesk index`).")


class IndexLock:
    """Held from the first indexing of an Engine until it closes. Never blocks."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._lock = FileLock(
            self.path,
            thread_local=False,  # taken on one thread (start), released on another (close)
            blocking=False,
            fallback_to_soft=False,  # a lock file that outlives a killed process would block forever (filelock>=3.30)
            preserve_lock_file=True,  # never unlinked (Windows would): a second process could lock a new file
        )
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> bool:
        """Take the lock if no other process has it; True if this one holds it now."""
        with self._guard:
            if self._lock.is_locked:
                return True
            try:
                self._lock.acquire()
            except Timeout:
                return False
            return True

    def require(self) -> None:
        """Take the lock or raise IndexingBusy."""
        if not self.acquire():
            raise IndexingBusy()

    def release(self) -> None:
        with self._guard:
            if self._lock.is_locked:
                self._lock.release(force=True)


class SharedLibraryLock(IndexLock):
    """A shared library's engines take no local lock: many workers index it at once, kept apart by its
    queue's leases (catalog/postgres/writes.py)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return True

    def acquire(self) -> bool:
        return True

    def require(self) -> None:
        pass

    def release(self) -> None:
        pass
