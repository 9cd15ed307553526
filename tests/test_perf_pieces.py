"""The performance work's moving parts: the decode process pool (timeouts, crashes, worker
replacement), encoder precision, and the index's memory-saving load. No timed asserts."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from clipdesk.imaging import ModelInput, decode
from clipdesk.imaging.pool import DecodePool, DecoderCrashed, DecodeTimeout, prepare_file

from conftest import make_photo

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
    fp32 = ClipEncoder(str(tiny_model), precision="fp32")
    bf16 = ClipEncoder(str(tiny_model), precision="bf16")
    a, b = fp32.encode_images(files), bf16.encode_images(files)
    assert bf16.precision == "bf16" and a.dtype == b.dtype == np.float32
    assert np.sum(a * b, axis=1).min() > 0.99
    t32, t16 = fp32.encode_texts(["a dog on a beach", "snow"]), bf16.encode_texts(["a dog on a beach", "snow"])
    assert np.sum(t32 * t16, axis=1).min() > 0.99
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)


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
