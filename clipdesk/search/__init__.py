"""Search: text, image and combined queries over the vector index; the library's browse order."""

from ..catalog import Filters
from .browse import BrowseRequest, TimelineBucket
from .searcher import Searcher, SearchHit, SearchPage, SearchRequest, split_query

__all__ = [
    "BrowseRequest",
    "Filters",
    "SearchHit",
    "SearchPage",
    "SearchRequest",
    "Searcher",
    "TimelineBucket",
    "split_query",
]
