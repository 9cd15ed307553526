"""A whole library grouped at once: the same placement as adding the photos one by one in capture
order (grouping.py), with the hash neighbours of every photo found in one vectorised pass and the
capture times swept in order, reading each photo's vector only while it can still be compared."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from clipdesk.duplicates.grouping import ContentHasher, DuplicateFinder, Neighbours, VectorLoader, _unit
from clipdesk.duplicates.hamming import pairs_within
from clipdesk.duplicates.records import DuplicateSettings, PhotoRecord, PhotoTable

_PREFETCH = 1024  # vectors read per catalog query during a whole-library sweep


def find_groups(
    photos: Iterable[PhotoRecord] | PhotoTable,
    settings: DuplicateSettings | None = None,
    content_hasher: ContentHasher | None = None,
    neighbours: Neighbours | None = None,
    vectors: VectorLoader | None = None,
) -> DuplicateFinder:
    """Group a whole library: the same placement as adding the photos one by one in capture
    order, with the hash neighbours of all photos found in one vectorised pass and the capture
    times swept in order. The finder returned takes further photos with `add`."""
    finder = DuplicateFinder(settings, content_hasher, neighbours, vectors)
    table = photos if isinstance(photos, PhotoTable) else PhotoTable.from_records(photos)
    # Capture order, undated last: rows are positions in this order.
    undated = np.isnan(table.taken_at)
    order = np.lexsort((table.ids, np.where(undated, 0.0, table.taken_at), undated))
    ordered = PhotoTable(
        table.ids[order],
        table.sizes[order],
        table.widths[order],
        table.heights[order],
        table.taken_at[order],
        table.phashes[order],
        table.hashed[order],
    )
    finder._append_rows(ordered)
    finder._content.update(table.content_hashes)
    hashed_rows = np.flatnonzero(ordered.hashed).astype(np.int32)
    near_at, near_rows, near_distance = _earlier_neighbours(ordered, hashed_rows, finder.settings.same_radius)
    for row in np.flatnonzero(~ordered.hashed).tolist():
        finder._flat_by_size.setdefault(int(ordered.sizes[row]), []).append(row)
    if vectors is None:  # nowhere to read them back from: keep what was given
        finder._vectors = {pid: _unit(v) for pid, v in table.embeddings.items()}
    sweep = _VectorSweep(finder, ordered, table.embeddings) if vectors is not None else None
    times = ordered.taken_at
    span = finder.settings.burst_window_s
    oldest = 0  # the first row still within the burst window of the current one
    for row in range(len(ordered)):
        taken = times[row]
        near: list[tuple[int, int]] = []
        if near_at[row] < near_at[row + 1]:
            part = slice(near_at[row], near_at[row + 1])
            near = list(zip(near_distance[part].tolist(), near_rows[part].tolist(), strict=True))
        window = np.zeros(0, dtype=np.int32)
        if taken == taken:
            while times[oldest] < taken - span:
                oldest += 1
            window = np.arange(oldest, row, dtype=np.int32)
            if sweep is not None:
                sweep.before(row, oldest)
        finder._place(row, bool(ordered.hashed[row]), near, window)
    finder._vectors = {} if sweep is not None else finder._vectors
    finder._hashes.extend(hashed_rows, ordered.phashes[hashed_rows])
    dated = np.flatnonzero(~np.isnan(times)).astype(np.int32)
    finder._times.extend(times[dated], dated)
    return finder


def _earlier_neighbours(
    ordered: PhotoTable, hashed_rows: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the earlier rows within the hash radius, nearest first, as a compressed
    sparse list: row r's are rows[at[r]:at[r + 1]] with their distances."""
    n = len(ordered)
    first, second, distance = pairs_within(ordered.phashes[hashed_rows], radius)
    earlier, later = hashed_rows[first], hashed_rows[second]  # rows ascend with position
    sort = np.lexsort((earlier, distance, later))
    earlier, later, distance = earlier[sort], later[sort], distance[sort]
    at = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(later, minlength=n), out=at[1:])
    return at, earlier.astype(np.int64), distance


class _VectorSweep:
    """During a whole-library sweep, the vectors of photos with a time-neighbour: read from the
    loader a chunk ahead, forgotten once the sweep has passed their burst window."""

    def __init__(self, finder: DuplicateFinder, ordered: PhotoTable, given: dict[int, np.ndarray]) -> None:
        self.finder = finder
        self.ids = ordered.ids
        self.given = given
        times = ordered.taken_at
        gaps = np.diff(times) <= finder.settings.burst_window_s  # NaN compares False
        self.needed = np.zeros(len(ordered), dtype=bool)  # rows with a neighbour in time
        self.needed[:-1] |= gaps
        self.needed[1:] |= gaps
        self.loaded_to = 0  # rows below this were read (or are not needed)
        self.forgotten_to = 0

    def before(self, row: int, oldest: int) -> None:
        finder = self.finder
        for old in range(self.forgotten_to, oldest):
            finder._vectors.pop(int(self.ids[old]), None)
        self.forgotten_to = max(self.forgotten_to, oldest)
        if not self.needed[row] or row < self.loaded_to:
            return
        ahead = np.flatnonzero(self.needed[row:])[:_PREFETCH] + row
        chunk = [int(pid) for pid in self.ids[ahead]]
        self.loaded_to = int(ahead[-1]) + 1
        for pid in chunk:
            if pid in self.given:
                finder._vectors[pid] = _unit(self.given[pid])
        finder._load_vectors(chunk)
