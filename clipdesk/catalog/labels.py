"""Zero-shot labels in the catalog: label vectors per (model, vocabulary version), and each photo's tags.

A *label set* is one (model, vocabulary version): its text vectors are computed once (thousands of
prompts) and kept here, one float32 row per label. A photo's tags belong to a label set; reads show
the current set only (meta `labels_set`), so a model or vocabulary change never mixes two sets'
tags, and the old ones stay visible until the new set is active. `labelled` marks photos whose
tags (and smart-album scores) are done for a set, including those with no tag at all.

Stale tags cannot survive: a trigger (migration 4) drops a photo's tags, its `labelled` mark and
its album scores whenever its embedding is written, in the same transaction; deleting the photo
cascades to them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from .records import chunks

if TYPE_CHECKING:
    from .filters import Filters

T = TypeVar("T")

CURRENT_SET = "labels_set"  # meta: the label set reads show
WATERMARK = "labels_watermark"  # meta: "set_id:change_seq": every photo changed up to that seq is labelled
_CURRENT = f"(SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{CURRENT_SET}')"


@dataclass(frozen=True)
class StoredLabelSet:
    id: int
    model_id: str
    vocabulary_version: str
    logit_scale: float
    label_ids: tuple[str, ...]
    vectors: np.ndarray  # (labels, dim) float32


@dataclass(frozen=True)
class LabelCount:
    label: str
    count: int
    cover_id: int  # the photo the label fits best


def label_filter_sql(label: str) -> tuple[str, list[object]]:
    """A WHERE fragment over `images`: tagged with `label` in the current label set."""
    return f"id IN (SELECT image_id FROM photo_labels WHERE set_id = {_CURRENT} AND label = ?)", [label]


class LabelStore:
    # Provided by Catalog.
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        raise NotImplementedError

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        raise NotImplementedError

    def set_meta(self, key: str, value: str | None) -> None:
        raise NotImplementedError

    # -- label vectors -------------------------------------------------------------------------

    def label_set(self, model_id: str, vocabulary_version: str) -> StoredLabelSet | None:
        rows = self.query(
            "SELECT id, logit_scale FROM label_sets WHERE model_id = ? AND vocabulary_version = ?",
            (model_id, vocabulary_version),
        )
        if not rows:
            return None
        set_id, scale = rows[0]
        vectors = self.query("SELECT label, vector FROM label_vectors WHERE set_id = ? ORDER BY position", (set_id,))
        matrix = np.frombuffer(b"".join(r[1] for r in vectors), dtype=np.float32).reshape(len(vectors), -1)
        return StoredLabelSet(
            set_id, model_id, vocabulary_version, float(scale), tuple(r[0] for r in vectors), matrix.copy()
        )

    def save_label_set(
        self, model_id: str, vocabulary_version: str, logit_scale: float, label_ids: Sequence[str], vectors: np.ndarray
    ) -> int:
        """Store a set's vectors (replacing any stored for the same model and version); returns its id."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM label_sets WHERE model_id = ? AND vocabulary_version = ?", (model_id, vocabulary_version)
            )
            set_id = conn.execute(
                "INSERT INTO label_sets(model_id, vocabulary_version, logit_scale, dim, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (model_id, vocabulary_version, float(logit_scale), int(vectors.shape[1]), time.time()),
            ).fetchone()[0]
            conn.executemany(
                "INSERT INTO label_vectors(set_id, position, label, vector) VALUES (?, ?, ?, ?)",
                [(set_id, i, label, vectors[i].tobytes()) for i, label in enumerate(label_ids)],
            )
        return int(set_id)

    def current_label_set(self) -> int | None:
        value = self.get_meta(CURRENT_SET)
        return int(value) if value else None

    def activate_label_set(self, set_id: int) -> None:
        """Show this set's tags from now on. Other sets' tags are invisible at once and go as each photo is
        re-tagged (and the rest in slices, `drop_other_tags`): deleting millions of rows in this transaction
        would hold the catalog for a minute at 1M photos. Other sets' vectors stay: switching back to a
        model needs no recomputation."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (CURRENT_SET, str(set_id)))
            conn.execute("DELETE FROM label_counts WHERE set_id != ?", (set_id,))
            # A set shown before (a model switched back to) may still have tags: its counts from them.
            conn.execute("DELETE FROM label_counts WHERE set_id = ?", (set_id,))
            conn.execute(
                "INSERT INTO label_counts(set_id, label, n) SELECT set_id, label, COUNT(*) FROM photo_labels "
                "WHERE set_id = ? GROUP BY label",
                (set_id,),
            )

    def drop_other_tags(self, set_id: int, slice_rows: int = 20000) -> int:
        """Delete the tags (and marks) other label sets left, a slice per transaction; returns how many tags."""
        dropped = 0
        for (old,) in self.query("SELECT id FROM label_sets WHERE id != ?", (set_id,)):
            while True:
                with self.transaction() as conn:
                    n = conn.execute(
                        "DELETE FROM photo_labels WHERE set_id = ? AND image_id IN (SELECT image_id FROM "
                        "photo_labels INDEXED BY idx_photo_labels_browse WHERE set_id = ? LIMIT ?)",
                        (old, old, slice_rows),
                    ).rowcount
                    conn.execute("DELETE FROM label_counts WHERE set_id = ?", (old,))
                dropped += n
                if n == 0:
                    break
        with self.transaction() as conn:
            conn.execute("DELETE FROM labelled WHERE set_id != ?", (set_id,))
        return dropped

    # -- tags ----------------------------------------------------------------------------------

    def write_tags(self, set_id: int, tags: dict[int, list[tuple[str, float]]]) -> None:
        """Replace the tags of these photos (image id -> [(label, probability)]) and mark them labelled.
        Photos deleted meanwhile are skipped."""
        with self.transaction() as conn:
            self._write_tags(conn, set_id, tags)

    def _write_tags(self, conn: sqlite3.Connection, set_id: int, tags: dict[int, list[tuple[str, float]]]) -> None:
        ids = list(tags)
        for chunk in chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            alive = {r[0] for r in conn.execute(f"SELECT id FROM images WHERE id IN ({marks})", chunk)}
            conn.executemany("DELETE FROM photo_labels WHERE image_id = ?", [(i,) for i in chunk])
            conn.executemany(
                "INSERT INTO photo_labels(image_id, set_id, label, probability) VALUES (?, ?, ?, ?)",
                [(i, set_id, label, float(p)) for i in chunk if i in alive for label, p in tags[i]],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO labelled(image_id, set_id) VALUES (?, ?)",
                [(i, set_id) for i in chunk if i in alive],
            )

    def unlabelled_ids(self, model_id: str, set_id: int, since_seq: int) -> list[int]:
        """Indexed photos (of this model) not labelled with this set. since_seq >= 0: only photos whose
        vector changed after that change sequence (a narrow index range); -1: all of them (an index
        scan plus one probe per photo, ~1 s at 1M, once per label set)."""
        missing = "NOT EXISTS (SELECT 1 FROM labelled WHERE labelled.image_id = images.id AND labelled.set_id = ?)"
        if since_seq >= 0:
            sql = (
                "SELECT id FROM images INDEXED BY idx_images_vec_seq WHERE vec_seq > ? "
                f"AND status = 'indexed' AND model_id = ? AND {missing} ORDER BY id"
            )
            return [r[0] for r in self.query(sql, (since_seq, model_id, set_id))]
        sql = (
            "SELECT id FROM images INDEXED BY idx_images_model WHERE status = 'indexed' "
            f"AND model_id = ? AND {missing} ORDER BY id"
        )
        return [r[0] for r in self.query(sql, (model_id, set_id))]

    def embeddings_of(self, ids: Sequence[int], model_id: str) -> tuple[list[int], np.ndarray]:
        """Stored vectors of these photos that are indexed with this model, in id order."""
        found: list[tuple[int, bytes]] = []
        for chunk in chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            found += self.query(
                f"SELECT id, embedding FROM images WHERE id IN ({marks}) AND status = 'indexed' AND model_id = ?",
                (*chunk, model_id),
            )
        found.sort()
        if not found:
            return [], np.empty((0, 0), np.float32)
        vectors = np.frombuffer(b"".join(r[1] for r in found), dtype=np.float32).reshape(len(found), -1)
        return [r[0] for r in found], vectors

    # -- reads for the app and the CLI ---------------------------------------------------------

    def label_counts(self) -> list[LabelCount]:
        """Every label of the current set with its photo count and best photo, most photos first."""
        # Counts kept by triggers (migration 5); each cover is one probe of the browse index.
        rows = self.query(
            "SELECT c.label, c.n, (SELECT p.image_id FROM photo_labels p WHERE p.set_id = c.set_id "
            "AND p.label = c.label ORDER BY p.probability DESC, p.image_id LIMIT 1) "
            f"FROM label_counts c WHERE c.set_id = {_CURRENT} AND c.n > 0 ORDER BY c.n DESC, c.label"
        )
        return [LabelCount(r[0], int(r[1]), int(r[2])) for r in rows]

    def tags_of(self, image_id: int) -> list[tuple[str, float]]:
        rows = self.query(
            f"SELECT label, probability FROM photo_labels WHERE image_id = ? AND set_id = {_CURRENT} "
            "ORDER BY probability DESC, label",
            (image_id,),
        )
        return [(r[0], float(r[1])) for r in rows]

    def label_photo_ids(
        self, label: str, offset: int, limit: int, where: str = "1", params: Sequence = ()
    ) -> list[tuple[int, float]]:
        """(image id, probability) of the photos tagged `label`, best fit first; `where` (over images)
        narrows them (the filters)."""
        rows = self.query(
            "SELECT p.image_id, p.probability FROM photo_labels p JOIN images ON images.id = p.image_id "
            f"WHERE p.set_id = {_CURRENT} AND p.label = ? AND images.status = 'indexed' AND {where} "
            "ORDER BY p.probability DESC, p.image_id LIMIT ? OFFSET ?",
            (label, *params, int(limit), int(offset)),
        )
        return [(r[0], float(r[1])) for r in rows]

    def label_page(self, label: str, filters: Filters, offset: int, limit: int) -> list[tuple[int, float]]:
        """label_photo_ids narrowed by the other filters (the label's page in a filtered view)."""
        from .filters import filter_sql  # filters.py imports this module

        where, params = filter_sql(filters)
        return self.label_photo_ids(label, offset, limit, where, params)

    def labelled_count(self) -> int:
        return int(self.query(f"SELECT COUNT(*) FROM labelled WHERE set_id = {_CURRENT}")[0][0])
