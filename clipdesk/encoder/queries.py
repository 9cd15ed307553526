"""Which text encoder answers a query, and the cache of query vectors.

The setting "query languages" (config.QUERY_LANGUAGES):
  - auto (default): English-looking text goes to CLIP's own text tower (the best for English: the
    student only imitates it), anything else to the multilingual student;
  - english: always CLIP's tower (the student is never loaded);
  - multilingual: always the student.

"English-looking" (`looks_english`) is decided without a language model, in microseconds:
  - any letter outside the Latin script (Chinese, Japanese, Cyrillic, Arabic, Greek...) -> not English,
    so a mixed query ("iPhone 截图") goes to the student, which reads both;
  - any Latin letter with a diacritic (é, ü, ñ, ø...) -> not English;
  - a function word of another common Latin-script language ("chien sur la plage", "hund am strand",
    "perro en la playa") -> not English. The list leaves out words English uses too ("a", "die", "no").
  - Limit: plain ASCII content words with none of those ("katze strand") read as English; the student
    reads English as well, so "multilingual" is the setting for such queries.

The cache keeps the last 512 query vectors keyed by (encoder id, text): the same text through two
encoders is two entries.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ..config import QUERY_LANGUAGES
from .clip import ClipEncoder, ModelUnavailableError
from .pairing import default_student
from .text import MultilingualModelUnavailableError, StudentTextEncoder, TextEncoder, student_unavailable_message

# French, Spanish, Portuguese, Italian, German, Dutch, Scandinavian, Indonesian, Turkish.
_OTHER_LANGUAGE_TEXT = (
    "le la les des du une aux avec dans pour sur sous chez et est ou "
    "el los las del una con para por y en muy "
    "os das dos com um uma em "
    "il lo gli della delle dei degli nel nella sul sulla con per di "
    "der das den dem des und mit ein eine einer einem im vom zum zur auf bei nach von ist nicht "
    "het een van met op bij naar "
    "och med og af til paa "
    "dan di yang dengan dari ke "
    "ve bir ile"
)
_OTHER_LANGUAGE_WORDS = frozenset(_OTHER_LANGUAGE_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def looks_english(text: str) -> bool:
    """True when CLIP's own (English) text tower should read `text` in auto mode."""
    if any(ord(ch) > 127 and ch.isalpha() for ch in text):
        return False  # another script, or a Latin letter with a diacritic (digits, emoji: no matter)
    return not any(word.lower() in _OTHER_LANGUAGE_WORDS for word in _WORD.findall(text))


def check_query_languages(value: str) -> str:
    value = value.strip().lower()
    if value not in QUERY_LANGUAGES:
        raise ValueError(f"query languages must be one of {', '.join(QUERY_LANGUAGES)}, not {value!r}")
    return value


class QueryEncoders:
    """CLIP's text tower plus, made on first need, the multilingual student; one query cache.

    `student_id`: a hub id or folder (default: the known student for the image model, if any).
    `on_state(state, detail)`: told "loading" / "ready" / "unavailable" about the student, as the
    engine's listeners are about the main model (the app shows the same states)."""

    def __init__(
        self, clip: ClipEncoder, student_id: str | None = None, cache_size: int = 512, *, device: str | None = None
    ) -> None:
        self.clip = clip
        self.student_id = student_id or default_student(clip.model_id)
        self.on_state: Callable[[str, str], None] | None = None
        self.download_progress = None  # a tqdm class for the student's download, as ClipEncoder's
        self._device = device or clip.requested_device
        self._student: StudentTextEncoder | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def student(self) -> StudentTextEncoder:
        """The multilingual encoder (not loaded yet); raises when none is known for the image model."""
        with self._lock:
            if self._student is None:
                if self.student_id is None:
                    raise MultilingualModelUnavailableError(student_unavailable_message(None, self.clip.model_id, None))
                self._student = StudentTextEncoder(
                    self.student_id, self.clip.model_id, lambda: self.clip.dim, device=self._device
                )
            return self._student

    def pick(self, text: str, query_languages: str = "auto") -> TextEncoder:
        """The encoder for this text under the setting; loads nothing."""
        mode = check_query_languages(query_languages)
        if mode == "english" or (mode == "auto" and looks_english(text)):
            return self.clip
        return self.student

    def encode(self, text: str, encoder: TextEncoder) -> np.ndarray:
        """One query's vector through `encoder`, cached by (encoder id, text)."""
        key = (encoder.model_id, text)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if isinstance(encoder, StudentTextEncoder) and not encoder.loaded:
            self._load_student(encoder)
        vector = encoder.encode_texts([text])[0]
        self._cache[key] = vector
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vector

    def cached_keys(self) -> list[tuple[str, str]]:
        return list(self._cache)

    def _load_student(self, student: StudentTextEncoder) -> None:
        if self.download_progress is not None:
            student.download_progress = self.download_progress
        self._state("loading", student.model_id)
        try:
            student.load()
        except ModelUnavailableError as exc:
            self._state("unavailable", str(exc))
            raise
        self._state("ready", student.model_id)

    def _state(self, state: str, detail: str) -> None:
        if self.on_state is not None:
            self.on_state(state, detail)
