"""Fingerprints for duplicates in the shared library: the SQLite catalog's duplicates.py, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import psycopg

from ..duplicates import FingerprintColumns, FingerprintRow, _signed, _unsigned, columns_from_rows
from ..records import chunks
from .roots import PATH_SQL

# Candidates: indexed photos in an enabled root reachable on this machine (the one %s: this machine).
_CANDIDATES = (
    f"SELECT p.id, {PATH_SQL}, p.size, p.width, p.height, p.format, p.taken_at, f.phash, f.file_hash, "
    "f.image_id IS NOT NULL FROM photos p JOIN roots r ON r.id = p.root_id AND r.enabled "
    "JOIN root_paths rp ON rp.root_id = p.root_id AND rp.machine = %s AND rp.online "
    "LEFT JOIN fingerprints f ON f.image_id = p.id WHERE p.status = 'indexed'"
)


class PgDuplicates:
    # Provided by PgCatalog.
    machine_id: str

    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def embeddings_of(self, ids: Sequence[int], model_id: str) -> tuple[list[int], np.ndarray]:
        raise NotImplementedError

    def vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        raise NotImplementedError

    def store_phashes(self, hashes: Iterable[tuple[int, int | None]]) -> None:
        rows = [(int(image_id), _signed(h)) for image_id, h in hashes]
        if not rows:
            return
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO fingerprints(image_id, phash) SELECT m.id, m.phash "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS m(id, phash) JOIN photos p ON p.id = m.id "
                "ON CONFLICT (image_id) DO UPDATE SET phash = excluded.phash, file_hash = NULL",
                ([r[0] for r in rows], [r[1] for r in rows]),
            )

    def store_file_hashes(self, hashes: Iterable[tuple[int, str]]) -> None:
        rows = list(hashes)
        if rows:
            with self.transaction() as conn:
                conn.execute(
                    "UPDATE fingerprints f SET file_hash = m.digest FROM unnest(%s::bigint[], %s::text[]) "
                    "AS m(id, digest) WHERE f.image_id = m.id",
                    ([int(i) for i, _ in rows], [d for _, d in rows]),
                )

    def share_fingerprints_of_copies(self) -> int:
        with self.transaction() as conn:
            return max(
                0,
                conn.execute(
                    # The perceptual hash only, no file_hash: see the SQLite side (catalog/duplicates.py).
                    "INSERT INTO fingerprints(image_id, phash, file_hash) "
                    "SELECT DISTINCT ON (p.id) p.id, source.phash, NULL FROM photos p "
                    "JOIN photos other ON other.content_key = p.content_key AND other.id != p.id "
                    "AND other.size = p.size JOIN fingerprints source ON source.image_id = other.id "
                    "WHERE p.status = 'indexed' AND p.content_key IS NOT NULL "
                    "AND NOT EXISTS (SELECT 1 FROM fingerprints WHERE image_id = p.id) "
                    "ON CONFLICT (image_id) DO NOTHING"
                ).rowcount,
            )

    def unfingerprinted(self, limit: int = 500) -> list[tuple[int, str, str | None]]:
        """Indexed photos readable here with no fingerprint yet: (id, path, content key)."""
        rows = self.query(
            "SELECT p.id, rp.path || '/' || p.rel_path, p.content_key FROM photos p "
            "JOIN root_paths rp ON rp.root_id = p.root_id AND rp.machine = %s AND rp.online "
            "WHERE p.status = 'indexed' AND NOT EXISTS (SELECT 1 FROM fingerprints WHERE image_id = p.id) "
            "ORDER BY p.id LIMIT %s",
            (self.machine_id, int(limit)),
        )
        return [(int(r[0]), r[1], r[2]) for r in rows]

    def fingerprint_counts(self) -> tuple[int, int]:
        hashed = self.query(
            "SELECT COUNT(*) FROM fingerprints f JOIN photos p ON p.id = f.image_id WHERE p.status = 'indexed'"
        )[0][0]
        indexed = self.query("SELECT COUNT(*) FROM photos WHERE status = 'indexed'")[0][0]
        return int(hashed), int(indexed)

    def fingerprint_rows(self, ids: Sequence[int] | None = None) -> list[FingerprintRow]:
        if ids is None:
            raw = self.query(_CANDIDATES, (self.machine_id,))
        else:
            raw = []
            for chunk in chunks([int(i) for i in ids], 1000):
                raw += self.query(f"{_CANDIDATES} AND p.id = ANY(%s)", (self.machine_id, chunk))
        return [
            FingerprintRow(
                id=int(r[0]),
                path=r[1],
                size=int(r[2]),
                width=r[3] or 0,
                height=r[4] or 0,
                format=r[5] or "",
                taken_at=r[6],
                phash=_unsigned(r[7]),
                file_hash=r[8],
                hashed=bool(r[9]),
            )
            for r in raw
        ]

    def fingerprint_columns(self) -> FingerprintColumns:
        return columns_from_rows(self.query(_CANDIDATES, (self.machine_id,)))

    def candidate_ids(self) -> set[int]:
        rows = self.query(
            "SELECT p.id FROM photos p JOIN roots r ON r.id = p.root_id AND r.enabled "
            "JOIN root_paths rp ON rp.root_id = p.root_id AND rp.machine = %s AND rp.online "
            "WHERE p.status = 'indexed'",
            (self.machine_id,),
        )
        return {int(r[0]) for r in rows}

    def embeddings(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        wanted = [int(i) for i in ids]
        vectors = self.vectors_of(wanted)
        indexed = set(self._indexed(wanted))
        found = [i for i in wanted if i in indexed]
        return {i: vectors[n] for n, i in enumerate(found)}

    def _indexed(self, ids: list[int]) -> list[int]:
        rows = self.query("SELECT id FROM photos WHERE id = ANY(%s) AND status = 'indexed'", (ids,))
        return [int(r[0]) for r in rows]
