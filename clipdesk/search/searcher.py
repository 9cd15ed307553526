"""Search: text, image, or both, with negative terms, filters and paging."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

from ..catalog import Catalog, Filters, ImageRecord
from ..encoder import ClipEncoder
from ..index import IndexStore
from .browse import BrowseRequest, TimelineBucket, timeline_buckets

_NEGATIVE = re.compile(r'(?:^|\s)-"([^"]+)"|(?:^|\s)-(\S+)')

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
        }


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    offset: int
    has_more: bool


def split_query(text: str) -> tuple[str, list[str]]:
    """'beach -people -"red car"' -> ('beach', ['people', 'red car'])."""
    negatives = [a or b for a, b in _NEGATIVE.findall(text)]
    positive = _NEGATIVE.sub(" ", text)
    return " ".join(positive.split()), [n for n in negatives if n.strip()]


class Searcher:
    def __init__(self, catalog: Catalog, store: IndexStore, encoder: ClipEncoder) -> None:
        self.catalog = catalog
        self.store = store
        self.encoder = encoder

    def query_vector(self, request: SearchRequest) -> np.ndarray | None:
        positive, negatives = split_query(request.text or "")
        parts: list[tuple[float, np.ndarray]] = []
        text_vec = self.encoder.encode_text(positive) if positive else None
        image_vec = self.image_vector(request.image) if request.image is not None else None
        if text_vec is not None and image_vec is not None:
            w = min(max(request.text_weight, 0.0), 1.0)
            parts += [(w, text_vec), (1.0 - w, image_vec)]
        elif text_vec is not None:
            parts.append((1.0, text_vec))
        elif image_vec is not None:
            parts.append((1.0, image_vec))
        if not parts and not negatives:
            return None
        query = sum((w * v for w, v in parts), np.zeros(self._dim(), dtype=np.float32))
        if parts:
            query = query / max(float(np.linalg.norm(query)), 1e-12)
        for neg in negatives:
            # Score = sim(positive) - weight * sim(negative): linear, so one vector ranks it exactly.
            query = query - (NEGATIVE_WEIGHT / len(negatives)) * self.encoder.encode_text(neg)
        return query.astype(np.float32)

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
        query = self.query_vector(request)
        index = self.store.index
        if query is None or index is None or not len(index):
            return SearchPage([], request.offset, False)
        allowed = None if request.filters.is_empty() else self._allowed_ids(request.filters)
        want = request.offset + request.limit + 1  # one extra says whether there is a next page
        # Text in the query puts its vector among text embeddings, away from the photos: a wider search.
        ef = index.params.ef_search_text if (request.text or "").strip() else None
        ids, scores = index.search(query, want, allowed, ef=ef)
        page_ids = ids[request.offset : request.offset + request.limit].tolist()
        page_scores = scores[request.offset : request.offset + request.limit].tolist()
        records = self.catalog.images(page_ids)
        hits = [_hit(records[i], s) for i, s in zip(page_ids, page_scores, strict=True) if i in records]
        return SearchPage(hits, request.offset, len(ids) > request.offset + request.limit)

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

    def _allowed_ids(self, filters: Filters) -> np.ndarray:
        return self.catalog.filtered_ids(filters, self.encoder.model_id)

    def _dim(self) -> int:
        index = self.store.index
        return index.dim if index is not None else self.encoder.dim


def _hit(record: ImageRecord, score: float) -> SearchHit:
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
    )
