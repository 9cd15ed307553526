"""Fingerprints for duplicates: each photo's perceptual hash and, when needed, its full-file hash.

A mixin of `Catalog`. The `fingerprints` table (schema.py, migration 6) is narrow, so grouping a
library reads hashes without the wide rows that hold embeddings; a row exists once a photo was
hashed (its phash NULL when the picture is too flat to tell apart).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np

from .records import chunks

_UINT64 = 1 << 64
_INT64_MAX = (1 << 63) - 1

# Photos a duplicate may be among: indexed, in an enabled root that is reachable (an unplugged
# drive's photos can be neither compared nor moved to the Trash).
_CANDIDATES = (
    "SELECT images.id, images.path, images.size, images.width, images.height, images.format, images.taken_at, "
    "fingerprints.phash, fingerprints.file_hash, fingerprints.image_id IS NOT NULL "
    "FROM images JOIN roots ON roots.id = images.root_id "
    "LEFT JOIN fingerprints ON fingerprints.image_id = images.id "
    "WHERE images.status = 'indexed' AND roots.enabled = 1 AND roots.online = 1"
)


_COLUMNS_DTYPE = np.dtype(
    [
        ("id", np.int64),
        ("size", np.int64),
        ("width", np.int32),
        ("height", np.int32),
        ("taken_at", np.float64),
        ("phash", np.int64),
        ("has_phash", np.bool_),
        ("hashed", np.bool_),
    ]
)


def _signed(h: int | None) -> int | None:
    """Unsigned 64-bit hash -> the signed integer SQLite stores."""
    return None if h is None else (h - _UINT64 if h > _INT64_MAX else h)


def _unsigned(h: int | None) -> int | None:
    return None if h is None else (h + _UINT64 if h < 0 else h)


@dataclass(frozen=True, slots=True)
class FingerprintRow:
    """What duplicate grouping needs of one photo (no embedding: read apart, only when needed)."""

    id: int
    path: str
    size: int
    width: int
    height: int
    format: str
    taken_at: float | None
    phash: int | None  # unsigned
    file_hash: str | None
    hashed: bool  # False: indexed before fingerprints were kept (the back-fill will hash it)


@dataclass(frozen=True, eq=False)
class FingerprintColumns:
    """Every candidate photo as columns (no paths: ~40 bytes a photo instead of ~300 as rows)."""

    ids: np.ndarray  # int64
    sizes: np.ndarray  # int64
    widths: np.ndarray  # int32
    heights: np.ndarray  # int32
    taken_at: np.ndarray  # float64, NaN: unknown
    phashes: np.ndarray  # uint64 (0 where there is none)
    has_phash: np.ndarray  # bool
    hashed: np.ndarray  # bool: a fingerprint row exists (False: the back-fill has not reached it)
    file_hashes: dict[int, str]  # by id, the few stored


# Meta key: the last grouping's counts by kind (JSON), so `clipdesk status` can say them without grouping.
DUPLICATE_GROUPS_META = "duplicate_groups"

_COLUMN_CHUNK = 50_000  # rows per read, so the rows' Python tuples never all exist at once


def columns_from_rows(raw: Sequence[tuple]) -> FingerprintColumns:
    """Rows of _CANDIDATES (either backend: the same columns in the same order) as columns."""
    table = np.array(
        [
            (r[0], r[2], r[3] or 0, r[4] or 0, np.nan if r[6] is None else r[6], r[7] or 0, r[7] is not None, r[9])
            for r in raw
        ],
        dtype=_COLUMNS_DTYPE,
    )
    return FingerprintColumns(
        ids=table["id"].copy(),
        sizes=table["size"].copy(),
        widths=table["width"].copy(),
        heights=table["height"].copy(),
        taken_at=table["taken_at"].copy(),
        phashes=table["phash"].astype(np.uint64),  # two's complement: the stored signed value's bits
        has_phash=table["has_phash"].copy(),
        hashed=table["hashed"].copy(),
        file_hashes={int(r[0]): r[8] for r in raw if r[8] is not None},
    )


def concatenate_columns(parts: Sequence[FingerprintColumns]) -> FingerprintColumns:
    if not parts:
        return columns_from_rows([])
    if len(parts) == 1:
        return parts[0]
    return FingerprintColumns(
        **{
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in ("ids", "sizes", "widths", "heights", "taken_at", "phashes", "has_phash", "hashed")
        },
        file_hashes={k: v for p in parts for k, v in p.file_hashes.items()},
    )


class DuplicateStore:
    # Provided by Catalog.
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        raise NotImplementedError

    # -- writes ----------------------------------------------------------------------------------

    def store_phashes(self, hashes: Iterable[tuple[int, int | None]]) -> None:
        """(image id, unsigned perceptual hash or None) of photos just decoded; a photo deleted
        meanwhile is skipped (its row is gone, so nothing refers to it)."""
        rows = [(image_id, _signed(h), image_id) for image_id, h in hashes]
        if not rows:
            return
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO fingerprints(image_id, phash) SELECT ?, ? WHERE EXISTS "
                "(SELECT 1 FROM images WHERE id = ?) "
                "ON CONFLICT(image_id) DO UPDATE SET phash = excluded.phash, file_hash = NULL",
                rows,
            )

    def store_file_hashes(self, hashes: Iterable[tuple[int, str]]) -> None:
        """Full-file hashes computed when sizes collided; kept so they are read once."""
        rows = [(digest, image_id) for image_id, digest in hashes]
        if rows:
            with self.transaction() as conn:
                conn.executemany("UPDATE fingerprints SET file_hash = ? WHERE image_id = ?", rows)

    def share_fingerprints_of_copies(self) -> int:
        """Copies and moves found by the scan (same content key, no decode) take the perceptual hash
        of the photo whose content they share. Not its full-file hash: the content key reads only the
        size and the ends of a file, so two different scans with the same margins share it; "exact
        copy" is decided by reading the whole file. Returns how many were filled."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO fingerprints(image_id, phash, file_hash) "
                "SELECT images.id, source.phash, NULL FROM images "
                "JOIN images AS other ON other.content_key = images.content_key AND other.id != images.id "
                "JOIN fingerprints AS source ON source.image_id = other.id "
                "WHERE images.status = 'indexed' AND images.content_key IS NOT NULL "
                "AND other.size = images.size "
                "AND NOT EXISTS (SELECT 1 FROM fingerprints WHERE image_id = images.id)"
            )
            return max(0, cursor.rowcount)

    # -- reads -----------------------------------------------------------------------------------

    def unfingerprinted(self, limit: int = 500) -> list[tuple[int, str, str | None]]:
        """Indexed photos with no fingerprint yet: (id, path, content key), for the back-fill."""
        rows = self.query(
            "SELECT id, path, content_key FROM images WHERE status = 'indexed' "
            "AND NOT EXISTS (SELECT 1 FROM fingerprints WHERE image_id = images.id) ORDER BY id LIMIT ?",
            (limit,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def fingerprint_counts(self) -> tuple[int, int]:
        """(photos hashed, photos indexed)."""
        hashed = self.query(
            "SELECT COUNT(*) FROM fingerprints JOIN images ON images.id = fingerprints.image_id "
            "WHERE images.status = 'indexed'"
        )[0][0]
        indexed = self.query("SELECT COUNT(*) FROM images WHERE status = 'indexed'")[0][0]
        return int(hashed), int(indexed)

    def fingerprint_rows(self, ids: Sequence[int] | None = None) -> list[FingerprintRow]:
        """Every candidate photo (ids=None), or those of these ids that are candidates."""
        if ids is None:
            raw = self.query(_CANDIDATES)
        else:
            raw = []
            for chunk in chunks(list(ids), 500):
                marks = ",".join("?" * len(chunk))
                raw += self.query(f"{_CANDIDATES} AND images.id IN ({marks})", chunk)
        return [
            FingerprintRow(
                id=r[0],
                path=r[1],
                size=r[2],
                width=r[3] or 0,
                height=r[4] or 0,
                format=r[5] or "",
                taken_at=r[6],
                phash=_unsigned(r[7]),
                file_hash=r[8],
                hashed=bool(r[9]),
            )
            for r in raw
        ]

    def fingerprint_columns(self) -> FingerprintColumns:
        """Every candidate photo, as columns, read in chunks by id."""
        parts: list[FingerprintColumns] = []
        last = -1
        while raw := self.query(f"{_CANDIDATES} AND images.id > ? ORDER BY images.id LIMIT ?", (last, _COLUMN_CHUNK)):
            last = raw[-1][0]
            parts.append(columns_from_rows(raw))
        return concatenate_columns(parts)

    def candidate_ids(self) -> set[int]:
        """Ids of every candidate photo (what a kept grouping is compared with to find new photos)."""
        rows = self.query(
            "SELECT images.id FROM images JOIN roots ON roots.id = images.root_id "
            "WHERE images.status = 'indexed' AND roots.enabled = 1 AND roots.online = 1"
        )
        return {r[0] for r in rows}

    def embeddings(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of these photos (indexed ones only)."""
        out: dict[int, np.ndarray] = {}
        for chunk in chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for image_id, blob in self.query(
                f"SELECT id, embedding FROM images WHERE id IN ({marks}) AND status = 'indexed'", chunk
            ):
                if blob is not None:
                    out[image_id] = np.frombuffer(blob, dtype=np.float32)
        return out
