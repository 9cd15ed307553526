"""The indexing pipeline: scan, diff, decode, encode, commit."""

from .indexer import Changes, Indexer, Progress, RunReport

__all__ = ["Changes", "Indexer", "Progress", "RunReport"]
