"""The vector index (hnswlib), a rebuildable cache of the catalog's embeddings."""

from .api import VectorIndexApi
from .hnsw import EXACT_LIMIT, IndexParams, VectorIndex
from .process import IndexProcessLost, RemoteVectorIndex
from .store import IndexStore

__all__ = [
    "EXACT_LIMIT",
    "IndexParams",
    "IndexProcessLost",
    "IndexStore",
    "RemoteVectorIndex",
    "VectorIndex",
    "VectorIndexApi",
]
