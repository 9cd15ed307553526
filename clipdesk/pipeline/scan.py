"""Walk a root for image files, skipping what a photo library should never index."""
from __future__ import annotations

import fnmatch
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..imaging import IMAGE_EXTENSIONS

log = logging.getLogger(__name__)

# NAS/OS bookkeeping folders: Synology thumbnails, recycle bins, Windows and macOS system dirs.
JUNK_DIRS = frozenset(
    {"@eaDir", "#recycle", "#snapshot", "@Recycle", "@Recently-Snapshot", ".@__thumb", "$RECYCLE.BIN",
     "System Volume Information", "lost+found", "__MACOSX", ".Trashes", ".Spotlight-V100", ".fseventsd"}
)
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "ehthumbs.db", "Icon\r"})
# Files still being written or abandoned by downloaders and editors.
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".swp", ".swx", "~", ".!qb", ".opdownload")
TEMP_PREFIXES = ("~$", ".#", "._")


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    mtime_ns: int


def is_candidate_name(name: str) -> bool:
    """Would a file of this name be indexed (ignoring folders and exclusions)?"""
    if name in JUNK_FILES or name.startswith(".") or name.startswith(TEMP_PREFIXES):
        return False
    lower = name.lower()
    if lower.endswith(TEMP_SUFFIXES):
        return False
    return os.path.splitext(lower)[1] in IMAGE_EXTENSIONS


def is_skipped_dir(name: str) -> bool:
    return name.startswith(".") or name in JUNK_DIRS


def is_excluded(path: str, root: str, patterns: Iterable[str]) -> bool:
    """Exclusion globs match the path relative to the root, or any single part of it."""
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    for pattern in patterns:
        if fnmatch.fnmatch(rel, pattern) or any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
    return False


def in_scope(path: str, root: str, excludes: Iterable[str]) -> bool:
    """Is this path one the scan of `root` would consider?"""
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        return False
    parts = rel.split(os.sep)
    if any(is_skipped_dir(p) for p in parts[:-1]) or not is_candidate_name(parts[-1]):
        return False
    return not is_excluded(path, root, excludes)


def folder_in_scope(path: str, root: str, excludes: Iterable[str]) -> bool:
    """Would the scan of `root` descend into this folder?"""
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        return False
    if rel == ".":
        return True
    if any(is_skipped_dir(p) for p in rel.split(os.sep)):
        return False
    return not is_excluded(path, root, excludes)


def walk(root: str, excludes: Iterable[str] = ()) -> Iterator[FileInfo]:
    """Image files under `root`. Symlinks are followed only when they stay inside the
    root, and each real folder is visited once, so links never loop or escape."""
    excludes = tuple(excludes)
    real_root = os.path.realpath(root)
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(folder) as entries:
                entries = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot read folder %s: %s", folder, exc)
            continue
        for entry in entries:
            name = entry.name
            try:
                is_link = entry.is_symlink()
                if is_link and not _inside(os.path.realpath(entry.path), real_root):
                    continue
                if entry.is_dir():
                    if not is_skipped_dir(name) and not (excludes and is_excluded(entry.path, root, excludes)):
                        stack.append(entry.path)
                    continue
                if not is_candidate_name(name):
                    continue
                if excludes and is_excluded(entry.path, root, excludes):
                    continue
                info = entry.stat()
            except OSError:
                continue  # vanished or unreadable mid-scan; the next scan decides
            if not stat.S_ISREG(info.st_mode):
                continue
            if not _encodable(entry.path):
                continue
            yield FileInfo(entry.path, info.st_size, info.st_mtime_ns)


def stat_file(path: str) -> FileInfo | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return FileInfo(path, info.st_size, info.st_mtime_ns)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _encodable(path: str) -> bool:
    """SQLite stores UTF-8: a name that is not valid UTF-8 cannot be catalogued."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        log.warning("skipping a file whose name is not valid UTF-8: %r", path)
        return False
    return True
