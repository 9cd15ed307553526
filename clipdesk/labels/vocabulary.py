"""The label vocabulary: concepts people photograph, their display names and the prompts that score them.

The data lives in `resources/vocabulary/` (see SOURCES.md there): `labels.tsv` (one concept a line),
`categories.tsv` (display groups) and `templates.tsv` (the prompt-template ensembles). Plain
tab-separated text so that adding a label is a one-line, reviewable diff.

`Vocabulary.version` is a hash of everything that decides the label vectors (the three files and
the prompt rendering rule): a cache of text vectors keyed by (model, version) knows when to recompute.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LABELS_FILE, CATEGORIES_FILE, TEMPLATES_FILE = "labels.tsv", "categories.tsv", "templates.tsv"
LABEL_COLUMNS = ("id", "category", "en", "zh", "zh_aliases", "synonyms", "templates", "prompts", "sources")
CATEGORY_COLUMNS = ("id", "en", "zh", "templates")
TEMPLATE_COLUMNS = ("set", "template")
SOURCES = frozenset({"imagenet", "places365", "coco", "openimages", "clipdesk"})
NO_TEMPLATES = "none"  # a label scored by its own `prompts` only
# Bump when prompt_texts() renders differently: the label vectors change with it.
RENDER_VERSION = "1"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class VocabularyError(ValueError):
    """The vocabulary files are missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Category:
    id: str
    en: str
    zh: str
    templates: str  # the template set its labels use unless they name another


@dataclass(frozen=True)
class Label:
    id: str  # stable slug: what catalogs store
    category: str
    en: str  # display name and the name put into the prompt templates
    zh: str  # Simplified Chinese display name
    zh_aliases: tuple[str, ...] = ()  # other Chinese names people type (search only, not prompts)
    synonyms: tuple[str, ...] = ()  # other English names, each rendered through the templates too
    templates: str = "default"  # template set name, resolved from the category when the file leaves it empty
    prompts: tuple[str, ...] = ()  # extra prompts used verbatim
    sources: tuple[str, ...] = ()


def _takes_article(name: str) -> bool:
    """Templates say "a photo of a {}", which reads wrong for plurals ("a photo of a fireworks"); names ending in s,
    except -ss/-us/-is words (glass, cactus, mantis) and "x of y" phrases (a deck of cards), drop it."""
    plural = name.endswith("s") and not name.endswith(("ss", "us", "is")) and " of " not in name
    return not plural


def render(template: str, name: str) -> str:
    """One prompt: the name put into the template, with "a" turned into "an" or dropped as the name needs."""
    if " a {}" in f" {template}":
        if not _takes_article(name):
            template = re.sub(r"(^|\s)a \{\}", r"\1{}", template)
        elif name[:1].lower() in "aeiou":
            template = re.sub(r"(^|\s)a \{\}", r"\1an {}", template)
    return template.format(name)


@dataclass(frozen=True)
class Vocabulary:
    labels: tuple[Label, ...]
    templates: Mapping[str, tuple[str, ...]]
    categories: tuple[Category, ...] = ()
    version: str = ""
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({label.id: i for i, label in enumerate(self.labels)})

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def __getitem__(self, label_id: str) -> Label:
        return self.labels[self._index[label_id]]

    def index_of(self, label_id: str) -> int:
        return self._index[label_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(label.id for label in self.labels)

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def prompt_texts(self, label: Label) -> list[str]:
        """Every prompt that scores `label`: each template of its set for its name and each synonym,
        then its verbatim prompts; duplicates dropped, order kept."""
        texts: list[str] = []
        if label.templates != NO_TEMPLATES:
            for name in (label.en, *label.synonyms):
                texts += [render(template, name) for template in self.templates[label.templates]]
        texts += label.prompts
        return list(dict.fromkeys(texts))


def from_names(names: Iterable[str], templates: Iterable[str] | None = None) -> Vocabulary:
    """A vocabulary of arbitrary user labels ("cat", "dog", "car"), scored with the default
    template set (or `templates`); ids are the names themselves, in the order given."""
    cleaned = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not cleaned:
        raise VocabularyError("no labels given")
    template_set = tuple(templates) if templates is not None else DEFAULT_TEMPLATES
    _check_templates("user templates", template_set)
    labels = tuple(Label(id=n, category="", en=n, zh=n, templates="user") for n in cleaned)
    digest = hashlib.blake2b(digest_size=8)
    for part in (RENDER_VERSION, *template_set, "\0", *cleaned):
        digest.update(part.encode() + b"\n")
    return Vocabulary(labels=labels, templates={"user": template_set}, version=f"user-{digest.hexdigest()}")


# The plain-object ensemble, also used for user labels: the CLIP paper's "a photo of a {}." plus
# the photo conditions personal pictures actually have (close, blurry, bright, dark).
DEFAULT_TEMPLATES = (
    "a photo of a {}.",
    "a close-up photo of a {}.",
    "a blurry photo of a {}.",
    "a photo of the {}.",
    "a bright photo of a {}.",
    "a dark photo of a {}.",
)


def vocabulary_dir() -> Path:
    """Where the shipped vocabulary is: CLIPDESK_VOCABULARY_DIR, the PyInstaller bundle, or the
    `resources/` folder beside the package (a source tree or editable install)."""
    candidates = []
    if os.environ.get("CLIPDESK_VOCABULARY_DIR"):
        candidates.append(Path(os.environ["CLIPDESK_VOCABULARY_DIR"]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources" / "vocabulary")
    candidates.append(Path(__file__).resolve().parents[2] / "resources" / "vocabulary")
    for folder in candidates:
        if (folder / LABELS_FILE).is_file():
            return folder
    raise VocabularyError("the label vocabulary was not found; looked in " + ", ".join(map(str, candidates)))


def load_vocabulary(folder: str | Path | None = None) -> Vocabulary:
    """Read and validate the vocabulary; any problem raises VocabularyError naming file and line."""
    folder = Path(folder) if folder is not None else vocabulary_dir()
    raw = {name: _read(folder / name) for name in (TEMPLATES_FILE, CATEGORIES_FILE, LABELS_FILE)}

    templates: dict[str, list[str]] = {}
    for line, row in _rows(TEMPLATES_FILE, raw[TEMPLATES_FILE], TEMPLATE_COLUMNS):
        templates.setdefault(_need(row, "set", TEMPLATES_FILE, line), []).append(row["template"])
    template_sets = {name: tuple(items) for name, items in templates.items()}
    for name, items in template_sets.items():
        _check_templates(f"{TEMPLATES_FILE} set {name!r}", items)

    categories: list[Category] = []
    for line, row in _rows(CATEGORIES_FILE, raw[CATEGORIES_FILE], CATEGORY_COLUMNS):
        where = f"{CATEGORIES_FILE}:{line}"
        category = Category(*(_need(row, col, CATEGORIES_FILE, line) for col in CATEGORY_COLUMNS))
        if category.templates not in template_sets:
            raise VocabularyError(f"{where}: unknown template set {category.templates!r}")
        if any(c.id == category.id for c in categories):
            raise VocabularyError(f"{where}: duplicate category {category.id!r}")
        categories.append(category)
    by_category = {c.id: c for c in categories}

    labels: list[Label] = []
    seen_ids: set[str] = set()
    seen_en: dict[str, str] = {}
    for line, row in _rows(LABELS_FILE, raw[LABELS_FILE], LABEL_COLUMNS):
        where = f"{LABELS_FILE}:{line}"
        label_id, category_id, en, zh = (_need(row, col, LABELS_FILE, line) for col in ("id", "category", "en", "zh"))
        if not _ID.match(label_id):
            raise VocabularyError(f"{where}: id {label_id!r} is not a lowercase slug (a-z, 0-9, single dashes)")
        if label_id in seen_ids:
            raise VocabularyError(f"{where}: duplicate id {label_id!r}")
        if en.lower() in seen_en:
            raise VocabularyError(f"{where}: English name {en!r} is already used by {seen_en[en.lower()]!r}")
        if category_id not in by_category:
            raise VocabularyError(f"{where}: unknown category {category_id!r}")
        if not _CJK.search(zh):
            raise VocabularyError(f"{where}: Chinese name {zh!r} has no Chinese characters")
        template_set = row["templates"] or by_category[category_id].templates
        prompts = _split(row["prompts"])
        if template_set == NO_TEMPLATES and not prompts:
            raise VocabularyError(f"{where}: templates 'none' needs prompts of its own")
        if template_set != NO_TEMPLATES and template_set not in template_sets:
            raise VocabularyError(f"{where}: unknown template set {template_set!r}")
        sources = tuple(s.strip() for s in row["sources"].split(",") if s.strip())
        if not sources or not set(sources) <= SOURCES:
            raise VocabularyError(f"{where}: sources must be some of {', '.join(sorted(SOURCES))}")
        seen_ids.add(label_id)
        seen_en[en.lower()] = label_id
        labels.append(
            Label(
                id=label_id,
                category=category_id,
                en=en,
                zh=zh,
                zh_aliases=_split(row["zh_aliases"]),
                synonyms=_split(row["synonyms"]),
                templates=template_set,
                prompts=prompts,
                sources=sources,
            )
        )
    if not labels:
        raise VocabularyError(f"{folder / LABELS_FILE}: no labels")

    digest = hashlib.blake2b(digest_size=8)
    digest.update(RENDER_VERSION.encode())
    for name in (TEMPLATES_FILE, CATEGORIES_FILE, LABELS_FILE):
        digest.update(b"\0" + raw[name].encode())
    return Vocabulary(
        labels=tuple(labels), templates=template_sets, categories=tuple(categories), version=digest.hexdigest()
    )


def _read(path: Path) -> str:
    try:
        # Line endings normalised: a checkout with CRLF is the same vocabulary (and the same version).
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except OSError as exc:
        raise VocabularyError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise VocabularyError(f"{path} is not UTF-8 text") from exc


def _rows(name: str, text: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    lines = text.split("\n")
    header = tuple(lines[0].split("\t")) if lines else ()
    if header != columns:
        raise VocabularyError(f"{name}:1: header must be {' '.join(columns)} (tab-separated), not {header}")
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise VocabularyError(f"{name}:{number}: {len(cells)} tab-separated fields, expected {len(columns)}")
        yield number, {col: cell.strip() for col, cell in zip(columns, cells, strict=True)}


def _need(row: dict[str, str], column: str, name: str, line: int) -> str:
    value = row[column]
    if not value:
        raise VocabularyError(f"{name}:{line}: empty {column}")
    return value


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def _check_templates(where: str, templates: Iterable[str]) -> None:
    items = list(templates)
    if not items:
        raise VocabularyError(f"{where}: no templates")
    for template in items:
        if template.count("{}") != 1 or template.replace("{}", "").count("{") or "}" in template.replace("{}", ""):
            raise VocabularyError(f"{where}: template {template!r} must hold exactly one {{}} and no other braces")
