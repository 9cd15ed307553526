"""Zero-shot labels and smart albums, kept up to date beside indexing.

- Label vectors: computed once per (model, vocabulary version) and cached in the catalog. The
  computation (~12k prompts through the text tower: minutes for a full-size model on a CPU) runs as
  a typed job on its own worker thread, so search and indexing go on meanwhile.
- Each committed batch is tagged from its embeddings right after the commit: one matrix product,
  no model pass (`batch_committed`, called by the indexer). Until the vectors exist photos stay
  untagged, and the backlog job tags them once they do; the same job tags an existing library
  after an upgrade, copies (which reuse an embedding without a batch), and everything again after
  a model or vocabulary change.
- Smart albums (albums.py) are scored in the same places.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..labels import CutOff, LabelVectors, Vocabulary, classify, label_vectors, load_vocabulary
from .albums import AlbumScorer
from .worker import CancelToken, JobFailure, Worker

if TYPE_CHECKING:
    from .core import Engine

log = logging.getLogger(__name__)

BACKLOG_CHUNK = 2048  # photos tagged per transaction by the backlog job


@dataclass(frozen=True)
class PrepareLabels:
    """Make the current model's label vectors ready (compute once, or read back), then tag what is untagged
    and recompute the albums the model change left behind."""


@dataclass(frozen=True)
class RefreshAlbums:
    """Compute albums whose vector is missing or from another model (a new or redefined album)."""


LabelJob = PrepareLabels | RefreshAlbums


@dataclass(frozen=True)
class LabellingState:
    phase: str = "idle"  # idle | vectors | tagging | albums | unavailable
    done: int = 0
    total: int = 0


@dataclass(frozen=True)
class ActiveLabels:
    set_id: int
    model_id: str
    vocabulary: Vocabulary
    vectors: LabelVectors


class _CountingEncoder:
    """The encoder as label_vectors sees it: counts prompts for progress, and stops when cancelled."""

    def __init__(self, labelling: Labelling, token: CancelToken | None, total: int) -> None:
        self._labelling, self._token, self._total, self._done = labelling, token, total, 0

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        if self._token is not None:
            self._token.check()
        vectors = self._labelling.engine.encoder.encode_texts(texts)
        self._done += len(texts)
        self._labelling.state = LabellingState("vectors", self._done, self._total)
        return vectors

    @property
    def logit_scale(self) -> float:
        return self._labelling.engine.encoder.logit_scale


class Labelling:
    def __init__(self, engine: Engine, cutoff: CutOff | None = None) -> None:
        self.engine = engine
        self.cutoff = cutoff or CutOff()
        self.albums = AlbumScorer(engine)
        self.state = LabellingState()
        self._vocabulary: Vocabulary | None = None
        self._active: ActiveLabels | None = None
        self._prepare_lock = threading.Lock()
        # Tagging reads embeddings and writes tags; one writer at a time keeps a photo re-encoded
        # meanwhile from getting the tags of its old vector after its new ones.
        self.write_lock = threading.Lock()
        self._worker: Worker[LabelJob] | None = None
        self._failed_for: str | None = None  # the model whose labels failed: not retried at every search

    # -- the background worker ------------------------------------------------------------------

    def start(self) -> None:
        if self._worker is None:
            self._worker = Worker("clipdesk-labels", self._run, on_failed=self._failed)

    def stop(self, timeout: float) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()
            worker.join(timeout)

    def submit(self, job: LabelJob) -> None:
        if self._worker is not None:
            self._worker.submit(job)

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.busy

    def _run(self, job: LabelJob, token: CancelToken) -> None:
        queued = [job, *(self._worker.take_queued() if self._worker is not None else [])]
        if any(isinstance(j, PrepareLabels) for j in queued):
            self.prepare(token)
        else:
            self.albums.refresh(token)
        self.state = LabellingState()

    def _failed(self, failure: JobFailure) -> None:
        from ..encoder import ModelUnavailableError

        self.state = LabellingState("unavailable" if isinstance(failure.error, ModelUnavailableError) else "idle")
        if failure.cancelled or isinstance(failure.error, ModelUnavailableError):
            return
        from .safety import as_disk_problem

        problem = as_disk_problem(failure.error, self.engine) if failure.error is not None else None
        if problem is not None:  # the one disk state, not an "unexpected error"; labelling runs again later
            self.engine.disk_trouble(problem)
            return
        self._failed_for = self.engine.model_id
        log.error("labelling failed", exc_info=failure.error)
        self.engine.listeners.message("error", f"Labelling photos stopped by an unexpected error: {failure.message}")

    # -- vectors --------------------------------------------------------------------------------

    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = load_vocabulary()
        return self._vocabulary

    @property
    def active(self) -> ActiveLabels | None:
        """The label set in use, if it is the current model's."""
        active = self._active
        return active if active is not None and active.model_id == self.engine.model_id else None

    def ensure_vectors(self, token: CancelToken | None = None) -> ActiveLabels:
        """Load the model; read the label vectors back from the catalog or compute and store them."""
        active = self._ready(token, compute=True)
        assert active is not None
        return active

    def _ready(self, token: CancelToken | None, compute: bool) -> ActiveLabels | None:
        with self._prepare_lock:
            if self.active is not None:
                return self.active
            catalog, model_id, vocabulary = self.engine.catalog, self.engine.model_id, self.vocabulary()
            stored = catalog.label_set(model_id, vocabulary.version)
            if stored is not None and stored.label_ids == vocabulary.ids:
                vectors = LabelVectors(stored.label_ids, stored.vectors, stored.logit_scale, vocabulary.version)
                set_id = stored.id
            elif not compute:
                return None
            else:
                self.engine.load_model()
                total = sum(len(vocabulary.prompt_texts(label)) for label in vocabulary.labels)
                log.info("computing label vectors for %s: %d prompts", model_id, total)
                self.state = LabellingState("vectors", 0, total)
                vectors = label_vectors(_CountingEncoder(self, token, total), vocabulary)
                set_id = catalog.save_label_set(
                    model_id, vocabulary.version, vectors.logit_scale, vectors.label_ids, vectors.vectors
                )
            if catalog.current_label_set() != set_id:
                catalog.activate_label_set(set_id)
            self._active = ActiveLabels(set_id, model_id, vocabulary, vectors)
            return self._active

    # -- tagging --------------------------------------------------------------------------------

    def prepare(self, token: CancelToken | None = None) -> None:
        """Everything the labels need, on the calling thread: vectors, the backlog, the albums."""
        self.ensure_vectors(token)
        self.tag_backlog(token)
        self.albums.refresh(token)

    def tag_if_ready(self) -> None:
        """After `clipdesk index`: tag what is untagged and fill stale albums, if the label vectors are
        stored already. Computing them (minutes for a full-size model) is left to the first command that
        needs them (`labels`, `describe`, `search --label`) or to the app's background worker."""
        if self._ready(None, compute=False) is not None:
            self.tag_backlog()
        if self.engine.encoder.loaded:
            self.albums.refresh()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no label job is queued or running (tests and scripts)."""
        deadline = time.monotonic() + timeout
        while self.busy:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def tag_backlog(self, token: CancelToken | None = None) -> int:
        """Tag every indexed photo the current label set has not tagged yet; returns how many."""
        active = self.active
        if active is None:
            return 0
        catalog = self.engine.catalog
        seq = catalog.change_seq()  # read first: photos changed from now on are caught next time
        since = catalog.labels_watermark(active.set_id)
        ids = catalog.unlabelled_ids(active.model_id, active.set_id, since)
        self.state = LabellingState("tagging", 0, len(ids))
        for start in range(0, len(ids), BACKLOG_CHUNK):
            if token is not None:
                token.check()
            with self.write_lock:
                found, vectors = catalog.embeddings_of(ids[start : start + BACKLOG_CHUNK], active.model_id)
                if found:
                    self._write(active, found, vectors)
            self.state = LabellingState("tagging", min(start + BACKLOG_CHUNK, len(ids)), len(ids))
        catalog.set_labels_watermark(active.set_id, seq)
        if since < 0:  # a whole pass: what other label sets left behind goes now
            catalog.drop_other_tags(active.set_id)
        if ids:
            log.info("tagged %d photos", len(ids))
        return len(ids)

    def batch_committed(self, ids: list[int], vectors: np.ndarray) -> None:
        """A batch was just committed (the indexer's thread): tag it and score it for the albums.
        A failure here must never stop indexing; the backlog job catches up instead."""
        try:
            active = self.active
            with self.write_lock:
                if active is not None:
                    self._write(active, ids, vectors)
                else:
                    self.albums.score(ids, vectors)
        except Exception:
            log.exception("tagging a batch failed; the photos are tagged later")

    def _write(self, active: ActiveLabels, ids: list[int], vectors: np.ndarray) -> None:
        matches = classify(vectors, active.vectors, self.cutoff)
        tags = {i: [(m.label_id, m.probability) for m in row] for i, row in zip(ids, matches, strict=True)}
        self.engine.catalog.write_tags(active.set_id, tags)
        self.albums.score(ids, vectors)

    def after_model_loaded(self) -> None:
        """The model (maybe a new one) is ready: get its labels ready in the background."""
        if self._failed_for != self.engine.model_id and (self.active is None or self.albums.stale()):
            self.submit(PrepareLabels())

    def after_indexing(self) -> None:
        """An indexing run ended: copies and photos committed before the vectors existed get tagged."""
        if self.active is not None or self.albums.stale():
            self.submit(PrepareLabels())
