"""Walk a root for image files, skipping what a photo library should never index."""

from __future__ import annotations

import errno
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
    {
        "@eaDir",
        "#recycle",
        "#snapshot",
        "@Recycle",
        "@Recently-Snapshot",
        ".@__thumb",
        "$RECYCLE.BIN",
        "System Volume Information",
        "lost+found",
        "__MACOSX",
        ".Trashes",
        ".Spotlight-V100",
        ".fseventsd",
    }
)
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "ehthumbs.db", "Icon\r"})
# Files still being written or abandoned by downloaders and editors.
TEMP_SUFFIXES = (
    ".part",
    ".partial",
    ".crdownload",
    ".download",
    ".tmp",
    ".temp",
    ".swp",
    ".swx",
    "~",
    ".!qb",
    ".opdownload",
)
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
    """Image files under `root`. File links are followed only when they stay inside the root;
    folder links never (a folder inside the root is walked by its real path, one outside is
    not ours), and each real folder is visited once, so links never loop or escape."""
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
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
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
                    if is_link:
                        # Followed, a folder link would catalogue photos under whichever path the
                        # walk met first, and could loop; its target is walked by its real path.
                        continue
                    if not is_skipped_dir(name) and not (excludes and is_excluded(entry.path, root, excludes)):
                        stack.append(entry.path)
                    continue
                if not is_candidate_name(name):
                    continue
                if excludes and is_excluded(entry.path, root, excludes):
                    continue
                info = entry.stat()
            except OSError:
                info = None  # vanished, or a dangling or looping link
            if info is None or not stat.S_ISREG(info.st_mode):
                # A looping or dangling link, a pipe or a device named like a photo is catalogued
                # (never opened) so the user sees why it was not indexed; a vanished file is not.
                if not is_candidate_name(name) or (excludes and is_excluded(entry.path, root, excludes)):
                    continue
                special = special_file(entry.path)
                if special is not None and _encodable(entry.path):
                    yield special
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


def scan_file(path: str, root: str) -> FileInfo | None:
    """What walk(root) would say of one candidate path (the watcher's single-file check):
    a regular file, or a special entry to record as unreadable; None for a path that is gone,
    a folder, or a link leading outside the root (never followed, as in walk)."""
    try:
        if not reached_without_links(os.path.dirname(path), root):
            return None  # through a folder link: walk() never goes there
        if os.path.islink(path) and not _inside(os.path.realpath(path), os.path.realpath(root)):
            return None
    except OSError:
        return None
    info = stat_file(path)
    if info is not None:
        return info
    if os.path.isdir(path):
        return None
    return special_file(path)


def reached_without_links(folder: str, root: str) -> bool:
    """Is `folder` (the root or below it) its own real path, with no folder link on the way?"""
    expected = os.path.normpath(os.path.join(os.path.realpath(root), os.path.relpath(folder, root)))
    return os.path.realpath(folder) == expected


def not_a_file_reason(path: str) -> str:
    """Why a catalogued path that is not a regular file cannot be indexed, in words."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link leads back to itself)"
        if os.path.islink(path):
            return "broken symbolic link (its target is missing)"
        return "file disappeared before it could be read"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not an image file"
    if stat.S_ISFIFO(st.st_mode):
        return "not a regular file (a named pipe)"
    return "not a regular file (a device or socket)"


def special_file(path: str) -> FileInfo | None:
    """A path that exists but is no regular file or folder: size 0 and the link's or node's own
    mtime, stable from scan to scan so it is not retried every time."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            try:
                target = os.stat(path)
            except OSError:
                target = None  # dangling or looping: recorded
            if target is not None and (stat.S_ISDIR(target.st_mode) or stat.S_ISREG(target.st_mode)):
                return None
        elif stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
            return None
    except OSError:
        return None
    return FileInfo(path, 0, st.st_mtime_ns)


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
