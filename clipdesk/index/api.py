"""What the search and the pipeline need of a vector index, wherever it lives.

`VectorIndex` keeps the hnswlib index in this process; `RemoteVectorIndex` (process.py) keeps it
in a child process so that hnswlib's long GIL-holding calls (loading or saving a 2 GB file) never
freeze the app's GUI thread. Callers type against this protocol and never care which it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from .hnsw import IndexParams


class VectorIndexApi(Protocol):
    dim: int
    params: IndexParams

    def __len__(self) -> int: ...

    def __contains__(self, image_id: int) -> bool: ...

    def ids(self) -> set[int]: ...

    def id_array(self) -> np.ndarray: ...

    @property
    def deleted_fraction(self) -> float: ...

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None: ...

    def remove(self, ids: list[int] | np.ndarray) -> None: ...

    def vectors(self, ids: list[int] | np.ndarray) -> np.ndarray: ...

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, ef: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def save(self, stem: Path, extra: dict) -> None: ...
