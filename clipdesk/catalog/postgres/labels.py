"""Zero-shot labels in the shared library: the SQLite catalog's labels.py, in PostgreSQL.

Label sets, their vectors (float32 bytes), each photo's tags and the `labelled` marks; counts per
label kept by a trigger; a photo's tags and album scores dropped by a trigger when its embedding
is written (schema.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import psycopg

from ..filters import Filters
from ..labels import CURRENT_SET, LabelCount, StoredLabelSet
from ..records import chunks
from .filters import CURRENT_LABEL_SET, filter_sql


class PgLabels:
    # Provided by PgCatalog.
    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        raise NotImplementedError

    def set_meta(self, key: str, value: str | None) -> None:
        raise NotImplementedError

    def label_set(self, model_id: str, vocabulary_version: str) -> StoredLabelSet | None:
        rows = self.query(
            "SELECT id, logit_scale FROM label_sets WHERE model_id = %s AND vocabulary_version = %s",
            (model_id, vocabulary_version),
        )
        if not rows:
            return None
        set_id, scale = rows[0]
        vectors = self.query("SELECT label, vector FROM label_vectors WHERE set_id = %s ORDER BY position", (set_id,))
        matrix = np.frombuffer(b"".join(bytes(r[1]) for r in vectors), dtype=np.float32).reshape(len(vectors), -1)
        return StoredLabelSet(
            int(set_id), model_id, vocabulary_version, float(scale), tuple(r[0] for r in vectors), matrix.copy()
        )

    def save_label_set(
        self, model_id: str, vocabulary_version: str, logit_scale: float, label_ids: Sequence[str], vectors: np.ndarray
    ) -> int:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM label_sets WHERE model_id = %s AND vocabulary_version = %s",
                (model_id, vocabulary_version),
            )
            row = conn.execute(
                "INSERT INTO label_sets(model_id, vocabulary_version, logit_scale, dim, created_at) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (model_id, vocabulary_version, float(logit_scale), int(vectors.shape[1]), time.time()),
            ).fetchone()
            assert row is not None
            set_id = int(row[0])
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO label_vectors(set_id, position, label, vector) VALUES (%s, %s, %s, %s)",
                    [(set_id, i, label, vectors[i].tobytes()) for i, label in enumerate(label_ids)],
                )
        return set_id

    def current_label_set(self) -> int | None:
        value = self.get_meta(CURRENT_SET)
        return int(value) if value else None

    def activate_label_set(self, set_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (CURRENT_SET, str(set_id)),
            )
            conn.execute("DELETE FROM label_counts")
            conn.execute(
                "INSERT INTO label_counts(set_id, label, n) SELECT set_id, label, COUNT(*) FROM photo_labels "
                "WHERE set_id = %s GROUP BY set_id, label",
                (set_id,),
            )

    def drop_other_tags(self, set_id: int, slice_rows: int = 20000) -> int:
        dropped = 0
        for (old,) in self.query("SELECT id FROM label_sets WHERE id != %s", (set_id,)):
            while True:
                with self.transaction() as conn:
                    n = conn.execute(
                        "DELETE FROM photo_labels WHERE (image_id, set_id, label) IN (SELECT image_id, set_id, label "
                        "FROM photo_labels WHERE set_id = %s LIMIT %s)",
                        (old, slice_rows),
                    ).rowcount
                    conn.execute("DELETE FROM label_counts WHERE set_id = %s", (old,))
                dropped += n
                if n == 0:
                    break
        with self.transaction() as conn:
            conn.execute("DELETE FROM labelled WHERE set_id != %s", (set_id,))
        return dropped

    def write_tags(self, set_id: int, tags: dict[int, list[tuple[str, float]]]) -> None:
        """Replace these photos' tags and mark them labelled; photos deleted meanwhile are skipped."""
        with self.transaction() as conn:
            for chunk in chunks(list(tags), 1000):
                alive = [r[0] for r in conn.execute("SELECT id FROM photos WHERE id = ANY(%s) FOR SHARE", (chunk,))]
                conn.execute("DELETE FROM photo_labels WHERE image_id = ANY(%s)", (chunk,))
                rows = [(i, set_id, label, float(p)) for i in alive for label, p in tags[i]]
                with conn.cursor() as cur:
                    if rows:
                        cur.executemany(
                            "INSERT INTO photo_labels(image_id, set_id, label, probability) VALUES (%s, %s, %s, %s)",
                            rows,
                        )
                    if alive:
                        cur.executemany(
                            "INSERT INTO labelled(image_id, set_id) VALUES (%s, %s) "
                            "ON CONFLICT (image_id) DO UPDATE SET set_id = excluded.set_id",
                            [(i, set_id) for i in alive],
                        )

    def unlabelled_ids(self, model_id: str, set_id: int, since_seq: int) -> list[int]:
        missing = "NOT EXISTS (SELECT 1 FROM labelled l WHERE l.image_id = photos.id AND l.set_id = %s)"
        since = "vec_seq > %s AND " if since_seq >= 0 else ""
        params = (since_seq, model_id, set_id) if since_seq >= 0 else (model_id, set_id)
        rows = self.query(
            f"SELECT id FROM photos WHERE {since}status = 'indexed' AND model_id = %s AND {missing} ORDER BY id", params
        )
        return [int(r[0]) for r in rows]

    def label_counts(self) -> list[LabelCount]:
        rows = self.query(
            "SELECT c.label, c.n, (SELECT p.image_id FROM photo_labels p WHERE p.set_id = c.set_id "
            "AND p.label = c.label ORDER BY p.probability DESC, p.image_id LIMIT 1) "
            f"FROM label_counts c WHERE c.set_id = {CURRENT_LABEL_SET} AND c.n > 0 ORDER BY c.n DESC, c.label"
        )
        return [LabelCount(r[0], int(r[1]), int(r[2])) for r in rows]

    def tags_of(self, image_id: int) -> list[tuple[str, float]]:
        rows = self.query(
            f"SELECT label, probability FROM photo_labels WHERE image_id = %s AND set_id = {CURRENT_LABEL_SET} "
            "ORDER BY probability DESC, label",
            (image_id,),
        )
        return [(r[0], float(r[1])) for r in rows]

    def label_photo_ids(
        self, label: str, offset: int, limit: int, where: str = "TRUE", params: Sequence[Any] = ()
    ) -> list[tuple[int, float]]:
        """(photo id, probability) tagged `label`, best first; `where` is a filter over `photos p`
        in this library's SQL (postgres/filters.py)."""
        where = "TRUE" if where == "1" else where  # the SQLite catalog's "no filter"
        rows = self.query(
            "SELECT t.image_id, t.probability FROM photo_labels t JOIN photos p ON p.id = t.image_id "
            f"WHERE t.set_id = {CURRENT_LABEL_SET} AND t.label = %s AND p.status = 'indexed' AND {where} "
            "ORDER BY t.probability DESC, t.image_id LIMIT %s OFFSET %s",
            (label, *params, int(limit), int(offset)),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    def label_page(self, label: str, filters: Filters, offset: int, limit: int) -> list[tuple[int, float]]:
        where, params = filter_sql(filters, self)  # type: ignore[arg-type]  # a mixin of PgCatalog
        return self.label_photo_ids(label, offset, limit, where, params)

    def labelled_count(self) -> int:
        return int(self.query(f"SELECT COUNT(*) FROM labelled WHERE set_id = {CURRENT_LABEL_SET}")[0][0])
