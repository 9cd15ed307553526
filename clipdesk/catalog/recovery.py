"""A damaged catalog, and the ways back: restore a backup, or salvage what SQLite can read.

Nothing here deletes a catalog: the current file (with its -wal and -shm) is renamed aside as
`catalog.sqlite3.damaged-<time>` (or `.before-restore-<time>`) before a replacement is put in
place, and the replacement is built under a temp name, checked, fsynced and renamed. The HNSW
files are a cache of the catalog: they are removed, and rebuilt from the catalog at the next open.

Detection: opening a catalog reads its header and schema (SQLite refuses a broken header; the
catalog reads sqlite_master at open), which costs well under a millisecond. A full
`PRAGMA quick_check` reads every page (39 s for a 4.4 GB, 1M-photo catalog), so it runs on each
backup's copy instead (backup.py), and damage met later surfaces as CatalogError(kind=corrupt)
wherever it is read.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .backup import BackupInfo, CatalogSummary, backup_folder, list_backups, summarize, summarize_file
from .catalog import Catalog
from .errors import CatalogError
from .salvage import SalvageReport, salvage_into

CATALOG_NAME = "catalog.sqlite3"
OK, DAMAGED = "ok", "damaged"
FROM_BACKUP, SALVAGE = "backup", "salvage"


@dataclass(frozen=True)
class CatalogState:
    """`state` ok or damaged; for a damaged catalog, what it says and which backups could replace it."""

    state: str
    path: Path
    message: str = ""
    backups: list[BackupInfo] = field(default_factory=list)


@dataclass(frozen=True)
class RecoveryResult:
    choice: str  # "backup" or "salvage"
    moved_aside: Path | None
    backup: BackupInfo | None
    summary: CatalogSummary
    salvage: SalvageReport | None = None


def catalog_path(data_dir: Path) -> Path:
    return Path(data_dir) / CATALOG_NAME


def catalog_state(data_dir: Path, full: bool = False) -> CatalogState:
    """Open the catalog and read its small tables (folders, settings, counts): ok, or damaged
    with the backups available. `full` reads every page too (quick_check: seconds per GB).
    Other failures (disk full, locked) raise CatalogError."""
    path = catalog_path(data_dir)
    try:
        catalog = Catalog(path)
        try:
            catalog.roots()
            catalog.counts()
            catalog.image_counts_by_root()
            catalog.query("SELECT key, value FROM meta")
            problems = catalog.query("PRAGMA quick_check(5)") if full else [("ok",)]
        finally:
            catalog.close()
    except CatalogError as exc:
        if exc.kind != "corrupt":
            raise
        return CatalogState(DAMAGED, path, exc.user_message, list_backups(backup_folder(data_dir)))
    if problems != [("ok",)]:
        message = CatalogError.from_exception(sqlite3.DatabaseError("database disk image is malformed"), path)
        return CatalogState(DAMAGED, path, message.user_message, list_backups(backup_folder(data_dir)))
    return CatalogState(OK, path)


def move_aside(path: Path, label: str = "damaged") -> Path | None:
    """Rename the catalog and its -wal/-shm to `<name>.<label>-<time>`; None if there was none."""
    if not path.exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while aside.exists():
        aside, n = path.with_name(f"{path.name}.{label}-{stamp}-{n}"), n + 1
    for suffix in ("-wal", "-shm"):  # the WAL may hold the newest pages: it stays with its file
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{aside}{suffix}"))
    os.replace(path, aside)
    _fsync_dir(path.parent)
    return aside


def recover(data_dir: Path, choice: str, backup: Path | None = None) -> RecoveryResult:
    """Replace a damaged catalog. choice "backup": the given backup (default the latest);
    "salvage": what the damaged file still holds, filled in from the latest backup.
    Either way the damaged file is kept aside and photos missing afterwards are indexed again
    by the next scan."""
    if choice not in (FROM_BACKUP, SALVAGE):
        raise ValueError(f"unknown recovery choice {choice!r}")
    data_dir = Path(data_dir)
    chosen = _chosen_backup(data_dir, backup, required=choice == FROM_BACKUP)
    path = catalog_path(data_dir)
    tmp = path.with_name(f".{path.name}.recovering")
    _remove_with_sides(tmp)
    report = None
    if choice == FROM_BACKUP:
        assert chosen is not None
        _copy_database(chosen.path, tmp)
    else:
        Catalog(tmp).close()  # a fresh catalog with the current schema, to be filled
        report = salvage_into(path, tmp, chosen.path if chosen else None, path.with_name(f".{path.name}.recover"))
    summary = _verified(tmp)
    aside = move_aside(path, "damaged")
    _put_in_place(tmp, path)
    clear_index_cache(data_dir)
    return RecoveryResult(choice, aside, chosen, summary, report)


def restore(data_dir: Path, backup: Path | None = None) -> RecoveryResult:
    """Put a backup in place of a catalog that may be fine: the current one is kept aside."""
    data_dir = Path(data_dir)
    chosen = _chosen_backup(data_dir, backup, required=True)
    assert chosen is not None
    path = catalog_path(data_dir)
    tmp = path.with_name(f".{path.name}.recovering")
    _remove_with_sides(tmp)
    _copy_database(chosen.path, tmp)
    summary = _verified(tmp)
    aside = move_aside(path, "before-restore")
    _put_in_place(tmp, path)
    clear_index_cache(data_dir)
    return RecoveryResult(FROM_BACKUP, aside, chosen, summary)


def current_summary(data_dir: Path) -> CatalogSummary | None:
    """What the catalog holds now; None when it cannot be read."""
    try:
        return summarize_file(catalog_path(data_dir))
    except sqlite3.Error:
        return None


def losses(current: CatalogSummary | None, backup: CatalogSummary) -> list[str]:
    """What restoring `backup` over `current` would lose, in lines a person reads."""
    if current is None:
        return ["the current catalog cannot be read: everything since the backup that it held"]
    out = []
    if current.photos > backup.photos or current.indexed > backup.indexed:
        out.append(
            f"{max(current.indexed - backup.indexed, 0)} photos indexed since "
            f"(they will be indexed again: {current.indexed} now, {backup.indexed} in the backup)"
        )
    added = sorted(set(current.roots) - set(backup.roots))
    removed = sorted(set(backup.roots) - set(current.roots))
    if added:
        out.append("folders added since: " + ", ".join(added))
    if removed:
        out.append("folders removed since will come back: " + ", ".join(removed))
    changed = sorted(
        k for k in set(current.settings) | set(backup.settings) if current.settings.get(k) != backup.settings.get(k)
    )
    if changed:
        out.append("settings changed since: " + ", ".join(changed))
    for table, n in sorted(current.user_rows.items()):
        if table in ("roots", "meta"):
            continue
        had = backup.user_rows.get(table, 0)
        if n != had:
            out.append(f"{table}: {n} rows now, {had} in the backup")
    return out


def clear_index_cache(data_dir: Path) -> None:
    """The HNSW files describe the catalog that was replaced: rebuilt from the new one."""
    for path in (Path(data_dir) / "index").glob("vectors-*"):
        path.unlink(missing_ok=True)


def _chosen_backup(data_dir: Path, backup: Path | None, required: bool) -> BackupInfo | None:
    if backup is not None:
        backup = Path(backup).expanduser().resolve()
        if not backup.is_file():
            raise FileNotFoundError(f"{backup} is not a file")
        return BackupInfo(backup, backup.stat().st_mtime, summarize_file(backup))
    found = list_backups(backup_folder(data_dir))
    if not found and required:
        raise FileNotFoundError(f"no backups in {backup_folder(data_dir)}")
    return found[0] if found else None


def _copy_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")  # as the catalog runs
        for key in ("index_stem", "index_watermark"):
            dst.execute("DELETE FROM meta WHERE key = ?", (key,))
    finally:
        dst.close()
        src.close()


def _verified(path: Path) -> CatalogSummary:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        result = conn.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise CatalogError(
                "corrupt", f"The replacement catalog failed its check ({result[:3]}); nothing was changed.", path
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return summarize(conn)
    finally:
        conn.close()


def _put_in_place(tmp: Path, path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)  # checkpointed into the file by _verified
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    Catalog(path).close()  # migrate a backup from an older schema now, not at the next open


def _remove_with_sides(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def damaged_copies(data_dir: Path) -> list[Path]:
    """Catalogs moved aside so far (kept until the user deletes them)."""
    return sorted(p for p in Path(data_dir).glob(f"{CATALOG_NAME}.*-*") if not p.name.endswith(("-wal", "-shm")))
