"""Every supported format decodes; indexing can be paused, resumed and cancelled."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from conftest import make_photo
from PIL import Image, features

from clipdesk.imaging import ModelInput, decode
from clipdesk.pipeline import Progress

FORMATS = [("png", "PNG"), ("webp", "WEBP"), ("gif", "GIF"), ("bmp", "BMP"), ("tif", "TIFF"), ("heic", "HEIF")]
if features.check("avif"):
    FORMATS.append(("avif", "AVIF"))


@pytest.mark.parametrize("ext,fmt", FORMATS)
def test_each_format_decodes_to_the_same_picture(tmp_path, ext, fmt):
    ref = make_photo(tmp_path / "ref.png", seed=42, size=(120, 90))
    target = tmp_path / f"x.{ext}"
    Image.open(ref).save(target, fmt) if fmt != "HEIF" else Image.open(ref).save(target, "HEIF", quality=95)
    spec = ModelInput(size=32, crop=32)
    got, want = decode(target, spec), decode(ref, spec)
    assert (got.width, got.height) == (120, 90)
    assert got.format == fmt
    tolerance = 0.35 if fmt in ("GIF", "WEBP", "HEIF", "AVIF") else 0.05  # lossy or 256 colours
    assert np.abs(got.pixels - want.pixels).mean() < tolerance


def test_animated_gif_uses_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (40, 30), c) for c in [(255, 0, 0), (0, 0, 255), (0, 255, 0)]]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    spec = ModelInput(size=16, crop=16)
    pixels = (
        decode(tmp_path / "anim.gif", spec).pixels * np.array(spec.std)[:, None, None]
        + np.array(spec.mean)[:, None, None]
    )
    assert pixels[0].mean() > 0.9 and pixels[2].mean() < 0.1  # red, not blue


def test_pause_resume_and_cancel_between_batches(engine_factory, make_library):
    photos = make_library(24)
    engine = engine_factory(batch_size=4)
    engine.add_root(photos)
    seen: list[Progress] = []
    paused_at = threading.Event()

    def on_progress(p: Progress) -> None:
        seen.append(p)
        if p.phase == "indexing" and p.done == 8:
            engine.pause()
            paused_at.set()

    engine.indexer.on_progress = on_progress
    result: dict = {}
    worker = threading.Thread(target=lambda: result.setdefault("report", engine.index()))
    worker.start()
    assert paused_at.wait(30)
    time.sleep(0.5)
    done_while_paused = engine.catalog.counts()["indexed"]
    time.sleep(0.5)
    assert engine.catalog.counts()["indexed"] == done_while_paused == 8  # nothing moves while paused
    assert any(p.phase == "paused" for p in seen)
    engine.indexer.cancel()  # cancel while paused: stops at once, keeps what was committed
    worker.join(30)
    report = result["report"]
    assert report.cancelled and report.encoded == 8
    progress = [p for p in seen if p.phase == "indexing" and p.done]
    assert progress[0].total == 24 and all(p.rate > 0 for p in progress)
    assert progress[-1].eta_s is not None
    engine.indexer.on_progress = lambda p: None
    engine.resume()
    again = engine.index()  # resumes with the rest, re-encoding nothing
    assert again.encoded == 16 and engine.catalog.counts()["indexed"] == 24
