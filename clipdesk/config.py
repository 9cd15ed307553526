"""Where clipdesk keeps its data, which model it uses, and the settings read from the environment.

Every `CLIPDESK_*` variable is parsed here, once per `settings()` call, into a typed `Settings`;
a bad value is refused with a message naming the variable and what it should be. Callers read
`settings()` when they are constructed (an Engine, an Indexer, an encoder), never at import, so a
test that sets a variable, or a process started with its own environment, is always respected.

Not here, on purpose: the Hugging Face variables (HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE,
HF_ENDPOINT) belong to the hub library and are read where it is called
(clipdesk.encoder.model_files), and CLIPDESK_TEST_KILL_AT is a crash-test hook (clipdesk.killpoint).

Resolution order for the data folder and the model: explicit argument, then environment, then default.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "clipdesk"
DEFAULT_MODEL = "sentence-transformers/clip-ViT-B-32"
ENV_DATA_DIR = "CLIPDESK_DATA_DIR"
ENV_MODEL = "CLIPDESK_MODEL"

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
TEXT_PRECISIONS = ("auto", "int8", "model")
SCHEDULES = ("phased", "overlap")
DECODE_MODES = ("process", "thread")
INDEX_HOSTS = ("process", "inline")  # where the vector index lives: a child process, or this one
QUERY_LANGUAGES = ("auto", "english", "multilingual")  # which text encoder answers a query
IMAGE_MODEL_TTL_S = 300.0  # like Immich's default model TTL


class SettingsError(ValueError):
    """An environment variable holds a value clipdesk cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """The `CLIPDESK_*` environment, parsed. None means "not set: decide automatically"."""

    data_dir: Path | None = None  # CLIPDESK_DATA_DIR
    model: str | None = None  # CLIPDESK_MODEL (normalised: a local folder becomes absolute)
    device: str | None = None  # CLIPDESK_DEVICE: cpu, cuda, cuda:1, mps; "auto" or unset: pick
    precision: str = "auto"  # CLIPDESK_PRECISION: the image tower's
    text_precision: str = "auto"  # CLIPDESK_TEXT_PRECISION
    threads: int | None = None  # CLIPDESK_THREADS: torch threads outside indexing
    encode_threads: int | None = None  # CLIPDESK_ENCODE_THREADS: torch threads while indexing
    decode_workers: int | None = None  # CLIPDESK_DECODE_WORKERS
    decode_mode: str | None = None  # CLIPDESK_DECODE: process | thread
    decode_timeout_s: float | None = None  # CLIPDESK_DECODE_TIMEOUT
    schedule: str | None = None  # CLIPDESK_SCHEDULE: phased | overlap
    image_model_ttl_s: float = IMAGE_MODEL_TTL_S  # CLIPDESK_IMAGE_MODEL_TTL; 0 keeps the image tower
    multilingual_model: str | None = None  # CLIPDESK_MULTILINGUAL_MODEL: hub id or folder of the text student
    query_languages: str | None = None  # CLIPDESK_QUERY_LANGUAGES: auto | english | multilingual
    text: bool | None = None  # CLIPDESK_TEXT: 0 stops reading text in photos, 1 reads it; unset: the library's setting
    index_host: str | None = None  # CLIPDESK_INDEX_HOST: process | inline; unset: the app process, the CLI inline
    library: str | None = None  # CLIPDESK_LIBRARY: postgresql://... for a shared library; unset: this computer's


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse the environment now; raises SettingsError for a value that cannot be used."""
    env = _Env(os.environ if environ is None else environ)
    data = env.text("CLIPDESK_DATA_DIR")
    model = env.text("CLIPDESK_MODEL")
    multilingual = env.text("CLIPDESK_MULTILINGUAL_MODEL")
    device = env.text("CLIPDESK_DEVICE")
    return Settings(
        data_dir=Path(data) if data else None,
        model=normalize_model_id(model) if model else None,
        device=None if device in (None, "auto") else device,
        precision=env.choice("CLIPDESK_PRECISION", PRECISIONS, "the image tower's precision") or "auto",
        text_precision=env.choice("CLIPDESK_TEXT_PRECISION", TEXT_PRECISIONS, "the text tower's precision") or "auto",
        threads=env.count("CLIPDESK_THREADS"),
        encode_threads=env.count("CLIPDESK_ENCODE_THREADS"),
        decode_workers=env.count("CLIPDESK_DECODE_WORKERS"),
        decode_mode=env.choice("CLIPDESK_DECODE", DECODE_MODES, "where photos are decoded"),
        decode_timeout_s=env.seconds("CLIPDESK_DECODE_TIMEOUT", allow_zero=False),
        schedule=env.choice("CLIPDESK_SCHEDULE", SCHEDULES, "the indexing schedule"),
        image_model_ttl_s=_or(env.seconds("CLIPDESK_IMAGE_MODEL_TTL", allow_zero=True), IMAGE_MODEL_TTL_S),
        multilingual_model=normalize_model_id(multilingual) if multilingual else None,
        query_languages=env.choice("CLIPDESK_QUERY_LANGUAGES", QUERY_LANGUAGES, "which text encoder answers queries"),
        text=env.switch("CLIPDESK_TEXT", "reading the text in photos"),
        index_host=env.choice("CLIPDESK_INDEX_HOST", INDEX_HOSTS, "where the vector index lives"),
        library=env.library("CLIPDESK_LIBRARY"),
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


class _Env:
    """Readers for one kind of value each; an empty variable counts as unset."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def choice(self, name: str, choices: tuple[str, ...], what: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in choices:
            raise SettingsError(f"{name} ({what}) must be one of {', '.join(choices)}, got {value!r}")
        return value.lower()

    def library(self, name: str) -> str | None:
        """A shared library's URL (postgresql://...); the message never repeats it (it may hold a password)."""
        value = self.text(name)
        if value is not None and not value.lower().startswith(("postgresql://", "postgres://")):
            raise SettingsError(f"{name} must be a postgresql://... URL of a shared library, or unset")
        return value

    def switch(self, name: str, what: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in ("0", "1", "off", "on", "false", "true", "no", "yes"):
            raise SettingsError(f"{name} ({what}) must be 0 or 1, got {value!r}")
        return value.lower() in ("1", "on", "true", "yes")

    def count(self, name: str) -> int | None:
        """A whole number; 0 means "automatic", like leaving it unset."""
        value = self.text(name)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number (0: automatic), got {value!r}") from None
        if number < 0:
            raise SettingsError(f"{name} must be a whole number (0: automatic), got {value!r}")
        return number or None

    def seconds(self, name: str, *, allow_zero: bool) -> float | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            raise SettingsError(f"{name} must be a number of seconds, got {value!r}") from None
        if not number >= 0 or (number == 0 and not allow_zero) or number == float("inf"):
            least = "0 or more" if allow_zero else "more than 0"
            raise SettingsError(f"{name} must be a number of seconds, {least}, got {value!r}")
        return number


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Folder holding the catalog, the vector index and the thumbnail cache."""
    moved = None if explicit or settings().data_dir else moved_data_dir()
    if moved is not None and not moved.is_dir():  # never a new empty catalog in an unmounted disk's place
        raise SettingsError(
            f"the data folder {moved} (moved there with `clipdesk move-data`) cannot be found: connect its disk, "
            f"or delete {data_dir_pointer()} to use the default folder again"
        )
    path = Path(explicit) if explicit else settings().data_dir or moved or default_data_dir()
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False)


def data_dir_pointer() -> Path:
    """Written by `clipdesk move-data` (clipdesk.engine.datamove): where the default data folder went."""
    return user_config_path(APP_NAME, appauthor=False) / "data-dir.json"


def moved_data_dir() -> Path | None:
    """The folder `clipdesk move-data` moved the default data folder to, if it did."""
    try:
        target = json.loads(data_dir_pointer().read_text())["data_dir"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Path(target) if target else None


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
    return settings().model
