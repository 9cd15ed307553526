"""Backups of the catalog: what people made (folders, settings, albums, keeper choices) and what
hours of indexing produced, kept in `<data>/backups/` so a damaged catalog has a way back.

A backup is taken with SQLite's online backup API (readers and the indexer go on meanwhile)
into a temp name, checked with `PRAGMA quick_check`, fsynced and renamed into place; only then
are older ones pruned (the last KEEP stay). A kill at any moment leaves at most a temp file,
which no listing trusts and the next backup removes. Each backup has a small JSON sidecar with
what it holds, so listing them (and saying what a restore would lose) reads no big file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..datadisk import DataDiskProblem, disk_problem
from ..killpoint import kill_point
from .text import is_text_index_table

KEEP = 5
FOLDER = "backups"
_NAME = re.compile(r"^catalog-(\d{8}-\d{6})(?:-(\d+))?\.sqlite3$")
_TEMP_SUFFIX = ".partial"
# Tables that are indexing output, rebuilt by indexing again; every other table is user-made
# (roots, meta, and whatever albums/labels/keeper tables a newer schema adds).
DERIVED_TABLES = frozenset({"images", "vector_tombstones"})


@dataclass(frozen=True)
class CatalogSummary:
    """What a catalog (or a backup of one) holds: enough to say what a restore would lose."""

    photos: int = 0
    indexed: int = 0
    roots: list[str] = field(default_factory=list)
    user_rows: dict[str, int] = field(default_factory=dict)  # table -> rows, for user-made tables
    change_seq: int = 0
    settings: dict[str, str] = field(default_factory=dict)  # meta rows people chose


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: float  # unix seconds
    summary: CatalogSummary

    @property
    def label(self) -> str:
        return datetime.fromtimestamp(self.taken_at).strftime("%Y-%m-%d %H:%M:%S")


_SETTING_KEYS = ("model_setting", "query_languages")


def backup_folder(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def summarize(conn: sqlite3.Connection) -> CatalogSummary:
    """Counts from an open catalog connection (raises sqlite3.Error on a damaged one)."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    user_rows = {
        t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
        for t in tables
        if t not in DERIVED_TABLES and not t.startswith("sqlite_") and not is_text_index_table(t)
    }
    photos = indexed = seq = 0
    if "images" in tables:
        for status, n in conn.execute("SELECT status, COUNT(*) FROM images GROUP BY status"):
            photos += n
            indexed += n if status == "indexed" else 0
    roots = [r[0] for r in conn.execute("SELECT path FROM roots ORDER BY path")] if "roots" in tables else []
    settings: dict[str, str] = {}
    if "meta" in tables:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        seq = int(meta.get("change_seq") or 0)
        settings = {k: meta[k] for k in _SETTING_KEYS if meta.get(k) is not None}
    return CatalogSummary(photos, indexed, roots, user_rows, seq, settings)


def summarize_file(path: Path) -> CatalogSummary:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return summarize(conn)
    finally:
        conn.close()


def root_paths_file(path: Path) -> list[str]:
    """The watched folders a catalog file names (read-only; [] when it has none or cannot say)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return [row[0] for row in conn.execute("SELECT path FROM roots")]
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def copy_catalog(source: Path, target: Path) -> int:
    """A consistent copy of the catalog `source` (WAL included) at `target`, fsynced; its size."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        dst.close()
        src.close()
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
    return target.stat().st_size


def checked_summary(path: Path) -> CatalogSummary | None:
    """The summary of a catalog copy that passes quick_check, else None."""
    conn = sqlite3.connect(path)
    try:
        if conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            return None
        return summarize(conn)
    finally:
        conn.close()


def make_backup(catalog_path: Path, folder: Path, keep: int = KEEP, now: float | None = None) -> BackupInfo:
    """Back the catalog up now; returns the new backup. Raises DataDiskProblem on a full or
    read-only disk, sqlite3.Error when the catalog itself cannot be read (then nothing older
    is pruned: a damaged catalog never pushes a good backup out)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(folder)
        needed = _size_with_wal(catalog_path) + 16 * 1024 * 1024
        if shutil.disk_usage(folder).free < needed:
            raise DataDiskProblem("disk_full", folder, needed)
        taken = time.time() if now is None else now
        final = _free_name(folder, taken)
        tmp = folder / f".{final.name}.{os.getpid()}{_TEMP_SUFFIX}"
        try:
            summary = _copy_verified(catalog_path, tmp)
            os.replace(tmp, final)
            _fsync_dir(folder)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        info = BackupInfo(final, taken, summary)
        _write_sidecar(info)
        prune(folder, keep)
        return info
    except OSError as exc:
        problem = disk_problem(exc, folder, needed_bytes=_size_with_wal(catalog_path))
        if problem is None:
            raise
        raise problem from exc


def _copy_verified(catalog_path: Path, tmp: Path) -> CatalogSummary:
    source = sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True)
    target = sqlite3.connect(tmp, isolation_level=None)
    try:
        # One step: a consistent snapshot even while the indexer commits (a stepped copy
        # restarts whenever another connection writes, and might never finish).
        source.backup(target)
        kill_point("backup")  # crash tests only: the copy is written, not verified or renamed
        target.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        result = target.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise sqlite3.DatabaseError(f"backup failed its check: {result[:3]}")
        summary = summarize(target)
    finally:
        target.close()
        source.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    return summary


def _free_name(folder: Path, taken: float) -> Path:
    stamp = datetime.fromtimestamp(taken).strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"catalog-{stamp}.sqlite3", 1
    while path.exists():  # two backups in one second (tests, a manual one after a scheduled one)
        path, n = folder / f"catalog-{stamp}-{n}.sqlite3", n + 1
    return path


def _write_sidecar(info: BackupInfo) -> None:
    data = {"taken_at": info.taken_at, **info.summary.__dict__}
    sidecar = info.path.with_suffix(".json")
    tmp = sidecar.with_name(sidecar.name + _TEMP_SUFFIX)
    tmp.write_text(json.dumps(data))
    os.replace(tmp, sidecar)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Finished backups, newest first. Temps of interrupted backups are never listed."""
    out = []
    for path in Path(folder).glob("catalog-*.sqlite3"):
        match = _NAME.match(path.name)
        if not match:
            continue
        info = _read_sidecar(path)
        if info is None:
            taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").timestamp()
            try:
                info = BackupInfo(path, taken, summarize_file(path))
            except sqlite3.Error:
                continue  # damaged since (a bad disk): not offered
        out.append(info)
    out.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return out


def _read_sidecar(path: Path) -> BackupInfo | None:
    try:
        data = json.loads(path.with_suffix(".json").read_text())
        taken = float(data.pop("taken_at"))
        return BackupInfo(path, taken, CatalogSummary(**data))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def prune(folder: Path, keep: int = KEEP) -> list[Path]:
    removed = []
    for info in list_backups(folder)[max(keep, 1) :]:
        info.path.unlink(missing_ok=True)
        info.path.with_suffix(".json").unlink(missing_ok=True)
        removed.append(info.path)
    return removed


def remove_stale_temps(folder: Path) -> list[Path]:
    """Temps left by a backup that was killed (their process is gone), with their journals."""
    removed = []
    for tmp in Path(folder).glob(f".*{_TEMP_SUFFIX}*"):
        pid = tmp.name.split(_TEMP_SUFFIX)[0].rsplit(".", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another process is backing up right now
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    for tmp in Path(folder).glob(f"*.json{_TEMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _size_with_wal(path: Path) -> int:
    return sum(p.stat().st_size for p in (Path(path), Path(f"{path}-wal")) if p.exists())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
