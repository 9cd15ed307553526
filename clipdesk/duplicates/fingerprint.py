"""Fingerprints of a photo: a perceptual hash of the picture and a full hash of the file's bytes.

The perceptual hash is pHash's recipe (grey, 32x32, DCT, the 8x8 lowest frequencies) with one
change: each bit is the *sign* of its coefficient instead of "above the median". With the
threshold at zero, rotating or mirroring the picture acts on the 64 bits exactly (a transpose
of the 8x8 grid and sign flips of the odd rows/columns), so a copy whose EXIF orientation tag
was changed is found from the stored 64 bits alone, without decoding anything again. With
imagehash's median threshold the same algebra is off by 4-12 bits (measured on the corpus),
which is why imagehash is not used.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

# The hash itself is computed where photos are decoded (the pipeline's decoder processes).
from clipdesk.imaging.phash import HASH_SIDE as HASH_SIDE
from clipdesk.imaging.phash import MIN_DETAIL as MIN_DETAIL
from clipdesk.imaging.phash import low_frequencies as low_frequencies
from clipdesk.imaging.phash import pack_bits as _pack
from clipdesk.imaging.phash import perceptual_hash as perceptual_hash

_UINT64 = 1 << 64
_INT64_MAX = (1 << 63) - 1


def _odd_mask(axis: int) -> int:
    grid = np.zeros((HASH_SIDE, HASH_SIDE), dtype=bool)
    if axis == 0:
        grid[1::2, :] = True
    else:
        grid[:, 1::2] = True
    return _pack(grid.ravel())


ODD_ROWS = _odd_mask(0)  # flipping the picture upside down negates these coefficients
ODD_COLUMNS = _odd_mask(1)  # mirroring it left-right negates these
_TRANSPOSE = [(i % HASH_SIDE) * HASH_SIDE + i // HASH_SIDE for i in range(HASH_SIDE * HASH_SIDE)]


def transpose(h: int) -> int:
    out = 0
    for src, dst in enumerate(_TRANSPOSE):
        out |= ((h >> src) & 1) << dst
    return out


def dihedral_variants(h: int) -> tuple[int, ...]:
    """The hash of the picture under each of the 8 EXIF orientations (identity first)."""
    out = []
    for base in (h, transpose(h)):
        for flips in (0, ODD_ROWS, ODD_COLUMNS, ODD_ROWS ^ ODD_COLUMNS):
            out.append(base ^ flips)
    return tuple(out)


def dihedral_variants_array(hashes: np.ndarray) -> list[np.ndarray]:
    """dihedral_variants for a uint64 array, in the same order."""
    hashes = hashes.astype(np.uint64)
    transposed = np.zeros_like(hashes)
    one = np.uint64(1)
    for src, dst in enumerate(_TRANSPOSE):
        transposed |= ((hashes >> np.uint64(src)) & one) << np.uint64(dst)
    out = []
    for base in (hashes, transposed):
        for flips in (0, ODD_ROWS, ODD_COLUMNS, ODD_ROWS ^ ODD_COLUMNS):
            out.append(base ^ np.uint64(flips))
    return out


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def rotation_free_distance(a: int, b: int) -> int:
    """Hamming distance between two pictures, whichever way up either one is stored."""
    return min(hamming(v, b) for v in dihedral_variants(a))


def to_signed64(h: int) -> int:
    """Unsigned 64-bit hash -> the signed integer SQLite can store."""
    return h - _UINT64 if h > _INT64_MAX else h


def from_signed64(h: int) -> int:
    return h + _UINT64 if h < 0 else h


def content_hash(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of the whole file, streamed. Only worth reading a file for when another photo
    has exactly its size: files of different sizes cannot be copies, and reading the whole
    library (hundreds of GB) to hash it would cost more than indexing it did. SHA-256 rather
    than BLAKE2: CPUs with SHA extensions run it about twice as fast (1.1 vs 0.6 GB/s here)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
