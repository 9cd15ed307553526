"""Zero-shot classification (the CLIP paper's recipe) on stored image embeddings.

Each label's text vector is the mean of its prompts' unit vectors, re-normalised (a prompt
ensemble); a photo's label probabilities are softmax(logit_scale * cosine) over the label set.
Image vectors are the catalog's normalised embeddings, so tagging a batch of photos is one
matrix product: no model pass over the pixels again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .vocabulary import Vocabulary

# Prompts per text-encoder call: big enough to keep the CPU busy, small enough that memory stays flat.
TEXT_BATCH = 256


class TextEncoder(Protocol):
    """What label vectors need from the model (clipdesk.encoder.ClipEncoder has both)."""

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...

    @property
    def logit_scale(self) -> float: ...


@dataclass(frozen=True)
class LabelVectors:
    """One unit vector per label, in the vocabulary's order, and the model's temperature."""

    label_ids: tuple[str, ...]
    vectors: np.ndarray  # (labels, dim) float32, rows of unit length
    logit_scale: float
    vocabulary_version: str = ""


def ensemble(prompt_vectors: np.ndarray, owners: np.ndarray, n_labels: int) -> np.ndarray:
    """Average the (unit) prompt vectors of each label and re-normalise: (n_labels, dim) float32.
    `owners[i]` is the label index of prompt i; every label needs at least one prompt."""
    prompt_vectors = _unit(np.asarray(prompt_vectors, dtype=np.float32))
    owners = np.asarray(owners, dtype=np.int64)
    counts = np.bincount(owners, minlength=n_labels)
    if len(counts) != n_labels or not counts.all():
        raise ValueError("every label needs at least one prompt, and owners must be label indices")
    sums = np.zeros((n_labels, prompt_vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, owners, prompt_vectors)
    return _unit(sums / counts[:, None])


def label_vectors(encoder: TextEncoder, vocabulary: Vocabulary, batch_size: int = TEXT_BATCH) -> LabelVectors:
    """Encode every prompt of every label (in batches) and ensemble them per label."""
    texts: list[str] = []
    owners: list[int] = []
    for index, label in enumerate(vocabulary.labels):
        prompts = vocabulary.prompt_texts(label)
        texts += prompts
        owners += [index] * len(prompts)
    # Batches of similar length: a batch is padded to its longest prompt, so mixing short and long
    # ones would spend most of the text tower's time on padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    parts = [
        encoder.encode_texts([texts[i] for i in order[start : start + batch_size]])
        for start in range(0, len(order), batch_size)
    ]
    prompt_vectors = np.empty_like(encoded := np.concatenate(parts))
    prompt_vectors[order] = encoded
    vectors = ensemble(prompt_vectors, np.asarray(owners), len(vocabulary))
    return LabelVectors(vocabulary.ids, vectors, float(encoder.logit_scale), vocabulary.version)


def probabilities(image_vectors: np.ndarray, labels: LabelVectors) -> np.ndarray:
    """(images, dim) unit image embeddings -> (images, labels) probabilities; each row sums to 1."""
    images = np.atleast_2d(np.asarray(image_vectors, dtype=np.float32))
    logits = labels.logit_scale * (images @ labels.vectors.T).astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    weights = np.exp(logits)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class CutOff:
    """Which labels a photo is tagged with: at most `k`, each with probability at least
    max(`min_probability`, `lift` / number of labels).

    Why: the softmax runs over the whole vocabulary (~1,400 labels), where chance is 0.07%. With
    CLIP's logit_scale of 100 a cosine lead of 0.023 is a factor of 10 in probability, so a label
    that still holds a tenth of all the belief against every other concept is one the model
    clearly prefers; near-synonyms share the mass (golden retriever, dog, puppy), and the floor
    keeps that cluster while dropping the long tail. A photo the model cannot place spreads its
    mass thin and gets no tag at all. `lift` covers short user lists ("cat,dog,car"), where any
    label gets a third by chance: there a label must hold `lift` times its fair share.
    """

    k: int = 5
    min_probability: float = 0.1
    lift: float = 1.5

    def floor(self, n_labels: int) -> float:
        return max(self.min_probability, self.lift / max(n_labels, 1))


@dataclass(frozen=True)
class Match:
    label_id: str
    probability: float


def top_labels(probs: np.ndarray, label_ids: Sequence[str], cutoff: CutOff | None = None) -> list[list[Match]]:
    """Per image (row of `probs`), the labels that pass the cut-off, best first."""
    cutoff = cutoff or CutOff()
    probs = np.atleast_2d(probs)
    if probs.shape[1] != len(label_ids):
        raise ValueError(f"{probs.shape[1]} probabilities per image for {len(label_ids)} labels")
    k = min(cutoff.k, probs.shape[1])
    if k <= 0:
        return [[] for _ in range(len(probs))]
    floor = cutoff.floor(probs.shape[1])
    best = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    out = []
    for row, candidates in zip(probs, best, strict=True):
        ordered = candidates[np.argsort(-row[candidates], kind="stable")]
        out.append([Match(label_ids[i], float(row[i])) for i in ordered if row[i] >= floor])
    return out


def classify(image_vectors: np.ndarray, labels: LabelVectors, cutoff: CutOff | None = None) -> list[list[Match]]:
    """Tags for many photos at once: probabilities, then the cut-off."""
    return top_labels(probabilities(image_vectors, labels), labels.label_ids, cutoff)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
