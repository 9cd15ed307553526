"""Compact per-photo state for the duplicate finder: growable numpy columns and a sorted key index.

A kept grouping of a 1M-photo library must not cost gigabytes. Python objects cost ~60-100 bytes
per int or dict entry, so the finder keeps its per-photo facts as numpy columns (a few bytes each)
and finds neighbours by binary search in sorted arrays instead of dicts of lists.
"""

from __future__ import annotations

import numpy as np


class Column:
    """An append-only numpy array with spare capacity (amortised O(1) appends)."""

    def __init__(self, dtype: type | np.dtype, fill: object = 0) -> None:
        self._data = np.full(0, fill, dtype=dtype)
        self._fill = fill
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def _reserve(self, size: int) -> None:
        if size > self._data.size:
            grown = np.full(max(size, self._data.size + self._data.size // 4, 64), self._fill, dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown

    def append(self, value: object) -> int:
        """Returns the new value's position."""
        self._reserve(self.size + 1)
        self._data[self.size] = value
        self.size += 1
        return self.size - 1

    def extend(self, values: np.ndarray) -> None:
        self._reserve(self.size + len(values))
        self._data[self.size : self.size + len(values)] = values
        self.size += len(values)

    def set(self, position: int, value: object) -> None:
        self._reserve(position + 1)
        self._data[position] = value
        self.size = max(self.size, position + 1)


class KeyIndex:
    """Rows by key: a sorted part searched by bisection plus a short unsorted tail of recent
    additions, scanned. The tail is sorted in (in place) once it grows past an eighth of the
    whole, so adding photos one at a time stays cheap and the index stays two arrays."""

    def __init__(self, dtype: type | np.dtype) -> None:
        self._keys = Column(dtype)
        self._rows = Column(np.int32)
        self._settled = 0  # keys[:settled] are sorted

    def __len__(self) -> int:
        return self._keys.size

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._rows.nbytes

    def add(self, key: object, row: int) -> None:
        self._keys.append(key)
        self._rows.append(row)
        if self._keys.size - self._settled > max(4096, self._keys.size // 8):
            self._settle()

    def extend(self, keys: np.ndarray, rows: np.ndarray) -> None:
        self._keys.extend(keys)
        self._rows.extend(rows)
        self._settle()

    def _settle(self) -> None:
        keys, rows = self._keys.values, self._rows.values
        order = np.argsort(keys, kind="stable")
        keys[:] = keys[order]
        rows[:] = rows[order]
        self._settled = keys.size

    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        keys, rows, n = self._keys.values, self._rows.values, self._settled
        return keys[:n], rows[:n], keys[n:], rows[n:]

    def between(self, low: float, high: float) -> np.ndarray:
        """Rows whose key is in [low, high]."""
        keys, rows, tail_keys, tail_rows = self._parts()
        lo = np.searchsorted(keys, low, side="left")
        hi = np.searchsorted(keys, high, side="right")
        tail = tail_rows[(tail_keys >= low) & (tail_keys <= high)]
        return np.concatenate((rows[lo:hi], tail))

    def matching(self, probes: np.ndarray) -> np.ndarray:
        """Rows whose key equals any of the probes, sorted ascending (once per probe that matches)."""
        keys, rows, tail_keys, tail_rows = self._parts()
        lo = np.searchsorted(keys, probes, side="left")
        counts = np.searchsorted(keys, probes, side="right") - lo
        # Expand each probe's run of equal keys without a Python loop.
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        found = rows[np.repeat(lo, counts) + offsets]
        if tail_keys.size and probes.size:
            # Each tail key looked up in the sorted probes (np.isin hashes both sides: 5x slower here).
            at = np.minimum(np.searchsorted(probes, tail_keys), probes.size - 1)
            found = np.concatenate((found, tail_rows[probes[at] == tail_keys]))
        return found
