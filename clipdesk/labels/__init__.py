"""Zero-shot labels: a curated vocabulary and CLIP's prompt-ensemble classification (no Qt, no SQL)."""

from .names import find_label
from .vocabulary import Category, Label, Vocabulary, VocabularyError, from_names, load_vocabulary
from .zeroshot import CutOff, LabelVectors, Match, classify, label_vectors, probabilities, top_labels

__all__ = [
    "Category",
    "CutOff",
    "Label",
    "LabelVectors",
    "Match",
    "Vocabulary",
    "VocabularyError",
    "classify",
    "find_label",
    "from_names",
    "label_vectors",
    "load_vocabulary",
    "probabilities",
    "top_labels",
]
