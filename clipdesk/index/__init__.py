"""The vector index (hnswlib), a rebuildable cache of the catalog's embeddings."""

from .hnsw import EXACT_LIMIT, IndexParams, VectorIndex
from .store import IndexStore

__all__ = ["EXACT_LIMIT", "IndexParams", "IndexStore", "VectorIndex"]
