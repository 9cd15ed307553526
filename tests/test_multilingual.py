"""Queries in any language: which text encoder answers, the multilingual student loaded like the main
model, pairings that are refused, and query vectors cached per encoder."""

from __future__ import annotations

import json
import shutil
import socket

import numpy as np
import pytest

from clipdesk.encoder import (
    MultilingualModelUnavailableError,
    StudentTextEncoder,
    UnalignedModelsError,
    looks_english,
)
from clipdesk.encoder.pairing import check_pairing, default_student
from clipdesk.encoder.random_model import build_random_student
from clipdesk.search import SearchRequest

STUDENT_HUB_ID = "sentence-transformers/clip-ViT-B-32-multilingual-v1"


def test_english_looking_text():
    for english in ["a dog on a beach", "red car -people", "iPhone 15 screenshot", "2019 birthday cake", ""]:
        assert looks_english(english), english
    for other in ["iPhone 截图", "海滩上的狗", "chien sur la plage", "perro en la playa", "Москва", "café crème"]:
        assert not looks_english(other), other


@pytest.fixture
def library(engine_factory, make_library, tiny_student, monkeypatch):
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tiny_student))
    photos = make_library(12)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    return engine


def _exact_ranking(engine, query: np.ndarray) -> list[int]:
    ids = engine.catalog.live_vector_ids(engine.model_id)
    vecs = np.stack([engine.catalog.embedding_of(int(i)) for i in ids])
    return ids[np.argsort(-(vecs @ query), kind="stable")].tolist()


def test_routing_by_setting(library, tiny_model, tiny_student):
    engine = library
    clip_id, student_id = str(tiny_model), str(tiny_student)

    def encoder_of(text: str, languages: str | None = None) -> str | None:
        return engine.search(SearchRequest(text=text, limit=3, query_languages=languages)).text_encoder

    assert encoder_of("a dog on a beach") == clip_id  # auto is the default
    assert encoder_of("海滩上的狗") == student_id
    assert encoder_of("iPhone 截图") == student_id  # mixed: the student reads both
    assert encoder_of("chien sur la plage") == student_id
    assert encoder_of("海滩上的狗", "english") == clip_id
    assert encoder_of("a dog on a beach", "multilingual") == student_id
    # The stored setting applies when a request does not say.
    engine.searcher.set_query_languages("multilingual")
    assert encoder_of("a dog on a beach") == student_id
    engine.searcher.set_query_languages("english")
    assert encoder_of("iPhone 截图") == clip_id
    with pytest.raises(ValueError, match="auto, english, multilingual"):
        engine.searcher.set_query_languages("klingon")


def test_chinese_query_ranks_by_the_students_vector(library, tiny_student):
    engine = library
    page = engine.search(SearchRequest(text="iPhone 截图", limit=12))
    student = StudentTextEncoder(str(tiny_student), engine.model_id, lambda: 16)
    expected = _exact_ranking(engine, student.encode_texts(["iPhone 截图"])[0])
    assert [h.id for h in page.hits] == expected
    # ...which is not CLIP's ranking of the same words (the two encoders really differ).
    assert expected != _exact_ranking(engine, engine.encoder.encode_text("iPhone 截图"))


def test_cache_entries_are_per_encoder(library, tiny_model, tiny_student, monkeypatch):
    engine = library
    encoders = engine.searcher.text_encoders
    for languages in ("english", "multilingual"):
        engine.search(SearchRequest(text="beach", query_languages=languages))
    keys = encoders.cached_keys()
    assert (str(tiny_model), "beach") in keys and (str(tiny_student), "beach") in keys
    english = encoders.encode("beach", engine.encoder)
    multilingual = encoders.encode("beach", encoders.student)
    assert not np.allclose(english, multilingual)
    calls: list[list[str]] = []
    original = encoders.student.encode_texts
    monkeypatch.setattr(encoders.student, "encode_texts", lambda texts: calls.append(texts) or original(texts))
    engine.search(SearchRequest(text="beach", query_languages="multilingual"))
    assert calls == []  # cached
    engine.search(SearchRequest(text="海滩"))
    assert calls == [["海滩"]]


def test_student_states_are_reported(library, tiny_student):
    states: list[tuple[str, str]] = []
    engine = library
    engine.searcher.text_encoders.on_state = lambda state, detail: states.append((state, detail))
    engine.search(SearchRequest(text="a dog"))
    assert states == []  # English: the student is not even loaded
    assert not engine.searcher.text_encoders.student.loaded
    engine.search(SearchRequest(text="狗"))
    assert states == [("loading", str(tiny_student)), ("ready", str(tiny_student))]


def test_missing_student_is_clear_and_english_still_works(engine_factory, make_library, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(tmp_path / "no-such-student"))
    engine = engine_factory()
    engine.add_root(make_library(6))
    engine.index()
    states: list[str] = []
    engine.searcher.text_encoders.on_state = lambda state, detail: states.append(state)
    with pytest.raises(MultilingualModelUnavailableError, match=r"does not exist.*English queries keep working"):
        engine.search(SearchRequest(text="海滩"))
    assert states == ["loading", "unavailable"]
    assert len(engine.search(SearchRequest(text="beach")).hits) == 6


def test_no_known_student_for_the_image_model(engine_factory, make_library):
    engine = engine_factory()  # the tiny CLIP has no known student and none is configured
    engine.add_root(make_library(3))
    engine.index()
    with pytest.raises(MultilingualModelUnavailableError, match="No multilingual text model is known"):
        engine.search(SearchRequest(text="海滩"))
    assert engine.search(SearchRequest(text="海滩", query_languages="english")).hits


def test_uncached_hub_student_without_network(engine_factory, make_library, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", STUDENT_HUB_ID)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    engine = engine_factory()
    engine.add_root(make_library(3))
    engine.index()
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("blocked")))
    assert engine.searcher.text_encoders.student.needs_download
    with pytest.raises(MultilingualModelUnavailableError, match=r"no network connection.*540 MB"):
        engine.search(SearchRequest(text="海滩"))


def test_mismatched_dimension_is_refused(engine_factory, make_library, tmp_path, tiny_model, monkeypatch):
    wrong = build_random_student(tmp_path / "student-8d", output_dim=8, image_model=str(tiny_model))
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(wrong))
    engine = engine_factory()
    engine.add_root(make_library(3))
    engine.index()
    with pytest.raises(UnalignedModelsError, match=r"8-d vectors.*16-d ones"):
        engine.search(SearchRequest(text="海滩"))
    assert engine.search(SearchRequest(text="beach")).hits


def test_undeclared_student_is_refused(engine_factory, make_library, tmp_path, tiny_student, monkeypatch):
    undeclared = shutil.copytree(tiny_student, tmp_path / "undeclared")
    (undeclared / "clipdesk_pairing.json").unlink()
    monkeypatch.setenv("CLIPDESK_MULTILINGUAL_MODEL", str(undeclared))
    engine = engine_factory()
    engine.add_root(make_library(3))
    engine.index()
    with pytest.raises(UnalignedModelsError, match=r"not known to be aligned.*clipdesk_pairing\.json"):
        engine.search(SearchRequest(text="海滩"))
    # Declared for another image model: refused too.
    (undeclared / "clipdesk_pairing.json").write_text(json.dumps({"image_model": "someone/other-clip"}))
    engine.searcher.text_encoders._student = None
    with pytest.raises(UnalignedModelsError, match="not known to be aligned"):
        engine.search(SearchRequest(text="海滩"))


def test_known_pairs(tmp_path):
    vit = "sentence-transformers/clip-ViT-B-32"
    assert default_student(vit) == STUDENT_HUB_ID
    assert default_student("/models/clip-ViT-B-32") == STUDENT_HUB_ID  # a copy, by its folder name
    snapshot = "/home/x/.cache/huggingface/hub/models--sentence-transformers--clip-ViT-B-32/snapshots/abc"
    assert default_student(snapshot) == STUDENT_HUB_ID
    assert default_student("someone/other-clip") is None
    check_pairing(vit, 512, STUDENT_HUB_ID, tmp_path, 512)
    check_pairing(snapshot, 512, "/models/clip-ViT-B-32-multilingual-v1", tmp_path, 512)
    with pytest.raises(UnalignedModelsError, match="not known to be aligned"):
        check_pairing("openai/clip-vit-large-patch14", 512, STUDENT_HUB_ID, tmp_path, 512)
    with pytest.raises(UnalignedModelsError, match="768-d"):
        check_pairing(vit, 512, STUDENT_HUB_ID, tmp_path, 768)


def test_student_runs_int8_close_to_float(tiny_model, tiny_student):
    int8 = StudentTextEncoder(str(tiny_student), str(tiny_model), lambda: 16, device="cpu", text_precision="int8")
    fp32 = StudentTextEncoder(
        str(tiny_student), str(tiny_model), lambda: 16, device="cpu", precision="fp32", text_precision="model"
    )
    texts = ["a dog on a beach", "海滩上的狗", "iPhone 截图"]
    a, b = int8.encode_texts(texts), fp32.encode_texts(texts)
    assert (int8.precision, fp32.precision) == ("int8", "fp32")
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.98


def test_settings_from_the_environment(library, tiny_model, tiny_student, monkeypatch):
    from clipdesk.config import SettingsError, settings

    got = settings({"CLIPDESK_QUERY_LANGUAGES": "English", "CLIPDESK_MULTILINGUAL_MODEL": STUDENT_HUB_ID})
    assert (got.query_languages, got.multilingual_model) == ("english", STUDENT_HUB_ID)
    with pytest.raises(SettingsError, match="CLIPDESK_QUERY_LANGUAGES"):
        settings({"CLIPDESK_QUERY_LANGUAGES": "french"})
    # The environment wins over the stored setting, as CLIPDESK_MODEL does over the stored model.
    engine = library
    engine.searcher.set_query_languages("multilingual")
    monkeypatch.setenv("CLIPDESK_QUERY_LANGUAGES", "english")
    from clipdesk.search import Searcher

    searcher = Searcher(engine.catalog, engine.store, engine.encoder)
    assert searcher.query_languages == "english"
    assert searcher.search(SearchRequest(text="海滩")).text_encoder == str(tiny_model)
    assert engine.searcher.query_languages == "multilingual"
