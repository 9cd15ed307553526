"""A query as clipdesk understood it: the words it encodes, the words pushed down, and the dates.

"beach last summer -people" -> text "beach", negatives ["people"], June-August as a date filter,
shown as the chip "last summer". The date range is intersected with the filters the user set by
hand (a photo must pass both); a query whose dates and filters do not overlap finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..catalog import Filters
from .dates import parse_query_dates

_NEGATIVE = re.compile(r'(?:^|\s)-"([^"]+)"|(?:^|\s)-(\S+)')


@dataclass(frozen=True)
class UnderstoodQuery:
    text: str = ""  # what is encoded (date words and negative terms taken out)
    negatives: tuple[str, ...] = ()  # "-word" terms, pushed down
    date_from: datetime | None = None  # from the date words: inclusive, naive local time
    date_to: datetime | None = None  # exclusive
    date_phrase: str | None = None  # the date words as typed ("last summer"): the chip's label

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def to_json(self) -> dict:
        """date_from / date_to as ISO local date-times, half-open: [date_from, date_to)."""
        return {
            "text": self.text,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "date_phrase": self.date_phrase,
            "negatives": list(self.negatives),
        }

    def date_filters(self, filters: Filters) -> Filters | None:
        """`filters` narrowed to the query's dates; None when the two cannot both hold."""
        if not self.has_dates:
            return filters
        lo = self.date_from.timestamp() if self.date_from is not None else None
        hi = self.date_to.timestamp() - 0.001 if self.date_to is not None else None  # Filters' ends are inclusive
        if filters.date_from is not None:
            lo = filters.date_from if lo is None else max(lo, filters.date_from)
        if filters.date_to is not None:
            hi = filters.date_to if hi is None else min(hi, filters.date_to)
        if lo is not None and hi is not None and lo > hi:
            return None
        return replace(filters, date_from=lo, date_to=hi)


def split_query(text: str) -> tuple[str, list[str]]:
    """'beach -people -"red car"' -> ('beach', ['people', 'red car'])."""
    negatives = [a or b for a, b in _NEGATIVE.findall(text)]
    positive = _NEGATIVE.sub(" ", text)
    return " ".join(positive.split()), [n for n in negatives if n.strip()]


def understand(text: str, now: datetime | None = None, parse_dates: bool = True) -> UnderstoodQuery:
    """Date words out first (a negated "-2019" stays a negative term), then the negative terms."""
    if parse_dates and text.strip():
        dated = parse_query_dates(text, now or datetime.now())
        positive, negatives = split_query(dated.text)
        return UnderstoodQuery(positive, tuple(negatives), dated.date_from, dated.date_to, dated.matched)
    positive, negatives = split_query(text)
    return UnderstoodQuery(positive, tuple(negatives))
