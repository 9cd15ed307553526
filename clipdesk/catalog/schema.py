"""Catalog schema and its migrations.

The schema version lives in SQLite's `user_version`. Each migration is plain DDL run in
one transaction together with the version bump, so a crash mid-upgrade leaves the
previous version intact (SQLite DDL is transactional).
"""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    enabled INTEGER NOT NULL DEFAULT 1,
    excludes TEXT NOT NULL DEFAULT '[]',      -- JSON list of glob patterns
    online INTEGER NOT NULL DEFAULT 1,
    added_at REAL
);
CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id),
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_key TEXT,                         -- cheap content hash: finds moved/renamed files
    width INTEGER,
    height INTEGER,
    taken_at REAL,                            -- EXIF DateTimeOriginal, else file mtime (unix s)
    format TEXT,
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | indexed | error
    error TEXT,
    embedding BLOB,                           -- float32, L2-normalised
    model_id TEXT,
    offline INTEGER NOT NULL DEFAULT 0,
    vec_seq INTEGER NOT NULL DEFAULT 0,       -- change sequence of the last embedding change
    indexed_at REAL
);
CREATE INDEX idx_images_content_key ON images(content_key);
-- Covers the scan diff, so it never reads the wide rows that hold embeddings.
CREATE INDEX idx_images_scan ON images(root_id, path, size, mtime_ns, status);
CREATE INDEX idx_images_status ON images(status);
CREATE INDEX idx_images_taken_at ON images(taken_at);
CREATE INDEX idx_images_vec_seq ON images(vec_seq);
-- Vectors removed since the last index save, so an older HNSW file can catch up
-- instead of being rebuilt; pruned once a save covers them.
CREATE TABLE vector_tombstones (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""

# The library view (newest first, month timeline) walks this index alone: it covers the
# browse filters, and `id` as a column makes (taken_at, id) its order, so no sort is needed.
_V2_BROWSE = """
CREATE INDEX idx_images_browse ON images(status, taken_at, id, offline, format);
"""

# Launch reads that never touch the wide rows (each embedding is 2 KiB: a full read of a 1M
# catalog is 4 GB). A photo's offline state is its root's (roots.online), so one row flips
# when a drive goes or comes back; images.offline stays, unwritten and unread (dropping a
# column rewrites every row), and the browse index carries root_id in its place. The live
# ids the index is checked against at every open, and the "anything to encode?" probe, read
# (status, model_id) alone; it replaces the index on status, its prefix.
# This upgrade reads the table twice: 5 s for 1,000,000 photos (warm page cache), once.
_V3_LAUNCH_READS = """
DROP INDEX idx_images_browse;
CREATE INDEX idx_images_browse ON images(status, taken_at, id, root_id, format);
DROP INDEX idx_images_status;
CREATE INDEX idx_images_model ON images(status, model_id)
"""

# Zero-shot labels and smart albums (see labels.py and albums.py). New tables only, plus triggers
# that drop a photo's tags and album scores whenever its embedding is written: instant at 1M rows.
# Trigger bodies stay on one line: statements here are split at a semicolon ending a line.
_V4_LABELS = """
CREATE TABLE label_sets (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL,
    vocabulary_version TEXT NOT NULL,
    logit_scale REAL NOT NULL,
    dim INTEGER NOT NULL,
    created_at REAL,
    UNIQUE(model_id, vocabulary_version)
);
CREATE TABLE label_vectors (
    set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    vector BLOB NOT NULL,                     -- float32, unit length
    PRIMARY KEY (set_id, position)
) WITHOUT ROWID;
CREATE TABLE photo_labels (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    set_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    probability REAL NOT NULL,
    PRIMARY KEY (image_id, set_id, label)
) WITHOUT ROWID;
CREATE INDEX idx_photo_labels_browse ON photo_labels(set_id, label, probability DESC, image_id);
CREATE TABLE labelled (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    set_id INTEGER NOT NULL
);
CREATE TABLE albums (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    examples TEXT NOT NULL DEFAULT '[]',          -- JSON list of photo paths
    counter_examples TEXT NOT NULL DEFAULT '[]',
    strictness REAL NOT NULL DEFAULT 0.5,
    created_at REAL NOT NULL,
    model_id TEXT,
    vector BLOB,
    center REAL,
    spread REAL
);
CREATE TABLE album_members (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    PRIMARY KEY (album_id, image_id)
) WITHOUT ROWID;
CREATE INDEX idx_album_members_rank ON album_members(album_id, score DESC, image_id);
CREATE INDEX idx_album_members_image ON album_members(image_id);
""" + (
    "CREATE TRIGGER images_embedding_written AFTER UPDATE OF embedding ON images BEGIN "
    "DELETE FROM photo_labels WHERE image_id = NEW.id; DELETE FROM labelled WHERE image_id = NEW.id; "
    "DELETE FROM album_members WHERE image_id = NEW.id; END"
)

# Photo counts per label, kept by triggers as tags come and go (deletes of photos cascade to their tags and
# fire these too): the labels overview reads 1,433 rows instead of grouping every tag (0.5 s at 1M photos).
_V5_LABEL_COUNTS = """
CREATE TABLE label_counts (
    set_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (set_id, label)
) WITHOUT ROWID;
INSERT INTO label_counts(set_id, label, n) SELECT set_id, label, COUNT(*) FROM photo_labels GROUP BY set_id, label;
""" + (
    "CREATE TRIGGER photo_labels_counted AFTER INSERT ON photo_labels BEGIN "
    "INSERT INTO label_counts(set_id, label, n) VALUES (NEW.set_id, NEW.label, 1) "
    "ON CONFLICT(set_id, label) DO UPDATE SET n = n + 1; END;\n"
    "CREATE TRIGGER photo_labels_uncounted AFTER DELETE ON photo_labels BEGIN "
    "UPDATE label_counts SET n = n - 1 WHERE set_id = OLD.set_id AND label = OLD.label; END"
)

# Duplicates (see duplicates.py): each photo's fingerprints in a narrow table of their own, so grouping a
# library reads them without touching the wide rows. A row exists once the photo was hashed (phash NULL: too
# flat to tell apart); file_hash (SHA-256 of the whole file) is filled only when another photo has the same
# size. Re-encoding a photo (its file changed) drops its row; the pipeline writes the new one after the batch.
_V6_DUPLICATES = """
CREATE TABLE fingerprints (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    phash INTEGER,                            -- 64-bit perceptual hash as a signed integer
    file_hash TEXT
) WITHOUT ROWID;
""" + (
    "CREATE TRIGGER images_fingerprint_stale AFTER UPDATE OF embedding ON images BEGIN "
    "DELETE FROM fingerprints WHERE image_id = NEW.id; END"
)

# Text read in photos (see text.py): lines with boxes per photo, and two FTS5 indexes over them (trigrams for
# terms of 3+ characters, CJK characters and pairs for 1-2). A row exists once the photo was read; a new version
# of the file (another content key) drops it, so it is read again. FTS rows follow photo_text by a trigger.
_V7_TEXT = """
CREATE TABLE photo_text (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    content_key TEXT,                         -- the file version that was read
    lines TEXT NOT NULL,                      -- JSON [{text, box: [[x, y] * 4] as fractions, score}]; [] no text
    read_at REAL NOT NULL
);
CREATE VIRTUAL TABLE text_trigrams USING fts5(body, tokenize = 'trigram');
CREATE VIRTUAL TABLE text_grams USING fts5(body, tokenize = 'unicode61');
""" + (
    "CREATE TRIGGER photo_text_gone AFTER DELETE ON photo_text BEGIN "
    "DELETE FROM text_trigrams WHERE rowid = OLD.image_id; DELETE FROM text_grams WHERE rowid = OLD.image_id; END;\n"
    "CREATE TRIGGER images_text_stale AFTER UPDATE OF content_key ON images "
    "WHEN OLD.content_key IS NOT NEW.content_key BEGIN DELETE FROM photo_text WHERE image_id = NEW.id; END"
)

MIGRATIONS: list[str] = [_V1, _V2_BROWSE, _V3_LAUNCH_READS, _V4_LABELS, _V5_LABEL_COUNTS, _V6_DUPLICATES, _V7_TEXT]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to SCHEMA_VERSION; returns the version found before.

    `conn` must be in autocommit mode (isolation_level=None)."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise RuntimeError(
            f"This catalog was written by a newer clipdesk (schema {found}; this one knows {SCHEMA_VERSION})."
        )
    for version in range(found, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version].split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found
