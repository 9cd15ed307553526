"""The performance work's moving parts: the decode process pool (timeouts, crashes, worker
replacement), encoder precision, and the index's memory-saving load. No timed asserts."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from conftest import make_photo

from clipdesk.imaging import ModelInput, decode
from clipdesk.imaging.pool import DecodePool, DecoderCrashed, DecodeTimeout, prepare_file

TESTS = str(Path(__file__).resolve().parent)


@pytest.fixture
def helpers_importable(monkeypatch):
    import os

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (TESTS, os.environ.get("PYTHONPATH")) if p))


def test_pool_runs_jobs_and_survives_hangs_and_crashes(helpers_importable):
    import pool_helpers as h

    with DecodePool(1, timeout_s=1.5) as pool:
        assert [f.result() for f in [pool.submit(h.square, i) for i in range(5)]] == [0, 1, 4, 9, 16]
        first = pool.submit(h.pid).result()
        with pytest.raises(DecodeTimeout, match="took longer"):
            pool.submit(h.sleep_then, 30, 1).result(timeout=20)
        assert pool.timeouts == 1
        replacement = pool.submit(h.pid).result()
        assert replacement != first  # the hung worker was killed and replaced
        with pytest.raises(DecoderCrashed, match="crashed"):
            pool.submit(h.die, 3).result(timeout=20)
        assert pool.submit(h.square, 7).result(timeout=20) == 49  # and the pool goes on


def test_pool_decodes_like_the_in_process_decoder(tmp_path):
    photo = make_photo(tmp_path / "p.jpg", seed=3, size=(200, 150))
    spec = ModelInput(size=32, crop=32)
    with DecodePool(2) as pool:
        got = pool.submit(prepare_file, str(photo), photo.stat().st_size, spec, 64, str(tmp_path / "thumbs")).result()
        bad = pool.submit(prepare_file, str(tmp_path / "nothing.jpg"), 10, spec, 64, str(tmp_path / "thumbs")).result()
    want = decode(photo, spec, 64)
    assert got.error is None and (got.width, got.height) == (200, 150)
    assert np.array_equal(got.pixels, want.pixels)
    assert (tmp_path / "thumbs" / got.key[:2] / f"{got.key}.jpg").exists()
    assert bad.error and bad.pixels is None


def test_cancelled_work_is_dropped_on_shutdown(helpers_importable):
    import pool_helpers as h

    pool = DecodePool(1, timeout_s=30)
    running = pool.submit(h.sleep_then, 0.5, 1)
    queued = [pool.submit(h.square, i) for i in range(20)]
    deadline = time.monotonic() + 20
    while not running.running() and not running.done() and time.monotonic() < deadline:
        time.sleep(0.01)
    pool.shutdown(wait=True, cancel_futures=True)
    assert running.result() == 1
    assert any(f.cancelled() for f in queued)


def test_precision_choice():
    from clipdesk.encoder.clip import pick_precision

    assert pick_precision("auto", "cuda") == "fp16"
    assert pick_precision("fp32", "cuda") == "fp32"
    assert pick_precision("auto", "mps") == "fp32"
    assert pick_precision("auto", "cpu") in ("bf16", "fp32")
    with pytest.raises(ValueError):
        pick_precision("int3", "cpu")


def test_bf16_embeddings_stay_close_to_fp32(tiny_model, corpus):
    from clipdesk.encoder import ClipEncoder

    files = sorted((corpus / "jpg").glob("*.jpg"))[:8]
    fp32 = ClipEncoder(str(tiny_model), precision="fp32", text_precision="model")
    bf16 = ClipEncoder(str(tiny_model), precision="bf16", text_precision="model")
    a, b = fp32.encode_images(files), bf16.encode_images(files)
    assert bf16.precision == "bf16" and a.dtype == b.dtype == np.float32
    assert np.sum(a * b, axis=1).min() > 0.99
    t32, t16 = fp32.encode_texts(["a dog on a beach", "snow"]), bf16.encode_texts(["a dog on a beach", "snow"])
    assert np.sum(t32 * t16, axis=1).min() > 0.99
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)


def test_int8_text_tower_stays_close_to_fp32(tiny_model):
    """On CPU the text tower runs with int8 weights by default; its queries must rank like fp32's."""
    from clipdesk.encoder import ClipEncoder
    from clipdesk.encoder.clip import pick_text_precision

    assert pick_text_precision("auto", "cuda") == "model"
    assert pick_text_precision("int8", "cuda") == "model"  # int8 kernels here are CPU ones
    with pytest.raises(ValueError):
        pick_text_precision("int4", "cpu")
    texts = ["a dog on a beach", "snow", "kids at a birthday party", "a red car at night"]
    reference = ClipEncoder(str(tiny_model), precision="fp32", text_precision="model")
    shipped = ClipEncoder(str(tiny_model))
    a, b = reference.encode_texts(texts), shipped.encode_texts(texts)
    assert reference.text_precision == "fp32" and shipped.text_precision == "int8"
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.sum(a * b, axis=1).min() > 0.99
    # Image encoding is untouched by the text tower's precision.
    pixels = np.random.default_rng(0).random((2, 3, 32, 32)).astype(np.float32)
    fp32_images = ClipEncoder(str(tiny_model), precision="fp32").encode_pixels(pixels)
    assert np.allclose(fp32_images, reference.encode_pixels(pixels), atol=1e-5)


def test_saved_index_loads_without_its_spare_capacity(tmp_path):
    from clipdesk.index import VectorIndex

    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(3000, 16)).astype(np.float32)
    index = VectorIndex(16, capacity=50_000)
    index.add(np.arange(3000), vecs)
    index.save(tmp_path / "v", {})
    loaded, _ = VectorIndex.load(tmp_path / "v")
    assert loaded._index.get_max_elements() == 3000 + 1024
    assert loaded.ids() == index.ids()
    loaded.add(np.arange(3000, 6000), vecs)  # grows past the margin as needed
    assert len(loaded) == 6000


def test_split_batch_encodes_like_one_batch(tiny_model, corpus):
    """A batch split across single-threaded lanes gives the same vectors, in the same order."""
    from clipdesk.encoder import ClipEncoder

    files = sorted((corpus / "jpg").glob("*.jpg"))[:7]
    encoder = ClipEncoder(str(tiny_model), precision="fp32")
    from clipdesk.imaging import pixels_for

    pixels = np.stack([pixels_for(f, encoder.input_spec) for f in files])
    whole = encoder.encode_pixels(pixels, threads=1)
    split = encoder.encode_pixels(pixels, threads=3, split=True)  # 7 images: lanes of 3, 2, 2
    assert np.allclose(whole, split, atol=1e-5)
    one = encoder.encode_pixels(pixels[:1], threads=4, split=True)  # fewer images than lanes
    assert np.allclose(one, whole[:1], atol=1e-5)
    assert encoder.image_encode_calls == 15


def test_schedules_index_the_same_library(engine_factory, make_library):
    """Phased (CPU default) and overlapped scheduling are two orders of the same work."""
    from clipdesk.pipeline.indexer import default_decode_workers, default_encode_threads, default_schedule

    assert default_schedule("cpu") == default_schedule(None) == "phased"
    assert default_schedule("cuda") == "overlap"
    assert default_encode_threads("phased") >= default_encode_threads("overlap") >= 1
    assert default_decode_workers("phased") >= 1 and default_decode_workers("overlap") >= 1
    library = make_library(20)
    vectors = {}
    for schedule in ("phased", "overlap"):
        engine = engine_factory(library.parent / f"data-{schedule}")
        engine.indexer.schedule = schedule
        engine.add_root(library)
        report = engine.index()
        assert report.encoded == 20 and report.errors == 0
        ids = engine.catalog.live_vector_ids(engine.model_id)
        records = engine.catalog.images(ids.tolist())
        vectors[schedule] = {records[i].path: engine.catalog.embedding_of(int(i)) for i in ids.tolist()}
    assert vectors["phased"].keys() == vectors["overlap"].keys()
    for path, vec in vectors["phased"].items():
        assert float(vec @ vectors["overlap"][path]) > 0.9999


def test_unknown_schedule_is_refused(engine_factory, monkeypatch):
    monkeypatch.setenv("CLIPDESK_SCHEDULE", "sideways")
    with pytest.raises(ValueError, match="schedule"):
        engine_factory()


def test_live_ids_are_tracked_compactly():
    from clipdesk.index import VectorIndex

    rng = np.random.default_rng(1)
    index = VectorIndex(8)
    ids = np.array([5, 900_000, 3, 5, 70_000])  # sparse, out of order, one repeated
    index.add(ids, rng.normal(size=(5, 8)).astype(np.float32))
    assert len(index) == 4 and index.ids() == {3, 5, 70_000, 900_000}
    assert list(index.id_array()) == [3, 5, 70_000, 900_000]
    assert 900_000 in index and 4 not in index and 2_000_000 not in index and -1 not in index
    index.remove([5, 5, 12345])  # twice, and one never added
    assert len(index) == 3 and 5 not in index
    assert index.vectors([5, 3]).shape == (1, 8)
    index.add([5], rng.normal(size=(1, 8)).astype(np.float32))  # re-added after removal
    assert len(index) == 4 and 5 in index and index.deleted_fraction == 0
    got, _ = index.search(rng.normal(size=8).astype(np.float32), 10, allowed=np.array([3, 5, 77]))
    assert sorted(got.tolist()) == [3, 5]
    with pytest.raises(ValueError):
        index.add([-2], rng.normal(size=(1, 8)).astype(np.float32))
