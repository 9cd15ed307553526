"""What the routes share: the engine, the library's upkeep, limits; filters and hits as JSON."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from ..search import Filters, SearchHit
from .errors import ApiError

if TYPE_CHECKING:
    from ..engine import Engine
    from .library import ServedLibrary

MAX_OFFSET = 10_000
MAX_LIMIT = 200
MAX_QUERY_CHARS = 1_000
MAX_FILTER_VALUES = 50
_FORMAT_ALIASES = {"JPG": "JPEG", "HEIC": "HEIF", "TIF": "TIFF"}


@dataclass
class ApiContext:
    engine: Engine
    library: ServedLibrary | None
    max_upload_bytes: int

    def before_read(self) -> None:
        """A follower catches up with the catalog first, so photos the indexer just added are found."""
        if self.library is not None:
            self.library.refresh()


def filters_from(
    folders: list[str], date_from: date | None, date_to: date | None, formats: list[str], label: str | None = None
) -> Filters:
    """Request parameters -> search filters; 400 for values that cannot mean anything."""
    if len(folders) > MAX_FILTER_VALUES or len(formats) > MAX_FILTER_VALUES:
        raise ApiError(400, f"at most {MAX_FILTER_VALUES} folders and formats")
    for folder in folders:
        if not os.path.isabs(folder) or "\x00" in folder:
            raise ApiError(400, f"folders are absolute paths, not {folder[:200]!r}")
    if date_from and date_to and date_from > date_to:
        raise ApiError(400, "date_from is after date_to")
    return Filters(
        folders=tuple(os.path.normpath(f) for f in folders),
        date_from=_timestamp(date_from, time.min),
        date_to=_timestamp(date_to, time.max),
        formats=tuple(_FORMAT_ALIASES.get(f.upper().lstrip("."), f.upper().lstrip(".")) for f in formats),
        label=label,
    )


def _timestamp(day: date | None, at: time) -> float | None:
    if day is None:
        return None
    try:
        return datetime.combine(day, at).timestamp()
    except (OverflowError, OSError, ValueError):
        raise ApiError(400, f"{day.isoformat()} is out of range") from None


def hit_json(hit: SearchHit) -> dict:
    return {**hit.to_json(), "thumbnail_url": f"/photos/{hit.id}/thumbnail"}
