"""The perceptual hash of a decoded picture, computed where the picture is decoded.

It lives down here so the pipeline's decoder processes compute it from the one decode they
already do (from the thumbnail, which is plenty: the hash looks at 32x32 pixels); the
duplicates package holds its algebra and explains the recipe (clipdesk/duplicates/fingerprint.py).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

HASH_SIDE = 8  # 8x8 lowest frequencies -> 64 bits
_SAMPLE_SIDE = 32  # pHash's usual 4x oversampling
# Below this largest low-frequency AC coefficient (grey levels, orthonormal DCT) the picture is
# flat (a black frame, a blank page): its signs are noise, and all such photos would "match".
MIN_DETAIL = 8.0


@lru_cache(maxsize=1)
def _dct_rows() -> np.ndarray:
    """The first 8 rows of the orthonormal DCT-II matrix of size 32 (numpy has no DCT)."""
    n = np.arange(_SAMPLE_SIDE)
    k = np.arange(HASH_SIDE)[:, None]
    rows = np.cos(np.pi * (2 * n + 1) * k / (2 * _SAMPLE_SIDE)) * np.sqrt(2.0 / _SAMPLE_SIDE)
    rows[0] /= np.sqrt(2.0)
    return rows


def low_frequencies(image: Image.Image) -> np.ndarray:
    """The 8x8 lowest DCT coefficients of the picture in grey, row u (vertical) by column v."""
    grey = image.convert("L").resize((_SAMPLE_SIDE, _SAMPLE_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey, dtype=np.float64)
    rows = _dct_rows()
    coefficients: np.ndarray = rows @ pixels @ rows.T
    return coefficients


def pack_bits(bits: np.ndarray) -> int:
    return int(np.packbits(bits.astype(np.uint8), bitorder="little").view("<u8")[0])


def perceptual_hash(image: Image.Image) -> int | None:
    """64-bit hash (unsigned) of an already decoded, EXIF-oriented picture; None for a picture
    too flat to tell apart. Each bit is the sign of one low-frequency DCT coefficient."""
    coefficients = low_frequencies(image)
    detail = np.abs(coefficients).ravel()[1:].max()
    if detail < MIN_DETAIL:
        return None
    return pack_bits(coefficients.ravel() > 0)
