"""Search: text, image and combined queries over the vector index."""

from .searcher import Filters, Searcher, SearchHit, SearchPage, SearchRequest, split_query

__all__ = ["Filters", "SearchHit", "SearchPage", "SearchRequest", "Searcher", "split_query"]
