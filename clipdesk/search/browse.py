"""The library view's requests: every indexed photo newest first, and a month timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import Filters


@dataclass(frozen=True)
class BrowseRequest:
    filters: Filters = field(default_factory=Filters)
    offset: int = 0
    limit: int = 200


@dataclass(frozen=True)
class TimelineBucket:
    year: int  # 0 when the date is unknown
    month: int  # 1-12 (local time of taken_at); 0 when the date is unknown
    count: int
    offset: int  # row offset of this bucket's first photo in the browse order


def timeline_buckets(month_counts: list[tuple[int, int, int]]) -> list[TimelineBucket]:
    """Buckets in browse order, each with the offset of its first photo."""
    buckets: list[TimelineBucket] = []
    offset = 0
    for year, month, count in month_counts:
        buckets.append(TimelineBucket(year, month, count, offset))
        offset += count
    return buckets
