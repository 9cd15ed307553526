"""Shared fixtures: a tiny random CLIP saved like a real model, real photos, real engines."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"  # tests never reach for the network
# Reading the text in photos (real OCR, a second pass after indexing) only where a test turns it back on
# (tests/test_text_*.py, tests/ui/test_text_preview.py): every other background engine would load the OCR models.
os.environ["CLIPDESK_TEXT"] = "0"
os.environ.pop("CLIPDESK_MODEL", None)
os.environ.pop("CLIPDESK_DATA_DIR", None)
# Every test catalog computes its label vectors: a 20-label vocabulary keeps that at ~0.1 s (the shipped one is
# ~12,000 prompts). tests/test_labels.py checks the shipped one.
os.environ["CLIPDESK_VOCABULARY_DIR"] = str(Path(__file__).resolve().parent / "data" / "vocabulary")

pytest_plugins = ["pg_server"]  # the real PostgreSQL + pgvector fixtures (pg_server, pg_url)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "exif-samples"
if not CORPUS.is_dir():  # a clone elsewhere: shared/ sits beside the repository
    CORPUS = Path(os.environ.get("CLIPDESK_CORPUS", "/work/shared/corpus/exif-samples"))


def freeze_import_heap() -> None:
    """Every model load ends in a full gc.collect() (clipdesk.encoder.clip hands memory back), and in this
    process each one walked the ~400,000 objects that importing torch, transformers and Qt leaves: about a
    quarter of the engine tests' time. Frozen once those are imported, they are skipped (as the app does
    once its model is loaded); what the tests make is still collected."""
    import gc

    import sentence_transformers  # noqa: F401 - the encoder's import, done here so its objects are frozen
    import torch  # noqa: F401

    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from clipdesk.encoder.random_model import build_random_clip

    model = build_random_clip(tmp_path_factory.mktemp("models") / "tiny-clip", size="tiny")
    freeze_import_heap()
    return model


@pytest.fixture(scope="session")
def tiny_student(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """A tiny random multilingual text student for the tiny CLIP (16-d), declared as made for it."""
    from clipdesk.encoder.random_model import build_random_student

    folder = tmp_path_factory.mktemp("models") / "tiny-student"
    return build_random_student(folder, output_dim=16, image_model=str(tiny_model))


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


def copy_corpus(dest: Path) -> Path:
    shutil.copytree(CORPUS, dest, ignore=shutil.ignore_patterns("README*", "*.md", "*.rst", "LICENSE*"))
    return dest


def make_photo(path: Path, seed: int, size: tuple[int, int] = (96, 72), fmt: str | None = None) -> Path:
    """A small, distinct, photo-like picture: smooth gradients plus a few coloured blobs."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(0, 255, 3)
    slope = rng.uniform(-2, 2, (3, 2))
    img = np.stack([base[c] + slope[c, 0] * x + slope[c, 1] * y for c in range(3)], axis=-1)
    for _ in range(4):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(5, 25)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[mask] = rng.uniform(0, 255, 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, fmt)
    return path


def make_dated_photo(path: Path, seed: int, taken: str) -> Path:
    """make_photo with an EXIF DateTimeOriginal ("2019:07:14 10:00:00"), as a camera writes it."""
    make_photo(path, seed)
    with Image.open(path) as im:
        pixels = im.copy()
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    pixels.save(path, exif=exif)
    return path


@pytest.fixture
def make_library(tmp_path: Path) -> Callable[..., Path]:
    def _make(n: int = 12, name: str = "photos", start: int = 0) -> Path:
        root = tmp_path / name
        for i in range(start, start + n):
            make_photo(root / f"sub{i % 3}" / f"img_{i:04d}.jpg", seed=i)
        return root

    return _make


@pytest.fixture
def engine_factory(tmp_path: Path, tiny_model: Path) -> Iterator[Callable[..., object]]:
    from clipdesk.engine import Engine

    made: list[Engine] = []

    def _make(data_dir: Path | None = None, model: Path | str | None = None, **kwargs) -> Engine:
        kwargs.setdefault("settle_s", 0.3)
        kwargs.setdefault("batch_size", 8)
        engine = Engine(data_dir or tmp_path / "data", str(model or tiny_model), **kwargs)
        made.append(engine)
        return engine

    yield _make
    for engine in made:
        try:
            engine.close()
        except Exception:
            pass
