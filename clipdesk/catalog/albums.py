"""Smart albums in the catalog: their definitions, and their members' scores.

Membership is materialised: each album keeps the photos that score above the loosest strictness
(`album_members`, indexed by (album, score)), so showing an album at any strictness is one index
range read, however big the library. New photos are scored as their batch is committed; the
definition (text, example and counter-example paths) is what is kept for good, so a model change
recomputes the vector and the members from it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

T = TypeVar("T")


@dataclass(frozen=True)
class Album:
    id: int
    name: str
    description: str
    examples: tuple[str, ...]  # photo paths (in the library or not)
    counter_examples: tuple[str, ...]
    strictness: float  # 0 (loose) .. 1 (strict)
    created_at: float
    model_id: str | None  # the model its vector and members were computed with; None: not yet
    vector: np.ndarray | None
    center: float  # the vector's typical score over the library (its background)
    spread: float  # and how far scores spread around it: a member's score is (cosine - center) / spread


_COLUMNS = "id, name, description, examples, counter_examples, strictness, created_at, model_id, vector, center, spread"


def _album(row: tuple) -> Album:
    vector = np.frombuffer(row[8], dtype=np.float32).copy() if row[8] is not None else None
    return Album(
        int(row[0]),
        row[1],
        row[2],
        tuple(json.loads(row[3])),
        tuple(json.loads(row[4])),
        float(row[5]),
        float(row[6]),
        row[7],
        vector,
        float(row[9] or 0.0),
        float(row[10] or 1.0),
    )


class AlbumStore:
    # Provided by Catalog.
    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        raise NotImplementedError

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def add_album(
        self,
        name: str,
        description: str = "",
        examples: Sequence[str] = (),
        counter_examples: Sequence[str] = (),
        strictness: float = 0.5,
    ) -> Album:
        """A new album, or the album of that name redefined (its members are recomputed)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO albums(name, description, examples, counter_examples, strictness, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET description = excluded.description, "
                "examples = excluded.examples, counter_examples = excluded.counter_examples, "
                "strictness = excluded.strictness, model_id = NULL, vector = NULL",
                (
                    name,
                    description,
                    json.dumps(list(examples)),
                    json.dumps(list(counter_examples)),
                    strictness,
                    time.time(),
                ),
            )
            album_id = conn.execute("SELECT id FROM albums WHERE name = ?", (name,)).fetchone()[0]
            conn.execute("DELETE FROM album_members WHERE album_id = ?", (album_id,))
        album = self.album(name)
        assert album is not None
        return album

    def album(self, name: str) -> Album | None:
        rows = self.query(f"SELECT {_COLUMNS} FROM albums WHERE name = ?", (name,))
        return _album(rows[0]) if rows else None

    def albums(self) -> list[Album]:
        return [_album(r) for r in self.query(f"SELECT {_COLUMNS} FROM albums ORDER BY name COLLATE NOCASE")]

    def remove_album(self, name: str) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM albums WHERE name = ?", (name,)).rowcount > 0

    def set_album_strictness(self, name: str, strictness: float) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE albums SET strictness = ? WHERE name = ?", (strictness, name))

    def set_album_vector(self, album_id: int, model_id: str, vector: np.ndarray, center: float, spread: float) -> None:
        """A (re)computed definition: the old members go, the caller scores the library again."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE albums SET model_id = ?, vector = ?, center = ?, spread = ? WHERE id = ?",
                (model_id, np.ascontiguousarray(vector, dtype=np.float32).tobytes(), center, spread, album_id),
            )
            conn.execute("DELETE FROM album_members WHERE album_id = ?", (album_id,))

    def write_album_scores(self, scores: dict[int, list[tuple[int, float]]]) -> None:
        """album id -> [(image id, score)]: members added or re-scored; photos deleted meanwhile skipped."""
        with self.transaction() as conn:
            self._write_album_scores(conn, scores)

    def _write_album_scores(self, conn: sqlite3.Connection, scores: dict[int, list[tuple[int, float]]]) -> None:
        for album_id, members in scores.items():
            conn.executemany(
                "INSERT OR REPLACE INTO album_members(album_id, image_id, score) "
                "SELECT ?, id, ? FROM images WHERE id = ?",
                [(album_id, float(score), image_id) for image_id, score in members],
            )

    def album_member_ids(self, album_id: int, min_score: float, offset: int, limit: int) -> list[tuple[int, float]]:
        """(image id, score) of the members at or above `min_score`, best first."""
        rows = self.query(
            "SELECT image_id, score FROM album_members WHERE album_id = ? AND score >= ? "
            "ORDER BY score DESC, image_id LIMIT ? OFFSET ?",
            (album_id, min_score, int(limit), int(offset)),
        )
        return [(r[0], float(r[1])) for r in rows]

    def album_count(self, album_id: int, min_score: float) -> int:
        return int(
            self.query("SELECT COUNT(*) FROM album_members WHERE album_id = ? AND score >= ?", (album_id, min_score))[
                0
            ][0]
        )
