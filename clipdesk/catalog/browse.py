"""The library view's reads: indexed photos newest first, and how many fall in each month.

Both walk `idx_images_browse` (status, taken_at, id, root_id, format), a covering index:
the wide rows that hold embeddings are never read, only the ids of the page shown.
SQLite sorts NULL lowest, so `taken_at DESC` puts photos with no date last by itself.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from .filters import Filters, filter_sql

_FROM = "FROM images INDEXED BY idx_images_browse WHERE status = 'indexed'"
ORDER = "ORDER BY taken_at DESC, id DESC"

# Months are counted between local-time boundaries computed here (as Python's
# datetime sees local time); dates outside datetime's range fall in its first or last month.
_EARLIEST = datetime(1, 1, 1)
_LATEST = datetime(9999, 12, 1)


def page_query(filters: Filters, offset: int, limit: int) -> tuple[str, list[object]]:
    """The SQL of one browse page and its parameters."""
    where, params = filter_sql(filters)
    return f"SELECT id {_FROM} AND {where} {ORDER} LIMIT ? OFFSET ?", [*params, int(limit), int(offset)]


def browse_ids(conn: sqlite3.Connection, filters: Filters, offset: int, limit: int) -> list[int]:
    sql, params = page_query(filters, offset, limit)
    return [r[0] for r in conn.execute(sql, params).fetchall()]


def month_counts(conn: sqlite3.Connection, filters: Filters) -> list[tuple[int, int, int]]:
    """(year, month, count) newest first, months with no photo left out; photos with no
    date last as (0, 0, count). Two index probes per month that has photos."""
    where, params = filter_sql(filters)
    out: list[tuple[int, int, int]] = []
    upper: float | None = None  # exclusive: everything at or above it is counted already
    while True:
        below = "" if upper is None else " AND taken_at < ?"
        bound = () if upper is None else (upper,)
        row = conn.execute(
            f"SELECT taken_at {_FROM} AND {where} AND taken_at IS NOT NULL{below} ORDER BY taken_at DESC LIMIT 1",
            (*params, *bound),
        ).fetchone()
        if row is None:
            break
        year, month, start = _month_of(float(row[0]))
        lower = "" if start is None else " AND taken_at >= ?"
        count = conn.execute(
            f"SELECT COUNT(*) {_FROM} AND {where} AND taken_at IS NOT NULL{lower}{below}",
            (*params, *(() if start is None else (start,)), *bound),
        ).fetchone()[0]
        out.append((year, month, int(count)))
        if start is None:
            break
        upper = start
    unknown = conn.execute(f"SELECT COUNT(*) {_FROM} AND {where} AND taken_at IS NULL", params).fetchone()[0]
    if unknown:
        out.append((0, 0, int(unknown)))
    return out


def _month_of(taken_at: float) -> tuple[int, int, float | None]:
    """Local year and month of a timestamp, and the timestamp its month starts at (None:
    the earliest representable month, which takes everything below it too)."""
    try:
        local = datetime.fromtimestamp(taken_at)
    except (OverflowError, OSError, ValueError):
        local = _EARLIEST if taken_at < 0 else _LATEST
    year, month = local.year, local.month
    start = _month_start(year, month)
    # fromtimestamp rounds to microseconds: a hair before a month starts may read as that month.
    while start is not None and start > taken_at:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        start = _month_start(year, month)
    return year, month, start


def _month_start(year: int, month: int) -> float | None:
    if (year, month) <= (1, 1):
        return None
    try:
        return datetime(year, month, 1).timestamp()
    except (OverflowError, OSError, ValueError):
        return None
