"""SQLite failures turned into a few kinds a person can act on.

Raised at the catalog's boundary (opening it, transactions, reads) as `CatalogError`, whose
`user_message` says what happened and what to do, and whether anything was lost.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

DISK_FULL = "disk_full"
READ_ONLY = "read_only"
CORRUPT = "corrupt"
BUSY = "busy"
CLOSED = "closed"
OTHER = "other"

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_INTERRUPT = 5, 6, 8, 9
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26
_BY_CODE = {
    _SQLITE_FULL: DISK_FULL,
    _SQLITE_READONLY: READ_ONLY,
    _SQLITE_CORRUPT: CORRUPT,
    _SQLITE_NOTADB: CORRUPT,
    _SQLITE_BUSY: BUSY,
    _SQLITE_LOCKED: BUSY,
    _SQLITE_INTERRUPT: CLOSED,  # only close() interrupts: a background read that outlived its stop
}
_BY_TEXT = (
    ("database or disk is full", DISK_FULL),
    ("readonly database", READ_ONLY),
    ("malformed", CORRUPT),
    ("file is not a database", CORRUPT),
    ("could not decode to utf-8", CORRUPT),  # damaged text bytes inside a row
    ("database is locked", BUSY),
)
_BY_ERRNO = {errno.ENOSPC: DISK_FULL, errno.EDQUOT: DISK_FULL, errno.EROFS: READ_ONLY}

_MESSAGES = {
    DISK_FULL: "The disk holding the catalog ({path}) is full: free some space and try again; nothing was lost.",
    READ_ONLY: (
        "The catalog ({path}) is on a read-only disk or folder: make it writable, or choose another "
        "data folder with --data-dir; nothing was lost."
    ),
    CORRUPT: (
        "The catalog file {path} is damaged and cannot be read. Your photos are untouched. Run "
        "`clipdesk recover --from-backup` to restore the latest backup, or `clipdesk recover --salvage` to "
        "keep what can still be read (folders and settings first); either way the damaged file is kept aside "
        "and missing photos are indexed again."
    ),
    BUSY: (
        "The catalog ({path}) stayed locked by another program (another clipdesk?): close it or wait "
        "for it to finish, then try again; nothing was lost."
    ),
    CLOSED: "The catalog ({path}) was closed while this was running (clipdesk was stopping); nothing was lost.",
    OTHER: "The catalog ({path}) could not be used: {error}",
}


class CatalogError(Exception):
    """A catalog failure, classified: `kind` is one of disk_full, read_only, corrupt, busy, closed, other."""

    def __init__(self, kind: str, user_message: str, path: Path | None = None) -> None:
        super().__init__(user_message)
        self.kind = kind
        self.user_message = user_message
        self.path = path

    @classmethod
    def closed(cls, path: Path | None) -> CatalogError:
        return cls(CLOSED, _MESSAGES[CLOSED].format(path=path if path is not None else "catalog"), path)

    @classmethod
    def from_exception(cls, exc: BaseException, path: Path | None) -> CatalogError:
        kind = classify(exc, path)
        where = str(path) if path is not None else "catalog"
        return cls(kind, _MESSAGES[kind].format(path=where, error=exc), path)


def classify(exc: BaseException, path: Path | None = None) -> str:
    """The kind of a sqlite3.Error or OSError. Errors SQLite cannot tell apart (an I/O error,
    a file it cannot open) are settled by looking at the filesystem that holds `path`."""
    if isinstance(exc, OSError):
        kind = _BY_ERRNO.get(exc.errno or 0)
        return kind or _from_filesystem(path) or OTHER
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in _BY_CODE:
        return _BY_CODE[code & 0xFF]
    text = str(exc).lower()
    for needle, kind in _BY_TEXT:
        if needle in text:
            return kind
    return _from_filesystem(path) or OTHER


def _from_filesystem(path: Path | None) -> str | None:
    """read_only or disk_full when the catalog's filesystem is so; None when it looks fine."""
    if path is None:
        return None
    folder = path if path.is_dir() else path.parent
    try:
        fs = os.statvfs(folder)
    except OSError:
        return None
    if fs.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return READ_ONLY
    if fs.f_bavail * fs.f_frsize < 64 * 1024:  # under a few pages: SQLite cannot grow a file
        return DISK_FULL
    return None
