"""What keeps people's work safe while the engine runs: scheduled catalog backups, and the one
"data disk full or read-only" state that pauses indexing until writing works again.

Backups run after an indexing run that changed at least `after_changes` photos, and at most
once a day while the library is in use (the first indexing run of a day with changes since
the last backup). The full quick_check of each backup's copy is also the background check of
the catalog itself: a failing one is reported as damage, and no older backup is pruned.

The disk state: any write path (SQLite, the index save, a backup) that meets ENOSPC or EROFS
ends up here as a DataDiskProblem; the engine reports it through its listeners (`disk`), and
while it lasts a poller looks at the disk every few seconds and resumes indexing once space
returns (or the disk is writable again). The CLI has no poller: it exits 6 and the next run
carries on where the last commit left off.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import CatalogError
from ..catalog.backup import BackupInfo, backup_folder, list_backups, make_backup
from ..datadisk import DataDiskProblem

if TYPE_CHECKING:
    from ..pipeline import RunReport
    from .core import Engine

log = logging.getLogger(__name__)

DAY_S = 24 * 3600.0
BACKUP_AFTER_CHANGES = 1000
DISK_POLL_S = 5.0


PER_PHOTO_BYTES = 25_000  # a 320 px thumbnail, the row with its 2 KiB embedding, and its WAL copy


def as_disk_problem(exc: BaseException, engine: Engine) -> DataDiskProblem | None:
    """The DataDiskProblem behind a failure of any write path (with what the rest of the run
    needs: the photos still to index, and the index file written once more), or None."""
    disk_error = isinstance(exc, CatalogError) and exc.kind in ("disk_full", "read_only")
    if not (isinstance(exc, DataDiskProblem) or disk_error):
        return None
    kind = exc.kind  # type: ignore[attr-defined]  # one of the two types above, both with .kind
    try:
        pending = engine.catalog.counts()["pending"]
    except CatalogError:
        pending = 0
    index_bytes = sum(p.stat().st_size for p in engine.store.folder.glob("vectors-*.hnsw"))
    needed = 8 * 1024 * 1024 + pending * PER_PHOTO_BYTES + 2 * index_bytes
    return DataDiskProblem(
        kind, engine.data_dir, max(needed, exc.needed_bytes if isinstance(exc, DataDiskProblem) else 0)
    )


class BackupSchedule:
    def __init__(self, engine: Engine, after_changes: int = BACKUP_AFTER_CHANGES) -> None:
        self.engine = engine
        self.after_changes = after_changes
        self.changed = 0  # photos changed since the last backup, in this process
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        return backup_folder(self.engine.data_dir)

    def backups(self) -> list[BackupInfo]:
        return list_backups(self.folder)

    def after_indexing(self, report: RunReport) -> BackupInfo | None:
        """Called after each indexing run; backs up when due. Never raises: a failed backup is
        reported to the listeners (disk state, or damage) and indexing is not affected."""
        if self.engine.library:
            return None  # a shared library is backed up on its server (pg_dump), not by each desktop
        self.changed += report.encoded + report.removed + report.moved
        if not self._due():
            return None
        try:
            return self.backup_now()
        except DataDiskProblem as problem:
            self.engine.disk_trouble(problem)
        except (sqlite3.Error, CatalogError) as exc:
            log.error("catalog backup failed: %s", exc)
            self.engine.listeners.message("error", f"The catalog could not be backed up: {exc}")
        return None

    def backup_now(self) -> BackupInfo:
        """Back up now (raises DataDiskProblem, or sqlite3.DatabaseError when the catalog is damaged)."""
        if self.engine.library:
            raise CatalogError("other", "A shared library is backed up on its server (e.g. pg_dump), not by clipdesk.")
        with self._lock:
            info = make_backup(self.engine.catalog.path, self.folder)
            self.changed = 0
            log.info("catalog backed up to %s", info.path)
            return info

    def _due(self) -> bool:
        if self.changed >= self.after_changes:
            return True
        if self.changed == 0:
            return False
        newest = self.backups()
        return not newest or time.time() - newest[0].taken_at >= DAY_S


class DiskWatch:
    """While the data disk is full or read-only: poll it, and call `resume` once it is not."""

    def __init__(self, engine: Engine, poll_s: float = DISK_POLL_S) -> None:
        self.engine = engine
        self.poll_s = poll_s
        self.problem: DataDiskProblem | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def report(self, problem: DataDiskProblem, poll: bool) -> None:
        with self._lock:
            first = self.problem is None
            self.problem = problem
            if poll and (self._thread is None or not self._thread.is_alive()):
                self._stop.clear()
                self._thread = threading.Thread(target=self._poll, name="clipdesk-disk-watch", daemon=True)
                self._thread.start()
        if first:
            self.engine.listeners.disk(problem.kind, problem.user_message)
            if poll:  # the app's message line; the CLI prints the error it raises instead
                self.engine.listeners.message("error", problem.user_message)

    def stop(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_s):
            problem = self.problem
            if problem is None:
                return
            if problem.resolved():
                with self._lock:
                    self.problem = None
                self.engine.listeners.disk("ok", "The data disk has room again: indexing resumed.")
                self.engine.resume_after_disk()
                return
