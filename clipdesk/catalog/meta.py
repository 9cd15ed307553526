"""Names of the catalog's `meta` rows (key -> text value), in one place."""

from __future__ import annotations

CHANGE_SEQ = "change_seq"  # bumped by every change to the set of vectors; the index's watermark
MODEL_ID = "model_id"  # the model whose embeddings the catalog holds
MODEL_DIM = "model_dim"  # that model's embedding width, once it has loaded
MODEL_SETTING = "model_setting"  # the model the user chose (a hub id or a folder), for the next start
QUERY_LANGUAGES = "query_languages"  # the "query languages" setting: auto, english or multilingual
INDEX_STEM = "index_stem"  # file name stem of the current saved HNSW index
INDEX_WATERMARK = "index_watermark"  # change_seq the saved index covers

ALL = (CHANGE_SEQ, MODEL_ID, MODEL_DIM, MODEL_SETTING, QUERY_LANGUAGES, INDEX_STEM, INDEX_WATERMARK)
