"""A query's words found in the text of photos (read by clipdesk.text, indexed by the catalog) lift
those photos above the CLIP ranking.

- Words: the query as understood (date words and "-terms" out), split at spaces and punctuation;
  English function words ("a", "on", "the") and single Latin letters are left out. A run of Chinese
  longer than four characters is split at common function characters (的, 了, 和, ...), so
  "超市的发票" looks for "超市" and "发票".
- How a word is found: Chinese (and other CJK) words and numbers anywhere in the text (a phone number's
  last digits); words with Latin letters only as whole words, with a plain English plural either way
  ("receipt" finds "RECEIPTS"): most query words describe what the photo shows, and as substrings "cat"
  would lift every photo saying "Location", "red" every "credit card".
- A phrase in "double quotes" (or 「」, “”) must appear exactly as typed (case aside; Latin words whole).
- Lifted photos: those whose text holds at least one word, or every phrase when there are phrases;
  more words found rank higher, then the CLIP score decides. The rest follow in CLIP order. Filters
  apply before the cut to MAX_LIFTED, so a folder's matches are not lost behind other folders'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..catalog import Catalog
from ..catalog.text import TextSearch, normalize
from .understanding import UnderstoodQuery

MAX_LIFTED = 500  # photos lifted by text at most
TERM_MATCHES = 20 * MAX_LIFTED  # ids read per term (FTS rowids only: ~1 ms per thousand), before the filters
SCORED = 4 * MAX_LIFTED  # candidates whose vectors are read to rank them (2 KiB each), most words first

_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」')
_TOKEN = re.compile(r"[\w\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+(?:[-.'][\w]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_NUMBER = re.compile(r"\d[\d\s\-./()]*\d")  # digits and the separators a phone number is written with
_CJK_FUNCTION = re.compile(r"[的了在和与是有个张把被从到里中上下或及这那些吗呢吧啊我你他她它们]+")
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or photo photos picture pictures "
    "image images that the this to with without my our your me us"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class TextQuery:
    words: tuple[str, ...] = ()  # any of them lifts a photo
    phrases: tuple[str, ...] = ()  # all of them must appear

    @property
    def terms(self) -> tuple[str, ...]:
        return self.phrases + self.words

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)


def text_query(text: str) -> TextQuery:
    """The words and phrases of a query that are looked for in the photos' text."""
    phrases = [normalize(next(g for g in m.groups() if g)).strip() for m in _PHRASE.finditer(text)]
    rest = _PHRASE.sub(" ", text)
    words: list[str] = []
    for token in _TOKEN.findall(normalize(rest)):
        words.extend(_words_of(token))
    unique = tuple(dict.fromkeys(w for w in words if w not in phrases))
    return TextQuery(unique, tuple(dict.fromkeys(p for p in phrases if p)))


def _words_of(token: str) -> list[str]:
    if _CJK.search(token):
        if len(token) <= 4:
            return [token]
        pieces = [p for p in _CJK_FUNCTION.split(token) if p]
        return [p for p in pieces if len(p) >= 2] or pieces
    if token in _STOPWORDS or (len(token) == 1 and not token.isdigit()):
        return []
    return [token]


def whole_words(term: str) -> bool:
    """Whether a term is looked for as whole words: it has letters and no CJK characters."""
    return not _CJK.search(term) and any(c.isalpha() for c in term)


def forms(term: str, plurals: bool = True) -> tuple[str, ...]:
    """The term and the other forms that count as it: a number written with separators also as its
    digits alone ("138-1234-5678": the photo may say "138 1234 5678"); with `plurals`, a single ASCII
    word of 3+ letters and its plain English singular or plural (receipt/receipts, box/boxes): a sign
    says "RECEIPT" whether the query is "receipt" or "receipts"."""
    if _NUMBER.fullmatch(term) and not term.isdigit():
        return (term, re.sub(r"\D", "", term))
    if not (plurals and term.isascii() and term.isalpha() and len(term) >= 3):
        return (term,)
    if re.search(r"(s|x|z|ch|sh)es$", term):
        return (term, term[:-2])
    if term.endswith("s") and not term.endswith("ss") and len(term) >= 4:
        return (term, term[:-1])
    return (term, term + ("es" if re.search(r"(s|x|z|ch|sh)$", term) else "s"))


def line_matches(line: str, terms: Iterable[str]) -> bool:
    """Whether a line of text holds one of the terms, as the catalog's index would match it."""
    text = normalize(line)
    digits = re.sub(r"\D", "", text)
    for term in terms:
        if whole_words(term):
            for form in forms(term):
                pattern = r"[\W_]+".join(re.escape(w) for w in re.findall(r"[^\W_]+", form))
                if re.search(rf"(?<![^\W_]){pattern}(?![^\W_])", text):
                    return True
        elif len(term) >= 3 or _CJK.search(term):
            if any(form in text or (form.isdigit() and form in digits) for form in forms(term)):
                return True
        elif re.search(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])", text):  # a whole short word
            return True
    return False


@dataclass(frozen=True)
class Lift:
    """Photos lifted by their text, best first, with their CLIP scores."""

    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    terms: dict[int, tuple[str, ...]] = field(default_factory=dict)  # photo id -> the terms its text holds

    @property
    def count(self) -> int:
        return len(self.ids)

    def without_lifted(self, ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The CLIP ranking with the lifted photos taken out (they come first instead)."""
        if not self.ids:
            return ids, scores
        keep = ~np.isin(ids, np.asarray(self.ids, dtype=np.int64))
        return ids[keep], scores[keep]

    def prepend(self, ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.ids:
            return ids, scores
        return (
            np.concatenate([np.asarray(self.ids, dtype=np.int64), ids.astype(np.int64)]),
            np.concatenate([np.asarray(self.scores, dtype=np.float32), scores.astype(np.float32)]),
        )


def lift(
    catalog: Catalog,
    understood: UnderstoodQuery | None,
    allowed: np.ndarray | Callable[[np.ndarray], np.ndarray] | None,
    query: np.ndarray,
    model_id: str | None,
) -> Lift:
    """The photos whose text holds the query's words (see the module's rules), best first."""
    wanted = text_query(understood.text) if understood is not None else TextQuery()
    if not wanted or not isinstance(catalog, TextSearch) or model_id is None:
        return Lift()
    hits: dict[int, tuple[str, ...]] = {}  # photo id -> the words it holds
    required: set[int] | None = None
    for phrase in wanted.phrases:
        found = set(_photos_with(catalog, phrase, forms(phrase, plurals=False)))
        required = found if required is None else required & found
    for word in wanted.words:
        for image_id in _photos_with(catalog, word, forms(word)):
            hits[image_id] = (*hits.get(image_id, ()), word)
    if required is not None:
        hits = {i: (*wanted.phrases, *hits.get(i, ())) for i in required}
    if allowed is not None and hits:
        candidates = np.fromiter(hits, dtype=np.int64, count=len(hits))
        # The allowed ids, or what keeps the allowed ones (a shared library asks its server).
        kept = allowed(candidates) if callable(allowed) else candidates[np.isin(candidates, allowed)]
        hits = {int(i): hits[int(i)] for i in kept}
    if not hits:
        return Lift()
    # Most words first, then newest ids, to bound the vectors read; the CLIP score orders the rest.
    candidates_ranked = sorted(hits, key=lambda i: (-len(hits[i]), -i))[:SCORED]
    ids, vectors = catalog.embeddings_of(candidates_ranked, model_id)  # indexed with the current model only
    if not ids:
        return Lift()
    scores = vectors @ np.asarray(query, dtype=np.float32)
    order = sorted(range(len(ids)), key=lambda k: (-len(hits[ids[k]]), -float(scores[k]), ids[k]))[:MAX_LIFTED]
    lifted = [ids[k] for k in order]
    return Lift(lifted, [float(scores[k]) for k in order], {i: hits[i] for i in lifted})


def _photos_with(catalog: TextSearch, term: str, term_forms: tuple[str, ...]) -> list[int]:
    """Photos whose text holds the term in any of its forms (see the module's rules)."""
    whole = whole_words(term)
    found: set[int] = set()
    for form in term_forms:
        found.update(catalog.photos_with_text(form, TERM_MATCHES, whole_words=whole))
    return sorted(found)
