"""The disk that holds clipdesk's data (catalog, index, thumbnails, backups): full or read-only.

Every write path turns ENOSPC/EDQUOT and EROFS into one `DataDiskProblem`, whose message is the
one people see in the app's status bar and from the CLI (exit 6). Not in a layer: the imaging,
index, catalog and engine layers all raise or read it, like clipdesk.killpoint.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

DISK_FULL = "disk_full"
READ_ONLY = "read_only"
_BY_ERRNO = {errno.ENOSPC: DISK_FULL, errno.EDQUOT: DISK_FULL, errno.EROFS: READ_ONLY}
MIN_FREE_BYTES = 8 * 1024 * 1024  # below this an indexing run soon fails again: ask for more


class DataDiskProblem(OSError):
    """The data disk is full (`kind` disk_full) or read-only (`kind` read_only); nothing was lost."""

    def __init__(self, kind: str, path: Path, needed_bytes: int = MIN_FREE_BYTES) -> None:
        self.kind = kind
        self.path = Path(path)
        self.needed_bytes = max(int(needed_bytes), MIN_FREE_BYTES)
        self.free_bytes = free_bytes(self.path)
        super().__init__(errno.ENOSPC if kind == DISK_FULL else errno.EROFS, self.user_message)

    @property
    def user_message(self) -> str:
        if self.kind == DISK_FULL:
            need_mb = max(1, -(-(self.needed_bytes - max(self.free_bytes, 0)) // (1024 * 1024)))
            return (
                f"The disk holding clipdesk's data ({data_folder(self.path)}) is full: indexing paused, nothing "
                f"was lost; free {need_mb} MB or move the data folder (clipdesk move-data DEST)."
            )
        return (
            f"The disk holding clipdesk's data ({data_folder(self.path)}) is read-only: indexing paused, nothing "
            "was lost; make it writable or move the data folder (clipdesk move-data DEST)."
        )

    def __str__(self) -> str:
        return self.user_message

    def __reduce__(self) -> tuple[type[DataDiskProblem], tuple[str, Path, int]]:  # pickled across processes
        return (type(self), (self.kind, self.path, self.needed_bytes))

    def resolved(self) -> bool:
        """True once writing there can work again (space freed, or the disk remounted read-write)."""
        folder = existing_folder(self.path)
        if self.kind == READ_ONLY:
            try:
                return not (os.statvfs(folder).f_flag & os.ST_RDONLY) and os.access(folder, os.W_OK)
            except OSError:
                return False
        return free_bytes(folder) >= self.needed_bytes


def disk_problem(exc: BaseException, path: Path, needed_bytes: int = MIN_FREE_BYTES) -> DataDiskProblem | None:
    """The DataDiskProblem an OSError stands for, or None for any other failure."""
    if isinstance(exc, DataDiskProblem):
        return exc
    if isinstance(exc, OSError):
        kind = _BY_ERRNO.get(exc.errno or 0)
        if kind is not None:
            return DataDiskProblem(kind, path, needed_bytes)
    return None


def existing_folder(path: Path) -> Path:
    path = Path(path)
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def free_bytes(path: Path) -> int:
    try:
        return shutil.disk_usage(existing_folder(path)).free
    except OSError:
        return 0


def data_folder(path: Path) -> Path:
    """The data folder a path inside it belongs to (for messages): the catalog's folder."""
    path = Path(path)
    for candidate in (path, *path.parents):
        if (candidate / "catalog.sqlite3").exists():
            return candidate
    return existing_folder(path)
