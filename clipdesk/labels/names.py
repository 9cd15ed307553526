"""Finding a label by what people type: its id, English name or synonym, Chinese name or alias."""

from __future__ import annotations

from .vocabulary import Label, Vocabulary


def find_label(vocabulary: Vocabulary, name: str) -> Label | None:
    """The label `name` means, matched exactly (case-insensitive for English); ids first, then
    display names, then synonyms and aliases. None: no such label."""
    wanted = name.strip()
    folded = wanted.casefold()
    if not wanted:
        return None
    if wanted in vocabulary.ids:
        return vocabulary[wanted]
    for pick in (
        lambda label: label.en.casefold() == folded or label.zh == wanted,
        lambda label: folded in (s.casefold() for s in label.synonyms) or wanted in label.zh_aliases,
        lambda label: label.id == folded.replace(" ", "-"),
    ):
        for label in vocabulary.labels:
            if pick(label):
                return label
    return None
