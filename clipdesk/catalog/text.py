"""The text read in photos (clipdesk.text), and finding photos by it.

Per photo, `photo_text` keeps the lines read with their boxes (JSON) and the content key of the
file version that was read; a row with no lines means "read, no text". Two FTS5 tables index it,
their rowid the photo's id:

- `text_trigrams` (trigram tokenizer): any term of 3 or more characters as a substring, whatever
  the script: Chinese runs have no spaces between words, and "12345678" is found inside
  "Tel 138-1234-5678" because digits are also indexed with their separators taken out.
- `text_grams` (unicode61 tokenizer): terms of 1 or 2 characters, which trigrams cannot match.
  Each run of CJK characters is indexed as its single characters and its adjacent pairs, so
  "发票" (a pair) and "促" (one character) are tokens; other text as words ("ok", "5g").

Both indexes fold case (trigram and unicode61 are case-insensitive) and NFKC-normalise (full-width
letters and digits read as ASCII). A file whose content key changes loses its row (a trigger), and
so does a deleted photo (cascade + trigger), so it is read again or forgotten.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from .records import chunks

T = TypeVar("T")

TEXT_SETTING = "text_reading"  # meta key: "off" turns the text pass off for this library (default on)
TEXT_WATERMARK = "text_watermark"  # meta key: the change sequence the text pass has read up to

# Han, kana, hangul, CJK punctuation-free letters: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_DIGIT_GROUPS = re.compile(r"\d(?:[\s\-./()]*\d)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def normalize(text: str) -> str:
    """How text is compared: NFKC (full-width forms to ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def trigram_body(lines: Iterable[str]) -> str:
    """The text as the trigram index sees it: each line, and its digit groups without separators."""
    out: list[str] = []
    for line in lines:
        text = normalize(line)
        out.append(text)
        for group in _DIGIT_GROUPS.finditer(text):
            digits = re.sub(r"\D", "", group.group())
            if digits != group.group():  # "138-1234-5678" is also "13812345678"
                out.append(digits)
    return "\n".join(out)


def gram_body(lines: Iterable[str]) -> str:
    """The text as the short-term index sees it: CJK runs as single characters and adjacent pairs,
    everything else as it is (unicode61 splits it into words)."""
    tokens: list[str] = []
    for line in lines:
        text = normalize(line)
        last = 0
        for run in _CJK.finditer(text):
            tokens.append(text[last : run.start()])
            chars = run.group()
            tokens.extend(chars)
            tokens.extend(chars[i : i + 2] for i in range(len(chars) - 1))
            last = run.end()
        tokens.append(text[last:])
    return " ".join(t for t in tokens if t.strip())


TEXT_INDEXES = ("text_trigrams", "text_grams")


def is_text_index_table(name: str) -> bool:
    """The FTS tables and their shadow tables: derived from photo_text, never copied row by row."""
    return name.startswith(TEXT_INDEXES)


def rebuild_text_index(conn: sqlite3.Connection) -> None:
    """Both indexes again from photo_text (a salvaged catalog), inside the caller's transaction."""
    for table in TEXT_INDEXES:
        conn.execute(f"DELETE FROM {table}")
    for image_id, lines in conn.execute("SELECT image_id, lines FROM photo_text").fetchall():
        try:
            texts = [str(line["text"]) for line in json.loads(lines)]
        except (ValueError, TypeError, KeyError):  # a damaged row: the photo is read again
            conn.execute("DELETE FROM photo_text WHERE image_id = ?", (image_id,))
            continue
        if texts:
            conn.execute("INSERT INTO text_trigrams(rowid, body) VALUES (?, ?)", (image_id, trigram_body(texts)))
            conn.execute("INSERT INTO text_grams(rowid, body) VALUES (?, ?)", (image_id, gram_body(texts)))


def query_term(term: str) -> str:
    """A term as the indexes are searched for it: normalised, control characters as spaces (a NUL
    ends an FTS5 query string early: a syntax error; PostgreSQL refuses it in a parameter)."""
    return _CONTROL.sub(" ", normalize(term)).strip()


def _fts_phrase(term: str) -> str:
    """The term as one FTS5 string: whatever the user typed (quotes, *, -, OR, parentheses) is text
    to find, never query syntax."""
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class PhotoText:
    image_id: int
    lines: list[dict[str, Any]]  # {"text", "box": [[x, y] * 4] as fractions of the photo, "score"}
    content_key: str | None

    @property
    def text(self) -> str:
        return "\n".join(str(line["text"]) for line in self.lines)


@runtime_checkable
class TextSearch(Protocol):
    """What finding photos by their text needs of a catalog (this SQLite one, or a shared library's)."""

    def photos_with_text(self, term: str, limit: int = 1000, whole_words: bool = False) -> list[int]: ...


@runtime_checkable
class TextBacklog(Protocol):
    """What the text pass needs of a catalog."""

    def text_reading_enabled(self) -> bool: ...
    def set_text_reading(self, enabled: bool) -> None: ...
    def unread_ids(self, since_seq: int) -> list[int]: ...
    def photos_to_read(self, ids: Sequence[int]) -> list[tuple[int, str, str | None]]: ...
    def text_watermark(self) -> int: ...
    def set_text_watermark(self, seq: int) -> None: ...
    def text_progress(self) -> tuple[int, int]: ...
    def write_photo_text(self, rows: Sequence[tuple[int, str | None, Sequence[dict[str, Any]]]]) -> None: ...


class TextStore:
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

    # -- the backlog ------------------------------------------------------------------------------

    def unread_ids(self, since_seq: int) -> list[int]:
        """Indexed photos whose text is not read, by id. since_seq >= 0: only photos whose vector changed
        after that change sequence (new and changed files: a narrow range of idx_images_vec_seq, never the
        wide rows of the whole library); -1: all of them (an index scan plus one probe per photo)."""
        unread = "NOT EXISTS (SELECT 1 FROM photo_text WHERE photo_text.image_id = images.id)"
        if since_seq >= 0:
            sql = (
                "SELECT id FROM images INDEXED BY idx_images_vec_seq WHERE vec_seq > ? "
                f"AND status = 'indexed' AND {unread} ORDER BY id"
            )
            return [r[0] for r in self.query(sql, (int(since_seq),))]
        sql = f"SELECT id FROM images INDEXED BY idx_images_model WHERE status = 'indexed' AND {unread} ORDER BY id"
        return [r[0] for r in self.query(sql)]

    def photos_to_read(self, ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
        """(id, path, content key) of those photos still indexed and on a reachable folder, by id."""
        out: list[tuple[int, str, str | None]] = []
        for chunk in chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            out += self.query(
                "SELECT images.id, images.path, images.content_key FROM images JOIN roots ON roots.id = images.root_id "
                f"WHERE images.id IN ({marks}) AND images.status = 'indexed' AND roots.enabled = 1 "
                "AND roots.online = 1",
                chunk,
            )
        return sorted((r[0], r[1], r[2]) for r in out)

    def text_watermark(self) -> int:
        """The change sequence up to which every indexed photo's text was read (-1: never)."""
        return int(self.get_meta(TEXT_WATERMARK) or -1)

    def set_text_watermark(self, seq: int) -> None:
        self.set_meta(TEXT_WATERMARK, str(int(seq)))

    def text_progress(self) -> tuple[int, int]:
        """(photos read, indexed photos): the text pass's progress over the whole library. Photos waiting
        for a new model keep their text, so the count of read photos is capped by the indexed ones."""
        indexed = int(self.query("SELECT COUNT(*) FROM images WHERE status = 'indexed'")[0][0])
        read = int(self.query("SELECT COUNT(*) FROM photo_text")[0][0])
        return min(read, indexed), indexed

    # -- writes -----------------------------------------------------------------------------------

    def write_photo_text(self, rows: Sequence[tuple[int, str | None, Sequence[dict[str, Any]]]]) -> None:
        """(image id, content key read, lines) per photo, in one transaction. A photo deleted or
        changed meanwhile (its content key moved on) is skipped: it is read again."""
        now = time.time()
        with self.transaction() as conn:
            for image_id, key, lines in rows:
                current = conn.execute("SELECT content_key FROM images WHERE id = ?", (image_id,)).fetchone()
                if current is None or current[0] != key:
                    continue
                texts = [str(line["text"]) for line in lines]
                conn.execute(
                    "INSERT OR REPLACE INTO photo_text(image_id, content_key, lines, read_at) VALUES (?, ?, ?, ?)",
                    (image_id, key, json.dumps(list(lines), ensure_ascii=False), now),
                )
                conn.execute("DELETE FROM text_trigrams WHERE rowid = ?", (image_id,))
                conn.execute("DELETE FROM text_grams WHERE rowid = ?", (image_id,))
                if texts:
                    conn.execute(
                        "INSERT INTO text_trigrams(rowid, body) VALUES (?, ?)", (image_id, trigram_body(texts))
                    )
                    conn.execute("INSERT INTO text_grams(rowid, body) VALUES (?, ?)", (image_id, gram_body(texts)))

    # -- reads ------------------------------------------------------------------------------------

    def photo_text(self, image_id: int) -> PhotoText | None:
        """The text read in a photo (lines empty: read, none found); None: not read yet."""
        rows = self.query("SELECT lines, content_key FROM photo_text WHERE image_id = ?", (image_id,))
        if not rows:
            return None
        return PhotoText(image_id, json.loads(rows[0][0]), rows[0][1])

    def photos_with_text(self, term: str, limit: int = 1000, whole_words: bool = False) -> list[int]:
        """Ids of photos whose text contains `term` (case-insensitive), lowest id first. A term of
        three or more characters matches anywhere (inside words, inside Chinese runs, digits inside
        longer numbers); one or two characters match a CJK character or pair, or a whole word.
        `whole_words` (for terms without CJK characters): the term's words only as whole words, in
        order, whatever separates them ("cat" is not found in "location")."""
        norm = query_term(term)
        if not norm:
            return []
        if len(norm) >= 3 and not whole_words:
            sql = "SELECT rowid FROM text_trigrams WHERE text_trigrams MATCH ? ORDER BY rowid LIMIT ?"
        else:
            sql = "SELECT rowid FROM text_grams WHERE text_grams MATCH ? ORDER BY rowid LIMIT ?"
        return [r[0] for r in self.query(sql, (_fts_phrase(norm), int(limit)))]

    def texts_of(self, ids: Sequence[int]) -> dict[int, PhotoText]:
        out: dict[int, PhotoText] = {}
        for chunk in chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for image_id, lines, key in self.query(
                f"SELECT image_id, lines, content_key FROM photo_text WHERE image_id IN ({marks})", chunk
            ):
                out[image_id] = PhotoText(image_id, json.loads(lines), key)
        return out
