"""Smart albums: a name, a description and/or example photos (minus counter-examples), kept live.

The album's vector is the normalised blend of its text vector (encoded like a search query, so a
Chinese description goes through the multilingual encoder when one is set up) and the mean of its
examples' vectors (stored embeddings for library photos, encoded otherwise), less a share of the
counter-examples' mean, as a search pushes "-terms" down.

Where membership ends: a calibrated threshold, not a fixed cosine. When the album is computed, its
vector is scored against the library's background sample (clipdesk.search.background), and its
median and MAD-based spread are kept with the album. A photo's album score is how many spreads it
stands above that background, so scores are comparable across albums and models (CLIP's raw
cosines are not). The strictness slider (0..1) maps linearly to a threshold from Z_LOOSE to
Z_STRICT spreads; members are stored down to Z_LOOSE, so moving the slider is one index range read.
Unlike search's adaptive cut (clipdesk.search.cutoff) the threshold does not grow with the library:
an album is a standing rule, and photos entering or leaving it must not depend on how many others
arrived since. Known limit: the background is measured once, when the album is computed (and again
after a model change); a library whose content shifts a lot keeps the old calibration until then.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..catalog.albums import Album
from ..search.searcher import NEGATIVE_WEIGHT
from .worker import CancelToken

if TYPE_CHECKING:
    from .core import Engine

log = logging.getLogger(__name__)

Z_LOOSE, Z_STRICT = 1.5, 6.0  # album thresholds in background spreads, at strictness 0 and 1
MIN_SPREAD = 1e-3  # a background this flat (a tiny or uniform library) says nothing finer
FULL_PASS_CHUNK = 20000


def threshold(strictness: float) -> float:
    """The score a photo needs to be in an album at this strictness (0..1)."""
    s = min(max(float(strictness), 0.0), 1.0)
    return Z_LOOSE + s * (Z_STRICT - Z_LOOSE)


@dataclass(frozen=True)
class AlbumDefinition:
    name: str
    text: str = ""
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    strictness: float = 0.5


class AlbumError(ValueError):
    """An album definition that cannot make a vector (no text, no usable example)."""


class AlbumScorer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._unusable: set[tuple[str, str]] = set()  # (album, model) whose definition gave no vector

    def _stale(self) -> list[Album]:
        model = self.engine.model_id
        return [
            a
            for a in self.engine.catalog.albums()
            if (a.model_id != model or a.vector is None) and (a.name, model) not in self._unusable
        ]

    def stale(self) -> bool:
        """Some album has no vector for the current model (and may get one)."""
        return bool(self._stale())

    def add(self, definition: AlbumDefinition) -> Album:
        """Store the definition and compute it now (on the calling thread: a text encode, a pass over the
        library's vectors); examples are kept as absolute paths."""
        if not definition.name.strip():
            raise AlbumError("an album needs a name")
        if not definition.text.strip() and not definition.examples:
            raise AlbumError("an album needs a description or example photos")
        examples = tuple(os.path.abspath(os.path.expanduser(p)) for p in definition.examples)
        counters = tuple(os.path.abspath(os.path.expanduser(p)) for p in definition.counter_examples)
        self.engine.load_model()
        vector = self._vector(definition.text, examples, counters)  # errors before anything is stored
        self._unusable.discard((definition.name.strip(), self.engine.model_id))
        album = self.engine.catalog.add_album(
            definition.name.strip(), definition.text.strip(), examples, counters, definition.strictness
        )
        self._compute(album, vector)
        stored = self.engine.catalog.album(album.name)
        assert stored is not None
        return stored

    def refresh(self, token: CancelToken | None = None) -> None:
        """Recompute albums left without a vector for the current model (a model change, a crash)."""
        for album in self._stale():
            if token is not None:
                token.check()
            if not self.engine.encoder.loaded or self.engine.store.index is None:
                self.engine.load_model()  # only when needed: a load asks for this work again
            try:
                vector = self._vector(album.description, album.examples, album.counter_examples)
            except AlbumError as exc:
                log.warning("album %r cannot be computed: %s", album.name, exc)
                self._unusable.add((album.name, self.engine.model_id))
                continue
            self._compute(album, vector, token)

    def score(self, ids: list[int], vectors: np.ndarray) -> None:
        """Score freshly committed photos for every album of the current model (one matrix product)."""
        albums = [
            a for a in self.engine.catalog.albums() if a.model_id == self.engine.model_id and a.vector is not None
        ]
        if not albums or not len(ids):
            return
        self.engine.catalog.write_album_scores({a.id: self._members(a, ids, vectors) for a in albums})

    # -- inside -----------------------------------------------------------------------------------

    def _members(self, album: Album, ids: list[int], vectors: np.ndarray) -> list[tuple[int, float]]:
        assert album.vector is not None
        z = (np.asarray(vectors, dtype=np.float32) @ album.vector - album.center) / album.spread
        return [(ids[i], float(z[i])) for i in np.flatnonzero(z >= Z_LOOSE)]

    def _compute(self, album: Album, vector: np.ndarray, token: CancelToken | None = None) -> None:
        engine = self.engine
        calibration = self._calibration(vector)
        if calibration is None:
            return  # nothing indexed yet to calibrate against: computed once photos are (refresh)
        center, spread = calibration
        engine.catalog.set_album_vector(album.id, engine.model_id, vector, center, spread)
        album = engine.catalog.album(album.name) or album
        for ids, vectors in engine.catalog.iter_embeddings(engine.model_id, chunk=FULL_PASS_CHUNK):
            if token is not None:
                token.check()
            with engine.labelling.write_lock:  # after a batch's own scores, never before them
                engine.catalog.write_album_scores({album.id: self._members(album, ids.tolist(), vectors)})

    def _calibration(self, vector: np.ndarray) -> tuple[float, float] | None:
        """The album vector's median score over the library's background sample, and its spread."""
        engine = self.engine
        index = engine.store.index
        if index is None or not len(index):
            return None
        scores = engine.searcher.background.scores(index, engine.model_id, vector)
        center = float(np.median(scores))
        spread = 1.4826 * float(np.median(np.abs(scores - center)))
        return center, max(spread, MIN_SPREAD)

    def _vector(self, text: str, examples: tuple[str, ...], counters: tuple[str, ...]) -> np.ndarray:
        searcher = self.engine.searcher
        parts: list[np.ndarray] = []
        if text.strip():
            parts.append(searcher.text_encoders.encode(text, searcher.text_encoder_for(text)))
        example_vectors = self._images(examples)
        if example_vectors:
            parts.append(_unit(np.mean(example_vectors, axis=0)))
        if not parts:
            raise AlbumError("none of its example photos can be read, and it has no description")
        vector = _unit(np.mean(parts, axis=0))
        counter_vectors = self._images(counters)
        if counter_vectors:
            vector = vector - NEGATIVE_WEIGHT * _unit(np.mean(counter_vectors, axis=0))
        return vector.astype(np.float32)

    def _images(self, paths: tuple[str, ...]) -> list[np.ndarray]:
        out = []
        for path in paths:
            try:
                out.append(self.engine.searcher.image_vector(path))
            except Exception as exc:  # a moved or unreadable example: the others still define the album
                log.warning("album example %s skipped: %s", path, exc)
        return out


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
