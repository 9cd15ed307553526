"""Zero-shot labels: the shipped vocabulary is valid, and probabilities are CLIP's recipe exactly."""

from __future__ import annotations

import csv
import itertools
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from clipdesk.encoder import ClipEncoder
from clipdesk.imaging import decode
from clipdesk.labels import (
    CutOff,
    Vocabulary,
    VocabularyError,
    classify,
    from_names,
    label_vectors,
    load_vocabulary,
    probabilities,
    top_labels,
)
from clipdesk.labels.vocabulary import render, vocabulary_dir
from clipdesk.labels.zeroshot import ensemble

CATEGORIES = {"people", "animals", "food", "vehicles", "objects", "nature", "places", "events", "documents"}
PERSONAL_KINDS = [
    "screenshot", "receipt", "document", "whiteboard", "ticket", "handwriting", "meme", "selfie", "group-photo",
    "birthday-party", "wedding", "hiking", "concert", "beach", "mountain", "restaurant", "dog", "cat", "baby",
]  # fmt: skip
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _shipped_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the shipped vocabulary, not the small one conftest gives other tests."""
    monkeypatch.delenv("CLIPDESK_VOCABULARY_DIR", raising=False)


def _tsv(name: str) -> list[dict[str, str]]:
    with open(vocabulary_dir() / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


# -- the data file --------------------------------------------------------------------------------


def test_shipped_vocabulary_file_is_valid() -> None:
    rows = _tsv("labels.tsv")  # read with the csv module, not the loader under test
    assert 1000 <= len(rows) <= 2000
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    english = [r["en"].strip().lower() for r in rows]
    assert len(set(english)) == len(english)
    for row in rows:
        assert row["en"].strip() and row["zh"].strip(), row
        assert CJK.search(row["zh"]), row
        assert row["category"] in CATEGORIES, row
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row["id"]), row
    assert {r["category"] for r in rows} == CATEGORIES  # every category has labels
    assert set(PERSONAL_KINDS) <= set(ids)
    categories = _tsv("categories.tsv")
    assert {c["id"] for c in categories} == CATEGORIES
    assert all(c["en"] and CJK.search(c["zh"]) for c in categories)


def test_vocabulary_loads_with_prompts_for_every_label() -> None:
    vocabulary = load_vocabulary()
    assert len(vocabulary) == len(_tsv("labels.tsv"))
    assert re.fullmatch(r"[0-9a-f]{16}", vocabulary.version)
    for label in vocabulary:
        prompts = vocabulary.prompt_texts(label)
        assert prompts and len(set(prompts)) == len(prompts), label.id
        assert all("{" not in p and "}" not in p for p in prompts), label.id
    receipt = vocabulary["receipt"]
    assert receipt.category == "documents" and receipt.zh == "小票"
    assert "a photo of a receipt." in vocabulary.prompt_texts(receipt)
    assert "a photo of a paper receipt." in vocabulary.prompt_texts(receipt)  # its own extra prompt
    assert vocabulary.category("food").zh == "美食与饮品"


def test_prompt_articles_follow_the_name() -> None:
    assert render("a photo of a {}.", "dog") == "a photo of a dog."
    assert render("a photo of a {}.", "elephant") == "a photo of an elephant."
    assert render("a {}.", "ice cream") == "an ice cream."
    assert render("a photo of a {}.", "fireworks") == "a photo of fireworks."
    assert render("a photo of a {}.", "deck of cards") == "a photo of a deck of cards."
    assert render("a photo of a {}.", "glass") == "a photo of a glass."
    assert render("a photo of people {}.", "hiking") == "a photo of people hiking."


def _copy_vocabulary(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(vocabulary_dir(), folder)
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t + "dog\tanimals\tanother dog\t狗狗\t\t\t\t\tclipdesk\n", "duplicate id 'dog'"),
        (lambda t: t + "hound\tanimals\tDog\t猎犬\t\t\t\t\tclipdesk\n", "English name 'Dog'"),
        (lambda t: t + "kettlebell\tobjects\tkettlebell\tkettlebell\t\t\t\t\tclipdesk\n", "no Chinese characters"),
        (lambda t: t + "kettlebell\tgym\tkettlebell\t壶铃\t\t\t\t\tclipdesk\n", "unknown category 'gym'"),
        (lambda t: t + "kettlebell\tobjects\tkettlebell\t壶铃\t\t\t\t\tmy-list\n", "sources must be"),
        (lambda t: t + "kettlebell\tobjects\tkettlebell\t壶铃\n", "4 tab-separated fields"),
        (lambda t: t + "Kettle Bell\tobjects\tkettlebell\t壶铃\t\t\t\t\tclipdesk\n", "not a lowercase slug"),
    ],
)
def test_broken_vocabulary_is_refused_with_the_line(tmp_path: Path, change, message: str) -> None:
    folder = _copy_vocabulary(tmp_path)
    labels = folder / "labels.tsv"
    text = labels.read_text(encoding="utf-8")
    labels.write_text(change(text), encoding="utf-8")
    with pytest.raises(VocabularyError, match=re.escape(message)) as caught:
        load_vocabulary(folder)
    assert f"labels.tsv:{text.count(chr(10)) + 1}" in str(caught.value)


def test_version_changes_with_the_content_only(tmp_path: Path) -> None:
    folder = _copy_vocabulary(tmp_path)
    original = load_vocabulary(folder)
    labels = folder / "labels.tsv"
    labels.write_bytes(labels.read_bytes().replace(b"\n", b"\r\n"))  # a Windows checkout
    assert load_vocabulary(folder).version == original.version
    templates = folder / "templates.tsv"
    templates.write_text(templates.read_text(encoding="utf-8") + "default\ta good photo of a {}.\n", encoding="utf-8")
    changed = load_vocabulary(folder)
    assert changed.version != original.version
    assert "a good photo of a car." in changed.prompt_texts(changed["car"])  # cars use the default set


# -- scoring --------------------------------------------------------------------------------------


def test_ensemble_is_the_renormalised_mean_of_unit_prompt_vectors() -> None:
    prompts = np.array([[2.0, 0.0], [0.0, 5.0], [0.0, -3.0]], dtype=np.float32)
    vectors = ensemble(prompts, np.array([0, 0, 1]), 2)
    assert np.allclose(vectors, [[2**-0.5, 2**-0.5], [0.0, -1.0]], atol=1e-6)
    with pytest.raises(ValueError):
        ensemble(prompts, np.array([0, 0, 0]), 2)  # label 1 has no prompt


def test_cutoff_tags_only_what_clearly_fits() -> None:
    ids = [f"l{i}" for i in range(20)]
    confident = np.full(20, 0.01)
    confident[[3, 7, 9]] = [0.55, 0.19, 0.09]  # 0.09: under the 0.1 floor
    unsure = np.full(20, 0.05)  # mass spread thin: nothing clearly fits
    tagged = top_labels(np.stack([confident, unsure]), ids)
    assert [(m.label_id, round(m.probability, 2)) for m in tagged[0]] == [("l3", 0.55), ("l7", 0.19)]
    assert tagged[1] == []
    assert [m.label_id for m in top_labels(confident, ids, CutOff(k=1))[0]] == ["l3"]
    # With no absolute floor the fair-share rule still holds: 1.5 / 20 labels = 0.075.
    assert [m.label_id for m in top_labels(confident, ids, CutOff(min_probability=0.0))[0]] == ["l3", "l7", "l9"]
    assert len(top_labels(confident, ids, CutOff(min_probability=0.0, lift=0.0))[0]) == 5  # k caps the rest
    # A short user list: a third each is chance, so only a label well above its fair share counts.
    assert top_labels(np.array([[0.4, 0.35, 0.25]]), ["cat", "dog", "car"])[0] == []
    assert [m.label_id for m in top_labels(np.array([[0.1, 0.8, 0.1]]), ["cat", "dog", "car"])[0]] == ["dog"]


@pytest.fixture(scope="module")
def fp32_encoder(tiny_model: Path) -> ClipEncoder:
    # fp32 throughout so an independent float32 computation can match to rounding.
    return ClipEncoder(str(tiny_model), precision="fp32", text_precision="model")


def _photos(corpus: Path, n: int) -> list[Path]:
    return sorted(p for p in corpus.rglob("*.jpg"))[:n]


def _image_vectors(encoder: ClipEncoder, paths: list[Path]) -> np.ndarray:
    spec = encoder.input_spec
    return encoder.encode_pixels(np.stack([decode(p, spec).pixels for p in paths]))


def test_logit_scale_is_the_models(fp32_encoder: ClipEncoder, tiny_model: Path) -> None:
    from safetensors.numpy import load_file

    stored = load_file(str(tiny_model / "model.safetensors"))["logit_scale"]
    assert fp32_encoder.logit_scale == pytest.approx(float(np.exp(stored)), rel=1e-6)
    assert fp32_encoder.logit_scale == pytest.approx(np.exp(2.6592), rel=1e-4)  # CLIP's initial log(1/0.07)


def test_probabilities_equal_an_independent_computation(fp32_encoder: ClipEncoder, tiny_model, corpus) -> None:
    import torch
    from transformers import CLIPModel, CLIPTokenizer

    shipped = load_vocabulary()
    # A slice of every kind of entry: several template sets, synonyms, verbatim prompts, prompts only.
    picked = [
        "dog", "golden-retriever", "cat", "sushi", "coffee", "rose", "beach", "hiking", "birthday-party",
        "receipt", "screenshot", "selfie", "fireworks", "indoor", "car", "chopsticks", "children", "family",
    ]  # fmt: skip
    vocabulary = Vocabulary(labels=tuple(shipped[i] for i in picked), templates=shipped.templates, version="t")
    labels = label_vectors(fp32_encoder, vocabulary, batch_size=7)  # batches split labels' prompts
    paths = _photos(corpus, 6)
    images = _image_vectors(fp32_encoder, paths)
    probs = probabilities(images, labels)

    model = CLIPModel.from_pretrained(str(tiny_model)).eval()
    tokenizer = CLIPTokenizer.from_pretrained(str(tiny_model))
    with torch.no_grad():
        reference = []
        for label in vocabulary:
            tokens = tokenizer(vocabulary.prompt_texts(label), padding=True, return_tensors="pt")
            out = model.get_text_features(**tokens)
            feats = (out if hasattr(out, "shape") else out.pooler_output).numpy().astype(np.float64)
            feats /= np.linalg.norm(feats, axis=1, keepdims=True)
            mean = feats.mean(axis=0)
            reference.append(mean / np.linalg.norm(mean))
        pixels = torch.from_numpy(np.stack([decode(p, fp32_encoder.input_spec).pixels for p in paths]))
        out = model.get_image_features(pixel_values=pixels)
        image_ref = (out if hasattr(out, "shape") else out.pooler_output).numpy().astype(np.float64)
        scale = float(model.logit_scale.exp())
    image_ref /= np.linalg.norm(image_ref, axis=1, keepdims=True)
    logits = scale * image_ref @ np.array(reference).T
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)

    assert labels.label_ids == tuple(picked)
    assert np.allclose(np.linalg.norm(labels.vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(labels.vectors, np.array(reference), atol=1e-5)
    assert probs.shape == (len(paths), len(picked))
    assert np.allclose(probs, expected, rtol=1e-4, atol=1e-7)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # The tags are the probabilities' own top entries.
    tagged = classify(images, labels, CutOff(k=3, min_probability=0.0, lift=0.0))
    for row, tags in zip(expected, tagged, strict=True):
        assert [m.label_id for m in tags] == [picked[i] for i in np.argsort(-row)[:3]]


def test_user_labels_classify_an_image_file(tiny_model: Path, corpus: Path) -> None:
    encoder = ClipEncoder(str(tiny_model))  # the shipped settings (bf16 / int8 where the CPU has them)
    typed = "cat, dog,car,dog"  # as a user types them
    vocabulary = from_names(typed.split(","))
    assert vocabulary.ids == ("cat", "dog", "car")
    assert vocabulary.prompt_texts(vocabulary["car"])[0] == "a photo of a car."
    labels = label_vectors(encoder, vocabulary)
    photo = _photos(corpus, 1)[0]
    image = _image_vectors(encoder, [photo])
    probs = probabilities(image, labels)
    assert probs.shape == (1, 3) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    # Independently: the same prompts through the encoder's text path, averaged here. One call, as
    # label_vectors makes: the int8 text tower scales its activations per batch, so a different
    # batching moves the vectors a little (this tiny random model: probabilities by ~0.01).
    texts = [vocabulary.prompt_texts(label) for label in vocabulary]
    flat = encoder.encode_texts([t for group in texts for t in group]).astype(np.float64)
    bounds = np.cumsum([0] + [len(group) for group in texts])
    means = [flat[a:b].mean(axis=0) / np.linalg.norm(flat[a:b].mean(axis=0)) for a, b in itertools.pairwise(bounds)]
    logits = encoder.logit_scale * (image.astype(np.float64) @ np.array(means).T)
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert np.allclose(probs, expected, rtol=1e-4, atol=1e-6)
    everything = classify(image, labels, CutOff(k=3, min_probability=0.0, lift=0.0))[0]
    assert [m.label_id for m in everything] == [vocabulary.ids[i] for i in np.argsort(-probs[0])]
    assert from_names(["cat", "dog"]).version != from_names(["cat", "car"]).version
    with pytest.raises(VocabularyError):
        from_names([" ", ""])
