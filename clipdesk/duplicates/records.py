"""What the duplicate finder is given: one photo (`PhotoRecord`) or a whole library as columns
(`PhotoTable`), and the settings it groups by."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

EXACT, SAME, SIMILAR = "exact", "same", "similar"
KINDS = (EXACT, SAME, SIMILAR)


@dataclass(frozen=True, eq=False, slots=True)
class PhotoRecord:
    id: int
    path: str
    size: int  # bytes
    width: int  # as displayed
    height: int
    format: str
    taken_at: float | None
    content_hash: str | None  # of the whole file; needed only when another photo may be its copy
    phash: int | None  # unsigned 64-bit perceptual hash; None for a flat picture
    embedding: np.ndarray | None  # CLIP vector (any norm)


@dataclass(frozen=True, eq=False)
class PhotoTable:
    """A library as columns, the way the engine reads it from the catalog: ~40 bytes a photo where
    a million `PhotoRecord`s with their paths would take ~300 MB just to be handed over."""

    ids: np.ndarray  # int64
    sizes: np.ndarray  # int64, bytes
    widths: np.ndarray  # int32, as displayed
    heights: np.ndarray  # int32
    taken_at: np.ndarray  # float64, NaN: unknown
    phashes: np.ndarray  # uint64
    hashed: np.ndarray  # bool: phashes holds a hash (False: flat picture, or not hashed)
    content_hashes: dict[int, str] = field(default_factory=dict)  # by id, the few known
    embeddings: dict[int, np.ndarray] = field(default_factory=dict)  # by id, when the caller has them

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def from_records(cls, photos: Iterable[PhotoRecord]) -> PhotoTable:
        records = list(photos)
        return cls(
            ids=np.array([p.id for p in records], dtype=np.int64),
            sizes=np.array([p.size for p in records], dtype=np.int64),
            widths=np.array([p.width for p in records], dtype=np.int32),
            heights=np.array([p.height for p in records], dtype=np.int32),
            taken_at=np.array([np.nan if p.taken_at is None else p.taken_at for p in records], dtype=np.float64),
            phashes=np.array([p.phash or 0 for p in records], dtype=np.uint64),
            hashed=np.array([p.phash is not None for p in records], dtype=bool),
            content_hashes={p.id: p.content_hash for p in records if p.content_hash is not None},
            embeddings={p.id: p.embedding for p in records if p.embedding is not None},
        )


def strictness_to_cosine(strictness: float) -> float:
    """The slider (0 loose .. 1 strict) to a CLIP cosine threshold: 0.88 .. 0.99.
    1.0 is Immich's 0.01 distance, which its users find too loose only because it is their
    *sole* test; here a similar pair must also be taken within the time window."""
    return 0.88 + 0.11 * min(1.0, max(0.0, strictness))


@dataclass(frozen=True)
class DuplicateSettings:
    # Measured on the corpus and copies of it (bench/duplicates.py, tests): resizes, re-encodes
    # and orientation changes differ by 0-3 bits, a centered 2% crop by up to 7, distinct photos
    # by 16 or more.
    same_radius: int = 8
    aspect_tolerance: float = 0.06  # a 2% crop changes the aspect ratio by up to ~2%
    strictness: float = 0.5
    burst_window_s: float = 30.0  # "taken within a short time of each other"
    neighbours_k: int = 32  # how many a caller's nearest-neighbour search is asked for

    @property
    def similar_cosine(self) -> float:
        return strictness_to_cosine(self.strictness)


@dataclass(frozen=True)
class Group:
    kind: str
    ids: tuple[int, ...]  # the seed (earliest placed) first

    @property
    def seed(self) -> int:
        return self.ids[0]
