"""Filters as SQL over the shared library's `photos p`: folders become ranges of a root's relative paths."""

from __future__ import annotations

from typing import Protocol

from ..filters import Filters
from .roots import RootMap

CURRENT_LABEL_SET = "(SELECT value::bigint FROM meta WHERE key = 'labels_set')"


class FilterContext(Protocol):
    """What the filters read: this machine's roots (folders and offline are per machine)."""

    machine_id: str

    def root_map(self) -> RootMap: ...


def filter_sql(filters: Filters, catalog: FilterContext) -> tuple[str, list[object]]:
    """A WHERE fragment over `photos p` (TRUE when empty) and its parameters (%s placeholders)."""
    clauses: list[str] = []
    params: list[object] = []
    if filters.folders:
        roots = catalog.root_map()
        ranges: list[str] = []
        for folder in filters.folders:
            found, found_params = roots.folder_clauses(folder)
            ranges += found
            params += found_params
        clauses.append(f"({' OR '.join(ranges)})" if ranges else "FALSE")
    if filters.date_from is not None:
        clauses.append("p.taken_at >= %s")
        params.append(filters.date_from)
    if filters.date_to is not None:
        clauses.append("p.taken_at <= %s")
        params.append(filters.date_to)
    if filters.formats:
        clauses.append("p.format = ANY(%s)")
        params.append([f.upper() for f in filters.formats])
    if not filters.include_offline:  # offline is the root's state on this machine
        clauses.append("p.root_id IN (SELECT root_id FROM root_paths WHERE machine = %s AND online)")
        params.append(catalog.machine_id)
    if filters.label:
        clauses.append(f"p.id IN (SELECT image_id FROM photo_labels WHERE set_id = {CURRENT_LABEL_SET} AND label = %s)")
        params.append(filters.label)
    return (" AND ".join(clauses) or "TRUE"), params
