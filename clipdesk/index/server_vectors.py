"""The vector index of a shared library: the PostgreSQL server's own HNSW index over its rows.

`ServerVectorStore` stands where `IndexStore` does (the engine, indexer and searcher use either), and
`ServerVectorIndex` where `VectorIndex` does: same search signature, but the search runs in the
server and nothing is held in this process. Adding and removing are no-ops (the catalog's rows are
the index), and there is no file to save: a desktop on a shared library holds no index in memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np

from ..catalog import Catalog, Filters
from ..catalog.postgres import PgCatalog, machine_id
from .hnsw import IndexParams
from .store import IndexStore

COUNT_TTL_S = 10.0  # len(index) is asked at every search: a count of a million rows is cached a while


class ServerVectorIndex:
    """A model's vectors in the shared library, searched by the server."""

    def __init__(self, catalog: PgCatalog, model_id: str, dim: int, params: IndexParams) -> None:
        self.catalog = catalog
        self.model_id = model_id
        self.dim = dim
        self.params = params
        self._count: tuple[float, int] | None = None

    def __len__(self) -> int:
        now = time.monotonic()
        if self._count is None or now - self._count[0] > COUNT_TTL_S:
            self._count = (now, self.catalog.indexed_count(self.model_id))
        return self._count[1]

    def __contains__(self, image_id: int) -> bool:
        return self.catalog.embedding_of(int(image_id)) is not None

    def ids(self) -> set[int]:
        return set(self.id_array().tolist())

    def id_array(self) -> np.ndarray:
        return self.catalog.live_vector_ids(self.model_id)

    @property
    def deleted_fraction(self) -> float:
        return 0.0

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        self._count = None  # the rows are the index: only the cached count changes

    def remove(self, ids: list[int] | np.ndarray) -> None:
        self._count = None

    def vectors(self, ids: list[int] | np.ndarray) -> np.ndarray:
        found = self.catalog.vectors_of([int(i) for i in ids])
        return found if len(found) else np.zeros((0, self.dim), dtype=np.float32)

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        ef: int | None = None,
        filters: Filters | None = None,
        passing: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, inner products) best first; `filters` restrict in the server's own query (an
        iterative index scan, or exact when few pass; `passing`: how many, if counted already), as
        `allowed` ids do; `ef` widens the search for this query only."""
        if k <= 0 or (allowed is not None and not len(allowed)) or passing == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        filtered = allowed is not None or (filters is not None and not filters.is_empty())
        return self.catalog.vector_search(
            self.model_id,
            self.dim,
            query,
            k,
            allowed,
            ef=ef or self.params.ef_search,
            library_size=len(self) if filtered else 0,
            filters=filters,
            passing=passing,
        )

    def sample_vectors(self, n: int) -> np.ndarray:
        """About n vectors drawn at random by the server (the best-match cut's library background)."""
        found = self.catalog.sample_vectors(self.model_id, n)
        return found if len(found) else np.zeros((0, self.dim), dtype=np.float32)

    def filtered_count(self, filters: Filters) -> int:
        return self.catalog.filtered_count(self.model_id, filters)

    def passing_filters(self, ids: np.ndarray, filters: Filters) -> np.ndarray:
        return self.catalog.passing_filters(ids, filters)

    def save(self, stem: Path, extra: dict) -> None:
        pass  # nothing to save: the server keeps its index


class ServerVectorStore:
    """The shared library's stand-in for IndexStore: opens (creates) the server's index for a model."""

    in_process = True  # nothing to load beside the model
    in_server = True  # status: no index file, the server's index is always current

    def __init__(self, catalog: PgCatalog, folder: Path, params: IndexParams = IndexParams()) -> None:
        self.catalog = catalog
        self.folder = Path(folder)  # no files are written there; disk checks glob it and find none
        self.params = params
        self.index: ServerVectorIndex | None = None
        self.model_id: str | None = None
        self.last_open = "not opened"
        self.read_only = False
        self.on_lost: Callable[[str], None] | None = None
        self.mutation = threading.RLock()
        self._open_lock = threading.Lock()

    @property
    def changed(self) -> bool:
        return False

    def ensure_open(self, model_id: str, dim: int) -> ServerVectorIndex:
        with self._open_lock:
            index = self.index
            if index is not None and self.model_id == model_id and index.dim == dim:
                return index
            return self._open(model_id, dim)

    def open(self, model_id: str, dim: int) -> ServerVectorIndex:
        with self._open_lock:
            return self._open(model_id, dim)

    def _open(self, model_id: str, dim: int) -> ServerVectorIndex:
        built = self.catalog.ensure_vector_index(model_id, dim)
        self.last_open = "built in the server" if built else "in the server"
        index = ServerVectorIndex(self.catalog, model_id, dim, self.params)
        self.index, self.model_id = index, model_id
        return index

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        if self.index is not None:
            self.index.add(ids, vectors)

    def remove(self, ids: list[int]) -> None:
        if self.index is not None:
            self.index.remove(ids)

    def save_if_due(self, interval_s: float = 60.0) -> None:
        pass

    def save_if_changed(self) -> bool:
        return False

    def save(self) -> None:
        pass

    def close(self) -> None:
        self.index = None


def open_shared_library(url: str, data_dir: Path, params: IndexParams = IndexParams()) -> tuple[Catalog, IndexStore]:
    """The catalog and vector store of a shared library, for an Engine. They stand where the SQLite
    Catalog and IndexStore do: the same methods the engine, indexer and searcher call (tests/test_backends.py
    runs the engine's behaviour on both), hence the casts."""
    catalog = PgCatalog(url, machine_id(data_dir))
    store = ServerVectorStore(catalog, Path(data_dir) / "index", params)
    return cast(Catalog, catalog), cast(IndexStore, store)
