"""The library view's reads on the shared library: indexed photos newest first, and counts per month.

Months are bounded in Python, as the SQLite catalog's browse.py does (local time as this machine sees it),
and each is counted with one index range query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..browse import _month_of
from ..filters import Filters
from .filters import filter_sql

if TYPE_CHECKING:
    from .catalog import PgCatalog

_FROM = "FROM photos p WHERE p.status = 'indexed'"
ORDER = "ORDER BY p.taken_at DESC NULLS LAST, p.id DESC"


def browse_ids(catalog: PgCatalog, filters: Filters, offset: int, limit: int) -> list[int]:
    where, params = filter_sql(filters, catalog)
    rows = catalog.query(f"SELECT p.id {_FROM} AND {where} {ORDER} LIMIT %s OFFSET %s", (*params, limit, offset))
    return [int(r[0]) for r in rows]


def month_counts(catalog: PgCatalog, filters: Filters) -> list[tuple[int, int, int]]:
    """(year, month, count) newest first, months with no photo left out; no date last as (0, 0, count)."""
    where, params = filter_sql(filters, catalog)
    out: list[tuple[int, int, int]] = []
    upper: float | None = None
    while True:
        below = "" if upper is None else " AND p.taken_at < %s"
        bound = () if upper is None else (upper,)
        rows = catalog.query(
            f"SELECT p.taken_at {_FROM} AND {where} AND p.taken_at IS NOT NULL{below} ORDER BY p.taken_at DESC LIMIT 1",
            (*params, *bound),
        )
        if not rows:
            break
        year, month, start = _month_of(float(rows[0][0]))
        lower = "" if start is None else " AND p.taken_at >= %s"
        count = catalog.query(
            f"SELECT COUNT(*) {_FROM} AND {where} AND p.taken_at IS NOT NULL{lower}{below}",
            (*params, *(() if start is None else (start,)), *bound),
        )[0][0]
        out.append((year, month, int(count)))
        if start is None:
            break
        upper = start
    unknown = catalog.query(f"SELECT COUNT(*) {_FROM} AND {where} AND p.taken_at IS NULL", params)[0][0]
    if unknown:
        out.append((0, 0, int(unknown)))
    return out
