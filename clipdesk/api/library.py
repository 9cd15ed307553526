"""One engine per library, shared with the desktop app and `clipdesk index --watch`.

The catalog's index lock (engine/lock.py) decides who indexes. The server opens its own Engine:
  - it is the **indexer** when it can take the lock (and watching is wanted): it indexes and
    watches the folders like `clipdesk index --watch`, and saves the vector index on close;
  - otherwise it is a **follower**: SQLite in WAL mode lets it read while the other process
    writes; its vector index is loaded from the saved file (or rebuilt from the catalog) and kept
    in memory only, and before each search it catches up with the catalog when the catalog's
    change sequence has moved (new embeddings added, photos that left the catalog dropped). It
    never writes index files or catalog meta. When the other process lets go of the lock, a
    follower that wants to watch takes over as the indexer.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..engine import Engine

log = logging.getLogger(__name__)

INDEXER, FOLLOWER = "indexer", "follower"


class ModelMismatch(RuntimeError):
    """The follower's model is not the one the indexing process uses."""


class ServedLibrary:
    def __init__(self, engine: Engine, watch: bool = True, takeover_interval_s: float = 5.0) -> None:
        self.engine = engine
        self.watch = watch
        self.takeover_interval_s = takeover_interval_s
        self.role = FOLLOWER
        self._refresh_lock = threading.Lock()
        self._role_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Catch-up baseline: every change after this sequence is applied to the first index we follow.
        self._baseline = engine.catalog.change_seq()
        self._followed: object | None = None  # the VectorIndex object the follower keeps current
        self._seen_seq = self._baseline
        self.model_error: str | None = None  # why the model did not load, for /status

    # -- lifecycle -------------------------------------------------------------------------------

    def open(self) -> None:
        """Decide the role and start; loading the model happens in the background (see warm_up)."""
        if not self._try_become_indexer():
            self.engine.store.read_only = True
            stored = self.engine.catalog.get_meta("model_id")
            if stored and stored != self.engine.model_id:
                raise ModelMismatch(
                    f"another clipdesk indexes this library with {stored}; serve with that model "
                    f"(--model) or stop the other one first"
                )
            log.info("another process indexes this library: serving it as a follower")
        self._thread = threading.Thread(target=self._background, name="clipdesk-serve-library", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop watching (the batch in flight is committed), save the index if ours, close the catalog."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.engine.close()

    def warm_up(self) -> None:
        """Load the model and open the index now, so the first search is not the slow one."""
        try:
            self.engine.load_model()
        except Exception as exc:  # reported by /status and as 503 on searches; the server still runs
            self.model_error = str(exc)
            log.warning("model not loaded: %s", exc)
            return
        self.model_error = None
        self.refresh()

    # -- roles -----------------------------------------------------------------------------------

    def _try_become_indexer(self) -> bool:
        if not self.watch:
            return False
        with self._role_lock:
            if self.role == INDEXER:
                return True
            if not self.engine.index_lock.acquire():
                return False
            self.refresh()  # up to date before our own indexer takes over the index
            self.engine.store.read_only = False
            self.role = INDEXER
        self.engine.start(watch=True)
        log.info("serving and indexing this library (watching its folders)")
        return True

    def _background(self) -> None:
        self.warm_up()
        while not self._stop.wait(self.takeover_interval_s):
            try:
                if self.role == FOLLOWER and not self._try_become_indexer():
                    self.refresh()
            except Exception:
                log.exception("library upkeep failed; retrying")

    # -- follower: catching up -----------------------------------------------------------------

    def refresh(self) -> None:
        """A follower's index catches up with the catalog (cheap when nothing changed: one meta read)."""
        if self.role != FOLLOWER:
            return
        engine = self.engine
        store, catalog = engine.store, engine.catalog
        with self._refresh_lock:
            index = store.index
            if index is None or store.model_id != engine.model_id:
                return  # not opened yet: opening loads everything up to now
            seq = catalog.change_seq()
            if index is self._followed and seq == self._seen_seq:
                return
            since = self._seen_seq if index is self._followed else self._baseline
            with store.mutation:
                added = 0
                for ids, vectors in catalog.iter_embeddings(engine.model_id, since_seq=since):
                    index.add(ids, vectors)  # a re-encoded photo is updated in place
                    added += len(ids)
                # Removals: tombstones may already be pruned by the indexer's save, so the
                # catalog's live ids are the truth.
                known = index.id_array()
                gone = known[~np.isin(known, catalog.live_vector_ids(engine.model_id))]
                index.remove(gone)
            self._followed, self._seen_seq = index, seq
            if added or len(gone):
                log.info("caught up with the catalog: %d added or changed, %d removed", added, len(gone))
