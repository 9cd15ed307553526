"""Moving the data folder (catalog, index, thumbnails, backups) to another disk, safely.

Steps, each safe to interrupt:
  1. copy: into DEST, marked `.clipdesk-move-incomplete` until done. The catalog is copied with
     SQLite's backup API (a consistent copy even of a catalog with a WAL), the other files
     via temp name + rename. Interrupted: the old folder is still the one in use; the next
     move-data removes the marked, unfinished copy and starts again.
  2. verify: the new catalog passes quick_check and holds the same counts; every file copied
     has its size. Then the marker goes.
  3. switch: the pointer file (config.data_dir_pointer) names DEST, written via temp + fsync +
     rename; from then on the app and the CLI find the data there without --data-dir.
  4. clean up: only now is the old copy removed (a note names the new place). Interrupted: the
     pointer already names DEST; running move-data DEST again finishes the clean-up.
A data folder given by --data-dir or CLIPDESK_DATA_DIR is not the default one: it is copied
and verified the same way, and the caller is told to use the new path (no pointer is written).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..catalog.backup import checked_summary, copy_catalog, root_paths_file, summarize_file
from ..datadisk import disk_problem
from ..killpoint import kill_point
from .lock import LOCK_NAME, IndexLock

MARKER = ".clipdesk-move-incomplete"
NOTE = "MOVED-TO.txt"
CATALOG = "catalog.sqlite3"
TOKEN = "api-token"  # `clipdesk serve`'s bearer token: moves with the library, mode kept
# What a move writes into DEST: all an unfinished copy may hold, and all a retry may remove.
WRITTEN = (CATALOG, f"{CATALOG}-wal", f"{CATALOG}-shm", "index", "backups", "thumbnails", TOKEN, MARKER)


class MoveError(RuntimeError):
    """DEST cannot take the data folder; the message says why."""


@dataclass(frozen=True)
class MoveResult:
    source: Path
    dest: Path
    pointer_written: bool  # False: a --data-dir/CLIPDESK_DATA_DIR folder, the caller names DEST from now on
    bytes_copied: int


def move_data(source: Path, dest: Path, uses_default: bool) -> MoveResult:
    """Move the data folder `source` to `dest` (see the module docstring)."""
    source, dest = Path(source).resolve(), Path(dest).expanduser().resolve()
    pointer = _read_pointer()
    if source == dest:
        if uses_default and pointer.get("moved_from"):  # an interrupted clean-up: finish it
            _remove_old_copy(Path(pointer["moved_from"]), dest)
            _write_pointer({"data_dir": str(dest)})
        return MoveResult(source, dest, uses_default, 0)
    if dest.is_relative_to(source) or source.is_relative_to(dest):
        raise MoveError(f"{dest} and {source} are inside one another: choose a folder elsewhere.")
    for root in root_paths_file(source / CATALOG):  # photo folders are only ever read
        if dest.is_relative_to(root) or Path(root).is_relative_to(dest):
            raise MoveError(f"{dest} is inside or around the photo folder {root}: choose a folder outside it.")
    _prepare_dest(dest)
    lock = IndexLock(source)
    if not lock.acquire():
        raise MoveError("clipdesk is indexing this library (the app or `clipdesk index`): close it first.")
    try:
        try:
            copied = _copy_all(source, dest)
            kill_point("move-copied")  # crash tests only
            _verify(source, dest)
            (dest / MARKER).unlink()
            _fsync_dir(dest)
        except OSError as exc:
            problem = disk_problem(exc, dest, needed_bytes=_tree_size(source))
            if problem is None:
                raise
            raise problem from exc
        if uses_default:
            _write_pointer({"data_dir": str(dest), "moved_from": str(source)})
            kill_point("move-switched")
            _remove_old_copy(source, dest)
            _write_pointer({"data_dir": str(dest)})
    finally:
        lock.release()
    return MoveResult(source, dest, uses_default, copied)


def _prepare_dest(dest: Path) -> None:
    if dest.exists():
        if (dest / MARKER).exists():  # our own unfinished copy from an interrupted move: remove only what it wrote
            for path in dest.iterdir():
                if path.name in WRITTEN or (path.is_file() and path.suffix in (".ini", ".json")):
                    shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        if any(dest.iterdir()):  # anything else is someone's: never removed
            raise MoveError(f"{dest} is not empty: choose an empty or new folder.")
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MARKER).write_text("a clipdesk data folder being copied here; unfinished until this file is gone\n")
    _fsync_dir(dest)


def _parts(source: Path) -> list[tuple[Path, Path]]:
    """(folder to copy, its name in DEST): index, backups, and the thumbnails wherever they are."""
    parts = [(source / "index", Path("index")), (source / "backups", Path("backups"))]
    parts.append((config.thumbnail_dir(source), Path("thumbnails")))
    return [(folder, name) for folder, name in parts if folder.is_dir()]


def _copy_all(source: Path, dest: Path) -> int:
    copied = _copy_catalog(source / CATALOG, dest / CATALOG)
    for folder, name in _parts(source):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith((".tmp", ".partial")):
                target = dest / name / path.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".moving")
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
                copied += target.stat().st_size
    for path in source.iterdir():  # small files the app keeps beside the catalog (ui settings)
        if path.is_file() and path.suffix in (".ini", ".json") and path.name != LOCK_NAME:
            shutil.copyfile(path, dest / path.name)
    if (source / TOKEN).is_file():  # shutil.copy2 keeps its 0600 mode
        shutil.copy2(source / TOKEN, dest / TOKEN)
    return copied


def _copy_catalog(source: Path, target: Path) -> int:
    return copy_catalog(source, target) if source.exists() else 0


def _verify(source: Path, dest: Path) -> None:
    if (source / CATALOG).exists():
        copied = checked_summary(dest / CATALOG)
        if copied is None:
            raise MoveError("the copied catalog failed its check; nothing was changed")
        if copied != summarize_file(source / CATALOG):
            raise MoveError("the copied catalog differs from the original; nothing was changed")
    for folder, name in _parts(source):
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith((".tmp", ".partial")):
                target = dest / name / path.relative_to(folder)
                if not target.is_file() or target.stat().st_size != path.stat().st_size:
                    raise MoveError(f"{target} was not copied whole; nothing was changed")


def _remove_old_copy(source: Path, dest: Path) -> None:
    """Remove what was moved; what clipdesk did not write there stays."""
    if not source.is_dir():
        return
    for name in (CATALOG, f"{CATALOG}-wal", f"{CATALOG}-shm", TOKEN):
        (source / name).unlink(missing_ok=True)
    for folder, _name in _parts(source):
        shutil.rmtree(folder, ignore_errors=True)
    (source / NOTE).write_text(f"clipdesk's data was moved to {dest}\n")


def _read_pointer() -> dict:
    try:
        data = json.loads(config.data_dir_pointer().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_pointer(data: dict) -> None:
    pointer = config.data_dir_pointer()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_name(pointer.name + ".tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, pointer)
    _fsync_dir(pointer.parent)


def _tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
