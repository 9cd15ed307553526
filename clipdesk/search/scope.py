"""The photos a filtered search may return, however the library holds its vectors.

Searching in this process's index, the scope is the list of ids the catalog finds for the filters.
On a shared library the filters themselves go to the server, which applies them in its vector query
(an iterative index scan): no list of ids leaves the server or goes back to it.
"""

from __future__ import annotations

import numpy as np

from ..catalog import Catalog, Filters
from ..index import VectorIndexApi
from ..index.server_vectors import ServerVectorIndex


class IdScope:
    """The allowed ids, searched by this process's index."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def keep(self, candidates: np.ndarray) -> np.ndarray:
        return candidates[np.isin(candidates, self.ids)]

    def search(self, index: VectorIndexApi, query: np.ndarray, k: int, ef: int | None) -> tuple[np.ndarray, np.ndarray]:
        return index.search(query, k, self.ids, ef=ef)


class ServerScope:
    """The filters, applied by the shared library's server."""

    def __init__(self, index: ServerVectorIndex, filters: Filters) -> None:
        self.index = index
        self.filters = filters
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:  # once per search: the walk's length and the best-match cut both use it
            self._count = self.index.filtered_count(self.filters)
        return self._count

    def keep(self, candidates: np.ndarray) -> np.ndarray:
        return self.index.passing_filters(candidates, self.filters)

    def search(self, index: VectorIndexApi, query: np.ndarray, k: int, ef: int | None) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(query, k, ef=ef, filters=self.filters, passing=len(self))


Scope = IdScope | ServerScope


def filter_scope(catalog: Catalog, index: VectorIndexApi | None, filters: Filters, model_id: str) -> Scope:
    if isinstance(index, ServerVectorIndex):
        return ServerScope(index, filters)
    return IdScope(catalog.filtered_ids(filters, model_id))


def search_in(
    index: VectorIndexApi, scope: Scope | None, query: np.ndarray, k: int, ef: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The top-k (ids, scores) of the scope (of the whole library when None), best first."""
    if scope is None:
        return index.search(query, k, None, ef=ef)
    return scope.search(index, query, k, ef)
