"""Where clipdesk keeps its data and which model it uses.

Resolution order for both: explicit argument, then environment variable, then default.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_data_path

APP_NAME = "clipdesk"
DEFAULT_MODEL = "sentence-transformers/clip-ViT-B-32"
ENV_DATA_DIR = "CLIPDESK_DATA_DIR"
ENV_MODEL = "CLIPDESK_MODEL"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Folder holding the catalog, the vector index and the thumbnail cache."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR])
    else:
        path = user_data_path(APP_NAME, appauthor=False)
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def thumbnail_dir(base: Path) -> Path:
    """Thumbnails live beside the catalog unless the data dir is the default one,
    in which case the platform's cache dir is used (safe to delete)."""
    if base == user_data_path(APP_NAME, appauthor=False).resolve():
        return user_cache_path(APP_NAME, appauthor=False) / "thumbnails"
    return base / "thumbnails"


def normalize_model_id(model: str) -> str:
    """A hub id stays as is; an existing local folder becomes an absolute path so the
    same model is recognised whatever the working directory."""
    expanded = Path(model).expanduser()
    looks_like_path = model.startswith((".", "/", "~")) or model.count("/") > 1
    if expanded.exists() or looks_like_path:
        return str(expanded.resolve())
    return model


def model_from_env() -> str | None:
    value = os.environ.get(ENV_MODEL)
    return normalize_model_id(value) if value else None
