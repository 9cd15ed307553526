"""Smart albums in the shared library: the SQLite catalog's albums.py, in PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import psycopg

from ..albums import _COLUMNS, Album, _album


class PgAlbums:
    # Provided by PgCatalog.
    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def add_album(
        self,
        name: str,
        description: str = "",
        examples: Sequence[str] = (),
        counter_examples: Sequence[str] = (),
        strictness: float = 0.5,
    ) -> Album:
        with self.transaction() as conn:
            row = conn.execute(
                "INSERT INTO albums(name, description, examples, counter_examples, strictness, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "description = excluded.description, examples = excluded.examples, "
                "counter_examples = excluded.counter_examples, strictness = excluded.strictness, "
                "model_id = NULL, vector = NULL RETURNING id",
                (
                    name,
                    description,
                    json.dumps(list(examples)),
                    json.dumps(list(counter_examples)),
                    strictness,
                    time.time(),
                ),
            ).fetchone()
            assert row is not None
            conn.execute("DELETE FROM album_members WHERE album_id = %s", (row[0],))
        album = self.album(name)
        assert album is not None
        return album

    def album(self, name: str) -> Album | None:
        rows = self.query(f"SELECT {_COLUMNS} FROM albums WHERE name = %s", (name,))
        return _album(_bytes(rows[0])) if rows else None

    def albums(self) -> list[Album]:
        return [_album(_bytes(r)) for r in self.query(f"SELECT {_COLUMNS} FROM albums ORDER BY lower(name), name")]

    def remove_album(self, name: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM albums WHERE name = %s", (name,)).rowcount > 0

    def set_album_strictness(self, name: str, strictness: float) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE albums SET strictness = %s WHERE name = %s", (strictness, name))

    def set_album_vector(self, album_id: int, model_id: str, vector: np.ndarray, center: float, spread: float) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE albums SET model_id = %s, vector = %s, center = %s, spread = %s WHERE id = %s",
                (model_id, np.ascontiguousarray(vector, dtype=np.float32).tobytes(), center, spread, album_id),
            )
            conn.execute("DELETE FROM album_members WHERE album_id = %s", (album_id,))

    def write_album_scores(self, scores: dict[int, list[tuple[int, float]]]) -> None:
        """album id -> [(photo id, score)]; photos deleted meanwhile are skipped."""
        with self.transaction() as conn:
            for album_id, members in scores.items():
                if not members:
                    continue
                conn.execute(
                    "INSERT INTO album_members(album_id, image_id, score) "
                    "SELECT %s, p.id, m.score FROM unnest(%s::bigint[], %s::float8[]) AS m(id, score) "
                    "JOIN photos p ON p.id = m.id "
                    "ON CONFLICT (album_id, image_id) DO UPDATE SET score = excluded.score",
                    (album_id, [int(i) for i, _ in members], [float(s) for _, s in members]),
                )

    def album_member_ids(self, album_id: int, min_score: float, offset: int, limit: int) -> list[tuple[int, float]]:
        rows = self.query(
            "SELECT image_id, score FROM album_members WHERE album_id = %s AND score >= %s "
            "ORDER BY score DESC, image_id LIMIT %s OFFSET %s",
            (album_id, min_score, int(limit), int(offset)),
        )
        return [(int(r[0]), float(r[1])) for r in rows]

    def album_count(self, album_id: int, min_score: float) -> int:
        rows = self.query(
            "SELECT COUNT(*) FROM album_members WHERE album_id = %s AND score >= %s", (album_id, min_score)
        )
        return int(rows[0][0])


def _bytes(row: tuple) -> tuple:
    """bytea arrives as memoryview; the SQLite row shape has bytes."""
    return tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
