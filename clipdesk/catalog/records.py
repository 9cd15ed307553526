"""What the catalog hands out and takes in: plain records, and the rows they come from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# Every column but the embedding: reading a page of records never pulls 2 KiB vectors.
# `offline` is the root's state (roots.online): one row flips when a drive goes or comes back,
# never a million (images.offline is no longer written or read: see schema.py).
IMAGE_COLUMNS = (
    "id, root_id, path, size, mtime_ns, content_key, width, height, taken_at, format, status, error, model_id, "
    "(SELECT roots.online = 0 FROM roots WHERE roots.id = images.root_id)"
)
ROOT_COLUMNS = "id, path, enabled, excludes, online"


@dataclass(frozen=True)
class Root:
    id: int
    path: str
    enabled: bool
    excludes: tuple[str, ...]
    online: bool


@dataclass(frozen=True)
class ImageRecord:
    id: int
    root_id: int
    path: str
    size: int
    mtime_ns: int
    content_key: str | None
    width: int | None
    height: int | None
    taken_at: float | None
    format: str | None
    status: str
    error: str | None
    model_id: str | None
    offline: bool


@dataclass(frozen=True)
class ScanEntry:
    """What the scan diff needs to know of a catalogued file."""

    id: int
    size: int
    mtime_ns: int
    status: str


@dataclass
class EncodedImage:
    """A decoded and encoded file, ready to be committed."""

    path: str
    root_id: int
    size: int
    mtime_ns: int
    content_key: str
    width: int
    height: int
    taken_at: float | None
    format: str
    embedding: np.ndarray


@dataclass
class FailedImage:
    path: str
    root_id: int
    size: int
    mtime_ns: int
    content_key: str | None
    error: str


@dataclass(frozen=True)
class NewPath:
    """A catalogued photo's content found at a new path (moved, renamed or copied): the
    path reuses that photo's embedding and thumbnail instead of being encoded again."""

    image_id: int
    path: str
    root_id: int
    size: int
    mtime_ns: int


def root_from_row(row: sqlite3.Row | tuple) -> Root:
    return Root(int(row[0]), row[1], bool(row[2]), tuple(json.loads(row[3] or "[]")), bool(row[4]))


def image_from_row(row: tuple) -> ImageRecord:
    return ImageRecord(
        id=row[0],
        root_id=row[1],
        path=row[2],
        size=row[3],
        mtime_ns=row[4],
        content_key=row[5],
        width=row[6],
        height=row[7],
        taken_at=row[8],
        format=row[9],
        status=row[10],
        error=row[11],
        model_id=row[12],
        offline=bool(row[13]),
    )


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
