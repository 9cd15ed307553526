"""The text read in photos, in the shared library: the SQLite catalog's text.py, in PostgreSQL.

Each photo's lines (JSON) and two normalised bodies (the same as the SQLite FTS tables index: text.py's
`trigram_body` and `gram_body`). A term of 3 or more characters is a substring of the first; a shorter
one a CJK character or pair, or a whole word, of the second. Matching reads the table (no full-text
index): a text-match lookup runs once per query over the photos that have text.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg

from ..records import chunks
from ..text import PhotoText, gram_body, query_term, trigram_body


class PgText:
    # Provided by PgCatalog.
    machine_id: str

    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        raise NotImplementedError

    def set_meta(self, key: str, value: str | None) -> None:
        raise NotImplementedError

    def text_progress(self) -> tuple[int, int]:
        indexed = self.query("SELECT COUNT(*) FROM photos WHERE status = 'indexed'")[0][0]
        read = self.query(
            "SELECT COUNT(*) FROM photo_text t JOIN photos p ON p.id = t.image_id WHERE p.status = 'indexed'"
        )[0][0]
        return int(read), int(indexed)

    def write_photo_text(self, rows: Sequence[tuple[int, str | None, Sequence[dict[str, Any]]]]) -> None:
        """(photo id, content key read, lines); a photo deleted or changed meanwhile is skipped."""
        now = time.time()
        with self.transaction() as conn:
            for image_id, key, lines in rows:
                current = conn.execute("SELECT content_key FROM photos WHERE id = %s FOR SHARE", (image_id,)).fetchone()
                if current is None or current[0] != key:
                    continue
                texts = [str(line["text"]) for line in lines]
                conn.execute(
                    "INSERT INTO photo_text(image_id, content_key, lines, read_at, trigram_body, gram_body) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (image_id) DO UPDATE SET "
                    "content_key = excluded.content_key, lines = excluded.lines, read_at = excluded.read_at, "
                    "trigram_body = excluded.trigram_body, gram_body = excluded.gram_body",
                    (
                        *(image_id, key, json.dumps(list(lines), ensure_ascii=False), now),
                        *(trigram_body(texts) if texts else "", gram_body(texts) if texts else ""),
                    ),
                )

    def photo_text(self, image_id: int) -> PhotoText | None:
        rows = self.query("SELECT lines, content_key FROM photo_text WHERE image_id = %s", (image_id,))
        return PhotoText(image_id, json.loads(rows[0][0]), rows[0][1]) if rows else None

    def photos_with_text(self, term: str, limit: int = 1000, whole_words: bool = False) -> list[int]:
        norm = query_term(term)
        if not norm:
            return []
        if whole_words:  # its words in order, whatever separates them (as FTS5's unicode61 phrase)
            words = re.findall(r"[^\W_]+", norm)
            if not words:
                return []
            sql = "SELECT image_id FROM photo_text WHERE gram_body ~ %s ORDER BY image_id LIMIT %s"
            pattern = "[^[:alnum:]]+".join(re.escape(w) for w in words)
            params: tuple[object, ...] = (f"(^|[^[:alnum:]]){pattern}($|[^[:alnum:]])", int(limit))
        elif len(norm) >= 3:
            sql = "SELECT image_id FROM photo_text WHERE strpos(trigram_body, %s) > 0 ORDER BY image_id LIMIT %s"
            params = (norm, int(limit))
        else:  # a CJK character or pair is a token of its own; anything else a whole word
            sql = "SELECT image_id FROM photo_text WHERE gram_body ~ %s ORDER BY image_id LIMIT %s"
            params = (f"(^|[^[:alnum:]_]){re.escape(norm)}($|[^[:alnum:]_])", int(limit))
        return [int(r[0]) for r in self.query(sql, params)]

    def texts_of(self, ids: Sequence[int]) -> dict[int, PhotoText]:
        out: dict[int, PhotoText] = {}
        for chunk in chunks([int(i) for i in ids], 1000):
            for image_id, lines, key in self.query(
                "SELECT image_id, lines, content_key FROM photo_text WHERE image_id = ANY(%s)", (chunk,)
            ):
                out[int(image_id)] = PhotoText(int(image_id), json.loads(lines), key)
        return out
