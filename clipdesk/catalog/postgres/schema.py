"""The shared library's schema on PostgreSQL and its migrations: the same catalog model as SQLite.

The version is a row of `schema_version`. Each migration runs in one transaction with the version
bump (PostgreSQL DDL is transactional), under an advisory lock, so two machines starting at once
upgrade it once. What differs from SQLite, and why:
- roots have a stable name, and each machine its own path (and online state) for them in
  `root_paths`: a NAS share is /mnt/photos here and /Volumes/photos there. Photos keep the path
  relative to their root.
- the queue: a pending photo is claimed by a worker for a while (`claimed_by`, `lease_until`), so
  many machines encode the library together and a killed worker's photos come back.
- embeddings are pgvector `halfvec` (2 bytes a dimension); the HNSW index on them is created per
  model once its dimension is known (vectors.py), as an expression index over that model's rows.
"""

from __future__ import annotations

import psycopg

_V1 = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE roots (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    excludes TEXT NOT NULL DEFAULT '[]',
    added_at DOUBLE PRECISION
);
CREATE TABLE machines (
    id TEXT PRIMARY KEY,
    hostname TEXT,
    seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE root_paths (
    root_id BIGINT NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
    machine TEXT NOT NULL REFERENCES machines(id),
    path TEXT COLLATE "C" NOT NULL,
    online BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (root_id, machine),
    UNIQUE (machine, path)
);
CREATE TABLE photos (
    id BIGSERIAL PRIMARY KEY,
    root_id BIGINT NOT NULL REFERENCES roots(id),
    rel_path TEXT COLLATE "C" NOT NULL,  -- byte order: a folder's photos are one range
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    content_key TEXT,
    width INTEGER,
    height INTEGER,
    taken_at DOUBLE PRECISION,
    format TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    embedding halfvec,
    model_id TEXT,
    vec_seq BIGINT NOT NULL DEFAULT 0,
    indexed_at DOUBLE PRECISION,
    claimed_by TEXT,
    lease_until TIMESTAMPTZ,
    UNIQUE (root_id, rel_path)
);
CREATE INDEX photos_content_key ON photos(content_key);
CREATE INDEX photos_model ON photos(status, model_id);
CREATE INDEX photos_browse ON photos(status, taken_at DESC NULLS LAST, id DESC);
CREATE INDEX photos_vec_seq ON photos(vec_seq);
CREATE INDEX photos_queue ON photos(id) WHERE status = 'pending';
CREATE TABLE label_sets (
    id BIGSERIAL PRIMARY KEY,
    model_id TEXT NOT NULL,
    vocabulary_version TEXT NOT NULL,
    logit_scale DOUBLE PRECISION NOT NULL,
    dim INTEGER NOT NULL,
    created_at DOUBLE PRECISION,
    UNIQUE (model_id, vocabulary_version)
);
CREATE TABLE label_vectors (
    set_id BIGINT NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    vector BYTEA NOT NULL,
    PRIMARY KEY (set_id, position)
);
CREATE TABLE photo_labels (
    image_id BIGINT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    set_id BIGINT NOT NULL,
    label TEXT NOT NULL,
    probability DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (image_id, set_id, label)
);
CREATE INDEX photo_labels_browse ON photo_labels(set_id, label, probability DESC, image_id);
CREATE TABLE labelled (
    image_id BIGINT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    set_id BIGINT NOT NULL
);
CREATE TABLE albums (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    examples TEXT NOT NULL DEFAULT '[]',
    counter_examples TEXT NOT NULL DEFAULT '[]',
    strictness DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    created_at DOUBLE PRECISION NOT NULL,
    model_id TEXT,
    vector BYTEA,
    center DOUBLE PRECISION,
    spread DOUBLE PRECISION
);
CREATE TABLE album_members (
    album_id BIGINT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    image_id BIGINT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    score DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (album_id, image_id)
);
CREATE INDEX album_members_rank ON album_members(album_id, score DESC, image_id);
CREATE INDEX album_members_image ON album_members(image_id);
CREATE TABLE photo_text (
    image_id BIGINT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    text TEXT NOT NULL
);
CREATE TABLE fingerprints (
    image_id BIGINT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    phash BIGINT,
    file_hash TEXT
);
CREATE FUNCTION photo_embedding_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM photo_labels WHERE image_id = NEW.id;
    DELETE FROM labelled WHERE image_id = NEW.id;
    DELETE FROM album_members WHERE image_id = NEW.id;
    DELETE FROM fingerprints WHERE image_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER photos_embedding_written AFTER UPDATE OF embedding ON photos
    FOR EACH ROW WHEN (OLD.embedding IS DISTINCT FROM NEW.embedding) EXECUTE FUNCTION photo_embedding_written();
CREATE TABLE label_counts (
    set_id BIGINT NOT NULL,
    label TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (set_id, label)
);
CREATE FUNCTION photo_labels_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO label_counts(set_id, label, n) VALUES (NEW.set_id, NEW.label, 1)
            ON CONFLICT (set_id, label) DO UPDATE SET n = label_counts.n + 1;
        RETURN NEW;
    END IF;
    UPDATE label_counts SET n = n - 1 WHERE set_id = OLD.set_id AND label = OLD.label;
    RETURN OLD;
END $$;
CREATE TRIGGER photo_labels_counted AFTER INSERT OR DELETE ON photo_labels
    FOR EACH ROW EXECUTE FUNCTION photo_labels_counted();
INSERT INTO meta(key, value) VALUES ('change_seq', '0');
"""

# Text read in photos (text.py): the lines with their boxes, the file version read, and the two normalised
# bodies searched; a new version of the file (another content key) drops the row, so it is read again.
_V2_TEXT = """
DROP TABLE photo_text;
CREATE TABLE photo_text (
    image_id BIGINT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    content_key TEXT,
    lines TEXT NOT NULL,
    read_at DOUBLE PRECISION NOT NULL,
    trigram_body TEXT NOT NULL DEFAULT '',
    gram_body TEXT NOT NULL DEFAULT ''
);
CREATE FUNCTION photo_text_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM photo_text WHERE image_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER photos_text_stale AFTER UPDATE OF content_key ON photos
    FOR EACH ROW WHEN (OLD.content_key IS DISTINCT FROM NEW.content_key) EXECUTE FUNCTION photo_text_stale();
"""

# The photos a worker holds, found without reading the table: each claim renews them, a clean stop gives
# them back, and a restart releases what a dead worker of the machine held (small: only claimed rows).
_V3_CLAIMS = """
CREATE INDEX photos_claimed ON photos(claimed_by) WHERE claimed_by IS NOT NULL;
"""

MIGRATIONS: list[str] = [_V1, _V2_TEXT, _V3_CLAIMS]
SCHEMA_VERSION = len(MIGRATIONS)
_MIGRATION_LOCK = 0x636C6970  # advisory lock key ("clip"): one machine migrates at a time


def migrate(conn: psycopg.Connection) -> int:
    """Bring the library up to SCHEMA_VERSION; returns the version found before. `conn` is autocommit."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            conn.execute("INSERT INTO schema_version(version) VALUES (0)")
        found = int(row[0]) if row else 0
        if found > SCHEMA_VERSION:
            raise RuntimeError(
                f"This shared library was written by a newer clipdesk (schema {found}; "
                f"this one knows {SCHEMA_VERSION})."
            )
        for version in range(found, SCHEMA_VERSION):
            conn.execute(MIGRATIONS[version])  # our own DDL, no parameters
            conn.execute("UPDATE schema_version SET version = %s", (version + 1,))
    return found
