"""Filters on the photos a search or the library shows, and the SQL they become.

The dataclass lives here, below the search layer, so the catalog turns filters into SQL
itself; `clipdesk.search` re-exports it unchanged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .labels import label_filter_sql


@dataclass(frozen=True)
class Filters:
    folders: tuple[str, ...] = ()  # restrict to these folders (and below)
    date_from: float | None = None  # unix seconds, inclusive
    date_to: float | None = None
    formats: tuple[str, ...] = ()  # e.g. ("JPEG", "HEIF")
    include_offline: bool = True
    label: str | None = None  # only photos tagged with this label id (clipdesk.labels) in the current label set

    def is_empty(self) -> bool:
        return not (
            self.folders
            or self.date_from is not None
            or self.date_to is not None
            or self.formats
            or not self.include_offline
            or self.label
        )


def folder_range(folder: str) -> tuple[str, str]:
    """[low, high) bounds of the paths under `folder`: an index range, not a LIKE scan."""
    prefix = os.path.abspath(folder).rstrip(os.sep) + os.sep
    return prefix, prefix[:-1] + chr(ord(os.sep) + 1)  # the character right after the separator


def filter_sql(filters: Filters) -> tuple[str, list[object]]:
    """A WHERE fragment over `images` (always true when empty) and its parameters.

    Folders are matched through the path's own unique index (a subquery of ids), so a
    scan of a narrow covering index never has to read the wide rows that hold embeddings."""
    clauses: list[str] = []
    params: list[object] = []
    if filters.folders:
        ranges = []
        for folder in filters.folders:
            ranges.append("(path >= ? AND path < ?)")
            params += folder_range(folder)
        clauses.append(f"id IN (SELECT id FROM images WHERE {' OR '.join(ranges)})")
    if filters.date_from is not None:
        clauses.append("taken_at >= ?")
        params.append(filters.date_from)
    if filters.date_to is not None:
        clauses.append("taken_at <= ?")
        params.append(filters.date_to)
    if filters.formats:
        clauses.append(f"format IN ({','.join('?' * len(filters.formats))})")
        params += [f.upper() for f in filters.formats]
    if not filters.include_offline:
        clauses.append("root_id IN (SELECT id FROM roots WHERE online = 1)")  # offline is the root's state
    if filters.label:
        clause, label_params = label_filter_sql(filters.label)
        clauses.append(clause)
        params += label_params
    return (" AND ".join(clauses) or "1"), params
