"""Salvage: build a fresh catalog from what a damaged one still lets SQLite read, filled in from
the latest backup.

Reading: Debian's `sqlite3` tool's `.recover` when it is installed (it walks every page it can
reach, past broken b-tree pages), else Python's sqlite3 copying each table row by row and
stepping over rowid ranges it cannot read. Writing is table-generic, so tables added by later
schema versions (albums, labels, keeper choices) come along without a change here: user-made
tables first, photos after; the index's bookkeeping is not copied (the index is rebuilt).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .backup import DERIVED_TABLES
from .text import is_text_index_table, rebuild_text_index

log = logging.getLogger(__name__)

_INDEX_META = ("index_stem", "index_watermark")  # the HNSW files are a cache: never trusted after this
_SKIPPED = frozenset({"vector_tombstones"})  # bookkeeping of the old index file


@dataclass
class SalvageReport:
    method: str = ""  # "sqlite3 .recover" or "row by row"
    recovered: dict[str, int] = field(default_factory=dict)  # table -> rows read from the damaged file
    from_backup: dict[str, int] = field(default_factory=dict)  # table -> rows only the backup had
    dropped: int = 0  # rows pointing at rows lost in both (foreign keys)


def salvage_into(damaged: Path, target: Path, backup: Path | None, scratch: Path) -> SalvageReport:
    """Fill `target` (a fresh, empty catalog with the current schema) from `damaged`, then from
    `backup`. `scratch` is a file name `.recover`'s output may use; removed afterwards."""
    report = SalvageReport()
    source = _recovered_copy(damaged, scratch)
    report.method = "sqlite3 .recover" if source is not None else "row by row"
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # parents and children arrive in any order
        conn.execute("BEGIN")
        for table in _tables_in_order(conn):
            columns = _columns(conn, table)
            rows = _rows(source or damaged, table, columns)
            report.recovered[table] = _insert(conn, table, columns, rows)
        if backup is not None:
            for table in _tables_in_order(conn):
                columns = _columns(conn, table)
                report.from_backup[table] = _insert(conn, table, columns, _rows(backup, table, columns))
        report.dropped = _drop_orphans(conn)
        rebuild_text_index(conn)  # derived from the salvaged text, never copied
        conn.execute(f"DELETE FROM meta WHERE key IN ({','.join('?' * len(_INDEX_META))})", _INDEX_META)
        # Later vectors must be newer than any salvaged one, whatever the salvaged meta said.
        top = conn.execute("SELECT COALESCE(MAX(vec_seq), 0) FROM images").fetchone()[0]
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('change_seq', ?) ON CONFLICT(key) DO UPDATE SET value = "
            "CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
            (str(top),),
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
        for leftover in (scratch, Path(f"{scratch}-journal")):
            leftover.unlink(missing_ok=True)
    return report


def _recovered_copy(damaged: Path, scratch: Path) -> Path | None:
    """`.recover` the damaged file into `scratch`; None when the tool is missing or fails."""
    tool = shutil.which("sqlite3")
    if tool is None:
        return None
    scratch.unlink(missing_ok=True)
    try:
        dump = subprocess.run(  # read-only: closing must not fold the -wal into the damaged file before it is set aside
            [tool, "-readonly", "-bail", str(damaged), ".recover"], capture_output=True, timeout=3600, check=False
        )
        if dump.returncode != 0 or not dump.stdout:
            # Debian's build lacks sqlite_dbpage, which .recover needs ("SQL logic error").
            log.info("sqlite3 .recover failed (%s); copying row by row", dump.stderr[-300:])
            return None
        load = subprocess.run([tool, str(scratch)], input=dump.stdout, capture_output=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("sqlite3 .recover could not run (%s); copying row by row", exc)
        return None
    if load.returncode != 0 and not scratch.exists():
        return None
    return scratch


def _tables_in_order(conn: sqlite3.Connection) -> list[str]:
    """User-made tables first (folders, settings, albums...), photos after."""
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not r[0].startswith("sqlite_") and r[0] not in _SKIPPED and not is_text_index_table(r[0])
    ]
    return [n for n in names if n not in DERIVED_TABLES] + [n for n in names if n in DERIVED_TABLES]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _rows(path: Path, table: str, wanted: list[str]) -> Iterator[tuple]:
    """Every row of `table` this file still yields, in the target's columns (missing ones NULL).
    Damaged pages are stepped over: after an error the read resumes past the bad rowids."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        try:
            have = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        except sqlite3.Error:
            return
        if not have:
            return
        select = ", ".join(f'"{c}"' if c in have else "NULL" for c in wanted)
        try:
            conn.execute(f'SELECT rowid FROM "{table}" LIMIT 0')
        except sqlite3.Error:  # WITHOUT ROWID: read in key order as far as it goes
            try:
                yield from conn.execute(f'SELECT {select} FROM "{table}"')
            except sqlite3.DatabaseError:
                pass
            return
        last, skip, failures = None, 1, 0
        while failures < 64:
            sql = f'SELECT rowid, {select} FROM "{table}"'
            params: tuple = ()
            if last is not None:
                sql += " WHERE rowid > ?"
                params = (last + skip - 1,)
            sql += " ORDER BY rowid"
            try:
                for row in conn.execute(sql, params):
                    last, skip = row[0], 1
                    yield row[1:]
                return
            except sqlite3.DatabaseError:
                failures += 1
                if last is None:
                    last = 0
                skip *= 4  # past the damaged page: the next readable rowids
    finally:
        conn.close()


def _insert(conn: sqlite3.Connection, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    marks = ", ".join("?" * len(columns))
    names = ", ".join(f'"{c}"' for c in columns)
    before = conn.total_changes
    for row in rows:
        try:
            conn.execute(f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})', row)
        except sqlite3.Error:
            continue  # a row .recover pieced together wrongly (NULL in a NOT NULL column)
    return conn.total_changes - before


def _drop_orphans(conn: sqlite3.Connection) -> int:
    """Rows whose parent row was lost in both the damaged file and the backup."""
    dropped = 0
    for table, rowid, _parent, _fk in conn.execute("PRAGMA foreign_key_check").fetchall():
        if rowid is not None:
            conn.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            dropped += 1
    return dropped
