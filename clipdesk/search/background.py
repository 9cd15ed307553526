"""A random sample of the library's stored vectors: each query's scores against it are the
background that clipdesk.search.cutoff measures "clearly above the library" by.

About 1,000 vectors, copied once out of the vector index and kept per model; a query then costs
one (1024 x dim) matrix-vector product (bench/background.py: ~0.1 ms at dim 512, whatever the
library's size). The sample is drawn again when the library has changed a lot: its size moved by
more than 10% since the draw (or at all, while the whole library fits in the sample).
On a shared library the server draws it (random ids looked up by key): no list of every id is read.
"""

from __future__ import annotations

import threading

import numpy as np

from ..index import VectorIndexApi

SAMPLE_SIZE = 1024
REDRAW_CHANGE = 0.10  # redraw once the library's size has moved by this fraction


class BackgroundSample:
    def __init__(self, size: int = SAMPLE_SIZE, seed: int = 0) -> None:
        self.size = size
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._key: tuple[str, int, int] | None = None  # (model, id(index), library size at the draw)
        self._vectors: np.ndarray | None = None
        self.draws = 0  # how many times a sample was drawn; tests and the benchmark read it

    def scores(self, index: VectorIndexApi, model_id: str, query: np.ndarray) -> np.ndarray:
        """The query's scores against the sample (all of a library that fits in it)."""
        vectors = self.vectors(index, model_id)
        return vectors @ np.asarray(query, dtype=np.float32).reshape(-1)

    def vectors(self, index: VectorIndexApi, model_id: str) -> np.ndarray:
        with self._lock:
            n = len(index)
            if self._vectors is None or self._stale(model_id, id(index), n):
                self._vectors = self._draw(index)
                self._key = (model_id, id(index), n)
                self.draws += 1
            return self._vectors

    def _draw(self, index: VectorIndexApi) -> np.ndarray:
        in_server = getattr(index, "sample_vectors", None)
        if in_server is not None:  # a shared library's server draws it: no list of every id comes here
            return np.asarray(in_server(self.size), dtype=np.float32)
        ids = index.id_array()
        if len(ids) > self.size:
            ids = np.sort(self._rng.choice(ids, self.size, replace=False))
        return index.vectors(ids)

    def _stale(self, model_id: str, index_id: int, n: int) -> bool:
        assert self._key is not None
        drawn_model, drawn_index, drawn_n = self._key
        if (drawn_model, drawn_index) != (model_id, index_id):
            return True
        if drawn_n <= self.size:
            return n != drawn_n
        return abs(n - drawn_n) > REDRAW_CHANGE * drawn_n
