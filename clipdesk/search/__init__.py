"""Search: text, image and combined queries over the vector index (date words, languages, best
matches); the library's browse order."""

from ..catalog import Filters
from .browse import BrowseRequest, TimelineBucket
from .searcher import Searcher, SearchHit, SearchPage, SearchRequest
from .understanding import UnderstoodQuery, split_query, understand

__all__ = [
    "BrowseRequest",
    "Filters",
    "SearchHit",
    "SearchPage",
    "SearchRequest",
    "Searcher",
    "TimelineBucket",
    "UnderstoodQuery",
    "split_query",
    "understand",
]
