"""Search: text, image, or both, with negative terms, date words, filters, paging, and where the
best matches end.

A text query is first understood (clipdesk.search.understanding): its date words become a date
filter, "-terms" are pushed down, and the rest is encoded by the text encoder the "query languages"
setting picks (clipdesk.encoder.queries: CLIP's own tower for English, the multilingual student for
anything else). The first results are then split into best matches and other results
(clipdesk.search.cutoff) against the query's scores over a random sample of the library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

from .. import config
from ..catalog import Catalog, Filters, ImageRecord
from ..catalog.meta import QUERY_LANGUAGES
from ..encoder import ClipEncoder, QueryEncoders, TextEncoder
from ..encoder.queries import check_query_languages
from ..index import IndexStore, VectorIndexApi
from .background import BackgroundSample
from .browse import BrowseRequest, TimelineBucket, timeline_buckets
from .cutoff import best_match_count
from .scope import Scope, filter_scope, search_in
from .text_match import Lift, lift
from .understanding import UnderstoodQuery, understand

# How hard a "-term" pushes matches down, relative to the positive query.
NEGATIVE_WEIGHT = 0.6


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    image: str | Path | Image.Image | int | tuple | None = (
        None  # file, in-memory picture, image id, or a tuple of those
    )
    text_weight: float = 0.5  # used when both text and image are given
    limit: int = 50
    offset: int = 0
    filters: Filters = field(default_factory=Filters)
    parse_dates: bool = True  # date words in the text become a date filter (False: the chip was removed)
    now: datetime | None = None  # what "last summer" is relative to (default: the clock)
    query_languages: str | None = None  # auto | english | multilingual; None: the stored setting
    split: bool = True  # mark the best matches (False: one plain ranking)
    min_score: float | None = None  # best matches are those scoring at least this (default: adaptive)
    match_text: bool = True  # photos holding the query's words in their text come first (text_match.py)


@dataclass(frozen=True)
class SearchHit:
    id: int
    path: str
    score: float
    taken_at: float | None
    width: int | None
    height: int | None
    format: str | None
    content_key: str | None
    offline: bool
    best: bool = False  # among the query's best matches (see SearchPage.best_count)
    text_match: bool = False  # lifted because its text holds the query's words
    text_terms: tuple[str, ...] = ()  # which of them (the preview highlights the lines holding them)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "score": round(float(self.score), 6),
            "taken_at": datetime.fromtimestamp(self.taken_at).isoformat() if self.taken_at else None,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "offline": self.offline,
            "best": self.best,
            "text_match": self.text_match,
        }


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    offset: int
    has_more: bool
    # How many results, counted from the first of the whole ranking (not of this page), are best
    # matches: 0 = "No close matches: showing the nearest"; None = not split (browse, split=False).
    # The grid's divider goes after rank best_count. Counted over the ranks fetched so far, so it
    # is at most offset + len(hits): a later page may find the best matches go on.
    best_count: int | None = None
    query: UnderstoodQuery | None = None  # the text query as understood (None: no text)
    text_encoder: str | None = None  # id of the model that encoded the text (None: no text encoded)

    @property
    def no_close_matches(self) -> bool:
        return self.best_count == 0 and bool(self.hits)


class Searcher:
    def __init__(
        self, catalog: Catalog, store: IndexStore, encoder: ClipEncoder, text_encoders: QueryEncoders | None = None
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.encoder = encoder
        settings = config.settings()
        self.text_encoders = text_encoders or QueryEncoders(encoder, settings.multilingual_model)
        self._env_query_languages = settings.query_languages
        self.background = BackgroundSample()

    # -- the "query languages" setting -----------------------------------------------------------

    @property
    def query_languages(self) -> str:
        """CLIPDESK_QUERY_LANGUAGES, else the stored setting, else auto."""
        stored = self.catalog.get_meta(QUERY_LANGUAGES)
        return self._env_query_languages or (stored if stored in config.QUERY_LANGUAGES else None) or "auto"

    def set_query_languages(self, value: str) -> None:
        """Store the setting for this catalog (the app's choice; the environment still wins)."""
        self.catalog.set_meta(QUERY_LANGUAGES, check_query_languages(value))

    def text_encoder_for(self, text: str, query_languages: str | None = None) -> TextEncoder:
        """The encoder that would answer this text (date words and "-terms" are read first)."""
        query = understand(text)
        words = " ".join([query.text, *query.negatives])
        return self.text_encoders.pick(words, query_languages or self.query_languages)

    # -- queries ---------------------------------------------------------------------------------

    def understand(self, request: SearchRequest) -> UnderstoodQuery | None:
        if not (request.text or "").strip():
            return None
        return understand(request.text, request.now, request.parse_dates)

    def query_vector(self, request: SearchRequest) -> np.ndarray | None:
        return self._query_vector(request, self.understand(request))[0]

    def _query_vector(
        self, request: SearchRequest, query: UnderstoodQuery | None
    ) -> tuple[np.ndarray | None, str | None]:
        """The query's vector and the id of the text encoder that made its text part."""
        positive, negatives = (query.text, list(query.negatives)) if query is not None else ("", [])
        text_encoder: TextEncoder | None = None
        if positive or negatives:
            # One encoder for all of the query's words: its terms are compared with each other.
            words = " ".join([positive, *negatives])
            text_encoder = self.text_encoders.pick(words, request.query_languages or self.query_languages)
        parts: list[tuple[float, np.ndarray]] = []
        text_vec = self.text_encoders.encode(positive, text_encoder) if positive and text_encoder else None
        image_vec = self.image_vector(request.image) if request.image is not None else None
        if text_vec is not None and image_vec is not None:
            w = min(max(request.text_weight, 0.0), 1.0)
            parts += [(w, text_vec), (1.0 - w, image_vec)]
        elif text_vec is not None:
            parts.append((1.0, text_vec))
        elif image_vec is not None:
            parts.append((1.0, image_vec))
        encoder_id = text_encoder.model_id if text_encoder is not None else None
        if not parts and not negatives:
            return None, encoder_id
        vector = sum((w * v for w, v in parts), np.zeros(self._dim(), dtype=np.float32))
        if parts:
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        for neg in negatives:
            # Score = sim(positive) - weight * sim(negative): linear, so one vector ranks it exactly.
            assert text_encoder is not None  # set whenever there are negatives
            vector = vector - (NEGATIVE_WEIGHT / len(negatives)) * self.text_encoders.encode(neg, text_encoder)
        return vector.astype(np.float32), encoder_id

    def image_vector(self, image: str | Path | Image.Image | int | tuple) -> np.ndarray:
        """An indexed, unchanged photo reuses its stored embedding: no decode, no model."""
        if isinstance(image, (list, tuple)):
            # Several example photos ("photos like these"): the normalised mean of their vectors.
            mean = np.stack([self.image_vector(i) for i in image]).mean(axis=0)
            return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        if isinstance(image, (int, np.integer)):
            vec = self.catalog.embedding_of(int(image))
            if vec is None:
                raise LookupError(f"image {image} is not indexed")
            return vec
        if isinstance(image, (str, Path)):
            path = os.path.abspath(os.fspath(image))
            record = self.catalog.image_by_path(path)
            if record is not None and record.status == "indexed" and record.model_id == self.encoder.model_id:
                try:
                    st = os.stat(path)
                    fresh = st.st_size == record.size and st.st_mtime_ns == record.mtime_ns
                except OSError:
                    fresh = True  # offline drive: the stored vector is all there is
                vec = self.catalog.embedding_of(record.id) if fresh else None
                if vec is not None:
                    return vec
            image = path
        return self.encoder.encode_images([image])[0]

    def search(self, request: SearchRequest) -> SearchPage:
        understood = self.understand(request)
        query, encoder_id = self._query_vector(request, understood)
        index = self.store.index
        filters = understood.date_filters(request.filters) if understood is not None else request.filters
        if filters is None:  # the query's dates and the date filter do not overlap
            return SearchPage([], request.offset, False, None, understood, encoder_id)
        if query is None and understood is not None and understood.has_dates and request.image is None:
            # Only date words ("2019", "last summer"): that period's photos, newest first.
            page = self.browse(BrowseRequest(filters, request.offset, request.limit))
            return SearchPage(page.hits, page.offset, page.has_more, None, understood, None)
        if query is None or index is None or not len(index):
            return SearchPage([], request.offset, False, None, understood, encoder_id)
        # The filters' photos: ids from the catalog, or on a shared library the filters in the server's query.
        scope = None if filters.is_empty() else filter_scope(self.catalog, index, filters, self.encoder.model_id)
        want = request.offset + request.limit + 1  # one extra says whether there is a next page
        # Text in the query puts its vector among text embeddings, away from the photos: a wider search.
        ef = index.params.ef_search_text if (request.text or "").strip() else None
        # Photos whose text holds the query's words come first, all best matches (text_match.py).
        keep = scope.keep if scope is not None else None
        lifted = lift(self.catalog, understood, keep, query, self.store.model_id) if request.match_text else Lift()
        ids, scores = lifted.without_lifted(*search_in(index, scope, query, want + lifted.count, ef))
        end = request.offset + request.limit
        rest = scores[: max(0, end - lifted.count)]
        best_count = lifted.count + self._best_count(request, index, query, rest, scope) if request.split else None
        ids, scores = lifted.prepend(ids, scores)
        page_ids = ids[request.offset : end].tolist()
        page_scores = scores[request.offset : end].tolist()
        records = self.catalog.images(page_ids)
        hits = [
            _hit(records[i], s, best=best_count is not None and rank < best_count, text_terms=lifted.terms.get(i, ()))
            for rank, (i, s) in enumerate(zip(page_ids, page_scores, strict=True), start=request.offset)
            if i in records
        ]
        return SearchPage(hits, request.offset, len(ids) > end, best_count, understood, encoder_id)

    def _best_count(
        self,
        request: SearchRequest,
        index: VectorIndexApi,
        query: np.ndarray,
        ranked: np.ndarray,
        scope: Scope | None,
    ) -> int:
        """Best matches among the ranked scores fetched (from rank 0): a fixed threshold if the
        request gives one, else the adaptive cut against the query's library background."""
        if request.min_score is not None:
            return int(np.count_nonzero(np.asarray(ranked) >= request.min_score))
        background = self.background.scores(index, self.store.model_id or self.encoder.model_id, query)
        library_size = len(scope) if scope is not None else len(index)
        return best_match_count(np.asarray(ranked), background, library_size)

    def browse(self, request: BrowseRequest) -> SearchPage:
        """Indexed photos newest first (no date last); needs no model. Score is 0.0."""
        ids = self.catalog.browse_ids(request.filters, request.offset, request.limit + 1)
        page_ids = ids[: request.limit]
        records = self.catalog.images(page_ids)
        hits = [_hit(records[i], 0.0) for i in page_ids if i in records]
        return SearchPage(hits, request.offset, len(ids) > request.limit)

    def timeline(self, filters: Filters) -> list[TimelineBucket]:
        """Months newest first (photos with no date last); counts sum to the browse total."""
        return timeline_buckets(self.catalog.month_counts(filters))

    def _dim(self) -> int:
        index = self.store.index
        return index.dim if index is not None else self.encoder.dim


def _hit(record: ImageRecord, score: float, best: bool = False, text_terms: tuple[str, ...] = ()) -> SearchHit:
    return SearchHit(
        record.id,
        record.path,
        float(score),
        record.taken_at,
        record.width,
        record.height,
        record.format,
        record.content_key,
        record.offline,
        best,
        bool(text_terms),
        text_terms,
    )
