"""Which photo of a group to suggest keeping, ranked and explained; the user can pick another.

The ranking, first difference decides:
1. most pixels (a resized or cropped copy is the lesser one);
2. capture time kept (a copy that lost its EXIF is a derived one);
3. a camera format (JPEG, HEIC, TIFF...) over a conversion (PNG, WebP, GIF, BMP): a lossless
   PNG of a JPEG is bigger in bytes but holds nothing more, so bytes alone would pick it;
4. most bytes (in a burst: the frame with most detail, as blur compresses better);
5. earliest taken;
6. in a preferred folder;
7. shortest path, then lowest id, so the suggestion is stable.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from clipdesk.duplicates.records import PhotoRecord

_CONVERSION_FORMATS = frozenset({"PNG", "WEBP", "GIF", "BMP", "DIB"})
_WHY = ("pixels", "dated", "format", "bytes", "earliest", "folder", "name")


@dataclass(frozen=True)
class KeeperChoice:
    keep: int  # photo id
    reason: str  # why this one over the runner-up, for people: "largest (4032×3024)"
    ranking: tuple[int, ...]  # all members, best first
    why: str = "only"  # the deciding criterion, for translated texts: pixels|dated|format|bytes|earliest|folder|name


def _in_folder(path: str, folders: Sequence[str]) -> bool:
    full = os.path.abspath(path)
    for folder in folders:
        root = os.path.abspath(folder)
        if full == root or full.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} KB"


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


def suggest_keeper(photos: Sequence[PhotoRecord], preferred_folders: Sequence[str] = ()) -> KeeperChoice:
    if not photos:
        raise ValueError("an empty group has no keeper")

    def criteria(p: PhotoRecord) -> tuple[tuple[object, str], ...]:
        """(sort key, reason it wins) per criterion, smaller keys first (in the order of _WHY)."""
        return (
            (-(p.width * p.height), f"largest ({p.width}×{p.height})"),
            (p.taken_at is None, "keeps its capture date"),
            (p.format.upper() in _CONVERSION_FORMATS, f"original format ({p.format.upper()})"),
            (-p.size, f"largest file ({_megabytes(p.size)})"),
            (p.taken_at if p.taken_at is not None else float("inf"), "earliest"),
            (not _in_folder(p.path, preferred_folders), f"in {os.path.dirname(p.path)}"),
            ((len(p.path), p.path, p.id), "first by name"),
        )

    ranked = sorted(photos, key=lambda p: tuple(key for key, _ in criteria(p)))
    best = ranked[0]
    reason, decided = "the only photo", "only"
    if len(ranked) > 1:
        for (mine, why), (theirs, _), key in zip(criteria(best), criteria(ranked[1]), _WHY, strict=True):
            if mine != theirs:
                reason, decided = why, key
                if why == "earliest" and best.taken_at is not None:
                    reason = f"earliest ({_when(best.taken_at)})"
                break
    return KeeperChoice(best.id, reason, tuple(p.id for p in ranked), decided)
