"""Near neighbours by Hamming distance among 64-bit hashes, by multi-index hashing.

The 64 bits are cut into 3 chunks of 21-22 bits. Two hashes within distance r differ in at
least one chunk by at most r // 3 bits (pigeonhole), so probing each chunk's table with every
value within r // 3 bits of the query's chunk finds every neighbour, exactly. For r <= 8 that
is 232 probes per chunk, and a 21-bit table over 100,000 photos holds 0.05 photos per value,
so almost every probe is empty. (A BK-tree degrades to a near-linear scan at r = 8 of 64.)
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

from clipdesk.duplicates.columns import Column, KeyIndex
from clipdesk.duplicates.fingerprint import dihedral_variants, dihedral_variants_array

_CHUNKS = ((0, 21), (21, 42), (42, 64))
MAX_RADIUS = 8  # probes grow as C(22, r // 3): r = 9 would need 1,794 probes per chunk


def _probe_masks(width: int, radius: int) -> list[int]:
    masks = [0]
    for flips in range(1, radius + 1):
        for bits in combinations(range(width), flips):
            masks.append(sum(1 << b for b in bits))
    return masks


class HammingIndex:
    """Incremental: add one hash at a time, ask for every stored hash within the radius.
    Compact: 40 bytes a hash (the key, the hash, and per chunk a sorted value and a position)."""

    def __init__(self, radius: int) -> None:
        if not 0 <= radius <= MAX_RADIUS:
            raise ValueError(f"radius must be 0..{MAX_RADIUS}, not {radius}")
        self.radius = radius
        self._masks = [np.asarray(_probe_masks(hi - lo, radius // len(_CHUNKS)), dtype=np.uint32) for lo, hi in _CHUNKS]
        self._chunks = [KeyIndex(np.uint32) for _ in _CHUNKS]
        self._keys = Column(np.int64)
        self._hashes = Column(np.uint64)

    def __len__(self) -> int:
        return self._keys.size

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._hashes.nbytes + sum(chunk.nbytes for chunk in self._chunks)

    def add(self, key: int, h: int) -> None:
        position = self._keys.append(key)
        self._hashes.append(h)
        for (lo, hi), chunk in zip(_CHUNKS, self._chunks, strict=True):
            chunk.add((h >> lo) & ((1 << (hi - lo)) - 1), position)

    def extend(self, keys: np.ndarray, hashes: np.ndarray) -> None:
        """Many at once (a whole library): one sort per chunk instead of one insert per hash."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        positions = np.arange(self._keys.size, self._keys.size + hashes.size, dtype=np.int32)
        self._keys.extend(np.asarray(keys, dtype=np.int64))
        self._hashes.extend(hashes)
        for (lo, hi), chunk in zip(_CHUNKS, self._chunks, strict=True):
            chunk.extend(((hashes >> np.uint64(lo)) & np.uint64((1 << (hi - lo)) - 1)).astype(np.uint32), positions)

    def _within(self, variants: Sequence[int]) -> dict[int, int]:
        """{key: smallest distance to any of the variants} within the radius."""
        found = []
        for (lo, hi), chunk, masks in zip(_CHUNKS, self._chunks, self._masks, strict=True):
            values = np.asarray([(v >> lo) & ((1 << (hi - lo)) - 1) for v in variants], dtype=np.uint32)
            found.append(chunk.matching(np.sort((values[:, None] ^ masks[None, :]).ravel())))
        positions = np.unique(np.concatenate(found))
        if positions.size == 0:
            return {}
        stored = self._hashes.values[positions]
        distance = np.full(positions.size, 64, dtype=np.int64)
        for variant in variants:
            distance = np.minimum(distance, np.bitwise_count(stored ^ np.uint64(variant)))
        keep = distance <= self.radius
        keys = self._keys.values[positions[keep]]
        return dict(zip(keys.tolist(), distance[keep].tolist(), strict=True))

    def near(self, h: int) -> dict[int, int]:
        """{key: distance} of stored hashes within the radius of h."""
        return self._within((h,))

    def near_any_orientation(self, h: int) -> dict[int, int]:
        """{key: smallest distance over the 8 orientations of h} within the radius."""
        return self._within(dihedral_variants(h))


def pairs_within(hashes: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (i < j) of positions whose hashes are within the radius in some orientation,
    with that smallest distance; the same probes as HammingIndex, vectorised over all photos."""
    if not 0 <= radius <= MAX_RADIUS:
        raise ValueError(f"radius must be 0..{MAX_RADIUS}, not {radius}")
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    variants = dihedral_variants_array(hashes)
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    found_d: list[np.ndarray] = []
    for lo, hi in _CHUNKS:
        width = hi - lo
        low_bits = np.uint64((1 << width) - 1)
        stored = ((hashes >> np.uint64(lo)) & low_bits).astype(np.int64)
        order = np.argsort(stored, kind="stable")
        counts = np.bincount(stored, minlength=1 << width)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        occupied = counts > 0  # a byte per value: the probes' random reads stay in cache
        masks = np.asarray(_probe_masks(width, radius // len(_CHUNKS)), dtype=np.int64)
        # Variant 6 (a quarter turn one way) is variant 5 (the other way) applied to the other
        # photo of the pair, and every photo is both query and stored: one of the two suffices.
        for variant in variants[:6] + variants[7:]:
            queries = ((variant >> np.uint64(lo)) & low_bits).astype(np.int64)
            by_value = np.argsort(queries)  # probing in value order reads the table in order
            queries = queries[by_value]
            probed_i: list[np.ndarray] = []
            probed_j: list[np.ndarray] = []
            for mask in masks:
                probe = queries ^ mask
                who = np.flatnonzero(occupied[probe])
                if who.size == 0:
                    continue
                n = counts[probe[who]]
                # Expand each query's run of matching stored positions without a Python loop.
                offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
                probed_i.append(np.repeat(by_value[who], n))
                probed_j.append(order[np.repeat(starts[probe[who]], n) + offsets])
            if probed_i:
                # Keep only true neighbours now: the probes' candidates, mostly chunk-only matches,
                # held all at once took ~12 KB a photo at the peak (1.2 GB at 100,000 photos).
                i, j, d = _true_pairs(np.concatenate(probed_i), np.concatenate(probed_j), hashes, variants, radius)
                found_i.append(i)
                found_j.append(j)
                found_d.append(d)
    if not found_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    i, j, distance = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)
    first, second = np.minimum(i, j), np.maximum(i, j)
    if first.size == 0:
        return first, second, distance
    pair_key = first * hashes.size + second
    pair_key, unique_at = np.unique(pair_key, return_index=True)
    return first[unique_at], second[unique_at], distance[unique_at]


def _true_pairs(
    i: np.ndarray, j: np.ndarray, hashes: np.ndarray, variants: Sequence[np.ndarray], radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs (i != j) whose smallest distance over the orientations is within the radius."""
    keep = i != j
    i, j = i[keep], j[keep]
    distance = np.full(i.size, 64, dtype=np.int64)
    for variant in variants:
        distance = np.minimum(distance, np.bitwise_count(variant[i] ^ hashes[j]).astype(np.int64))
    keep = distance <= radius
    return i[keep], j[keep], distance[keep]
