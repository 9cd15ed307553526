"""The Engine's label and album API, for the app, the CLI and the HTTP API (a mixin of Engine).

Reads (`labels`, `photo_labels`, `albums`, `album_photos`) need no model. `describe_image` and
`classify_images` run the model on any picture, in the library or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ..catalog import Catalog, Filters
from ..catalog.albums import Album
from ..labels import Label, LabelVectors, find_label, from_names, label_vectors, probabilities
from ..search import SearchPage
from ..search.searcher import _hit
from .albums import AlbumDefinition, threshold

if TYPE_CHECKING:
    from ..search import Searcher
    from .labelling import Labelling

ImageInput = str | Path | Image.Image | int


@dataclass(frozen=True)
class LabelInfo:
    id: str
    name: str  # English display name
    zh: str
    category: str
    count: int = 0  # photos tagged with it
    cover_id: int | None = None  # the photo it fits best


@dataclass(frozen=True)
class ScoredLabel:
    id: str
    name: str
    zh: str
    category: str
    probability: float


@dataclass(frozen=True)
class AlbumInfo:
    name: str
    description: str
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    strictness: float
    created_at: float
    count: int  # members at its strictness
    ready: bool  # computed for the current model


class LabelsApi:
    # Provided by Engine.
    catalog: Catalog
    searcher: Searcher
    labelling: Labelling
    model_id: str

    def load_model(self) -> None:
        raise NotImplementedError

    # -- labels ---------------------------------------------------------------------------------

    def find_label(self, name: str) -> Label | None:
        """A label by id, English name or synonym, or Chinese name or alias."""
        return find_label(self.labelling.vocabulary(), name)

    def labels(self) -> list[LabelInfo]:
        """The library's labels with photo counts and a cover photo, most photos first."""
        vocabulary = self.labelling.vocabulary()
        known = set(vocabulary.ids)  # Vocabulary.ids builds a tuple on each call: once, not per row
        out = []
        for row in self.catalog.label_counts():
            if row.label in known:
                label = vocabulary[row.label]
                out.append(LabelInfo(label.id, label.en, label.zh, label.category, row.count, row.cover_id))
        return out

    def photo_labels(self, image_id: int) -> list[ScoredLabel]:
        """A photo's tags with their probabilities, best first (the preview's "What's in this photo")."""
        vocabulary = self.labelling.vocabulary()
        return [_scored(vocabulary[label], p) for label, p in self.catalog.tags_of(image_id) if label in vocabulary.ids]

    def label_photos(self, label_id: str, offset: int = 0, limit: int = 50) -> SearchPage:
        """Photos tagged with a label, best fit first (score = probability)."""
        return self.labelled_page(Filters(label=label_id), offset, limit)

    def labelled_page(self, filters: Filters, offset: int, limit: int) -> SearchPage:
        """The photos of `filters.label` that pass the other filters, best fit first."""
        assert filters.label
        rows = self.catalog.label_page(filters.label, replace(filters, label=None), offset, limit + 1)
        scores = dict(rows[:limit])
        return SearchPage(_hits(self.catalog, [i for i, _ in rows[:limit]], scores), offset, len(rows) > limit)

    def describe_image(
        self, image: ImageInput, limit: int = 5, texts: Sequence[str] | None = None
    ) -> list[tuple[str, float]] | list[ScoredLabel]:
        """The vocabulary's best labels for any picture (with their probabilities over the whole
        vocabulary), or, given `texts`, those texts best first with their cosine similarity
        (image-to-text retrieval). A library photo reuses its stored embedding."""
        self.load_model()
        vector = self.searcher.image_vector(image)
        if texts is not None:
            encoded = np.stack([self._text_vector(t) for t in texts])
            sims = encoded @ vector
            order = np.argsort(-sims, kind="stable")[:limit]
            return [(texts[i], float(sims[i])) for i in order]
        active = self.labelling.ensure_vectors()
        probs = probabilities(vector, active.vectors)[0]
        best = np.argsort(-probs, kind="stable")[:limit]
        return [_scored(active.vocabulary.labels[i], float(probs[i])) for i in best]

    def _text_vector(self, text: str) -> np.ndarray:
        """A text read by the encoder a search would use for it (Chinese: the multilingual one), or by
        CLIP's own tower when no multilingual model is set up: a caption list still gets ranked."""
        from ..encoder.text import MultilingualModelUnavailableError

        encoders = self.searcher.text_encoders
        try:
            return encoders.encode(text, self.searcher.text_encoder_for(text))
        except MultilingualModelUnavailableError:
            return self.searcher.encoder.encode_text(text)

    def classify_images(self, images: Sequence[ImageInput], names: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Zero-shot classification over the caller's labels: per image, (label, probability) best first;
        probabilities sum to 1 over the labels given."""
        vocabulary = from_names(names)
        self.load_model()
        vectors: LabelVectors = label_vectors(self.searcher.encoder, vocabulary)
        out = []
        for image in images:
            probs = probabilities(self.searcher.image_vector(image), vectors)[0]
            order = np.argsort(-probs, kind="stable")
            out.append([(vocabulary.ids[i], float(probs[i])) for i in order])
        return out

    # -- albums ---------------------------------------------------------------------------------

    def add_album(
        self,
        name: str,
        text: str = "",
        examples: Sequence[str] = (),
        counter_examples: Sequence[str] = (),
        strictness: float = 0.5,
    ) -> AlbumInfo:
        """Create (or redefine) a smart album and fill it now; raises AlbumError for an empty definition."""
        definition = AlbumDefinition(name, text, tuple(examples), tuple(counter_examples), strictness)
        album = self.labelling.albums.add(definition)
        return self._album_info(album)

    def albums(self) -> list[AlbumInfo]:
        return [self._album_info(a) for a in self.catalog.albums()]

    def album(self, name: str) -> AlbumInfo | None:
        album = self.catalog.album(name)
        return self._album_info(album) if album is not None else None

    def remove_album(self, name: str) -> bool:
        return self.catalog.remove_album(name)

    def set_album_strictness(self, name: str, strictness: float) -> None:
        self.catalog.set_album_strictness(name, min(max(strictness, 0.0), 1.0))

    def album_photos(self, name: str, offset: int = 0, limit: int = 50, strictness: float | None = None) -> SearchPage:
        """An album's photos, best first (score: spreads above the library's background). `strictness`
        overrides the stored one (the slider, before it is let go)."""
        album = self.catalog.album(name)
        if album is None:
            raise KeyError(name)
        cut = threshold(album.strictness if strictness is None else strictness)
        rows = self.catalog.album_member_ids(album.id, cut, offset, limit + 1)
        scores = dict(rows[:limit])
        return SearchPage(_hits(self.catalog, [i for i, _ in rows[:limit]], scores), offset, len(rows) > limit)

    def _album_info(self, album: Album) -> AlbumInfo:
        ready = album.model_id == self.model_id and album.vector is not None
        count = self.catalog.album_count(album.id, threshold(album.strictness)) if ready else 0
        return AlbumInfo(
            album.name,
            album.description,
            album.examples,
            album.counter_examples,
            album.strictness,
            album.created_at,
            count,
            ready,
        )


def _scored(label: Label, probability: float) -> ScoredLabel:
    return ScoredLabel(label.id, label.en, label.zh, label.category, probability)


def _hits(catalog: Catalog, ids: list[int], scores: dict[int, float]) -> list:
    records = catalog.images(ids)
    return [_hit(records[i], scores.get(i, 0.0)) for i in ids if i in records]
