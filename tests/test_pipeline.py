"""Indexing real photos: formats, orientation, broken files, renames, deletes, offline roots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import copy_corpus, make_photo
from PIL import Image

from clipdesk.imaging import DecodeError, ModelInput, decode
from clipdesk.search import SearchRequest

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".tiff", ".tif", ".heic", ".heif", ".png"}


def _broken_files(folder: Path, good: Path) -> dict[str, str]:
    """Broken files a real library has, with a word their recorded reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    data = good.read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "random.jpg").write_bytes(os.urandom(5000))
    (folder / "notes.png").write_text("this is a text file, not a picture\n" * 20)
    return {
        "truncated.jpg": "truncated",
        "empty.jpg": "empty",
        "random.jpg": "not an image",
        "notes.png": "not an image",
    }


@pytest.fixture(scope="module")
def indexed_corpus(tmp_path_factory, tiny_model, corpus):
    """The shared corpus plus a few broken files, indexed once for the read-only tests below."""
    from clipdesk.engine import Engine

    base = tmp_path_factory.mktemp("corpus-run")
    photos = copy_corpus(base / "photos")
    broken = _broken_files(photos / "broken", photos / "jpg" / "Canon_40D.jpg")
    engine = Engine(base / "data", str(tiny_model), batch_size=16)
    engine.add_root(photos)
    report = engine.index()
    yield engine, photos, broken, report
    engine.close()


def test_every_decodable_corpus_file_is_indexed_heic_included(indexed_corpus, corpus):
    engine, photos, _, report = indexed_corpus
    on_disk = [p for p in photos.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    expected_good = {str(p) for p in on_disk if p.parent.name != "broken"}
    rows = engine.catalog.query("SELECT path, status, format, width, height, taken_at FROM images")
    indexed = {r[0] for r in rows if r[1] == "indexed"}
    assert indexed == expected_good
    formats = {r[2] for r in rows if r[1] == "indexed"}
    assert {"JPEG", "HEIF", "TIFF"} <= formats
    heic = [r for r in rows if r[0].lower().endswith((".heic", ".heif"))]
    assert heic and all(r[1] == "indexed" and r[3] > 0 and r[4] > 0 for r in heic)
    assert all(r[5] is not None for r in rows if r[1] == "indexed")  # EXIF date or file time
    assert report.encoded == len(expected_good)


def test_broken_files_are_recorded_with_a_reason(indexed_corpus):
    engine, photos, broken, _ = indexed_corpus
    errors = dict(engine.catalog.errors())
    for name, word in broken.items():
        reason = errors.get(str(photos / "broken" / name))
        assert reason is not None, name
        assert word in reason.lower(), (name, reason)
    assert engine.catalog.counts()["error"] == len(broken)


def test_exif_date_taken_is_read(indexed_corpus):
    engine, photos, _, _ = indexed_corpus
    record = engine.catalog.image_by_path(str(photos / "jpg" / "Canon_40D.jpg"))
    from datetime import datetime

    assert datetime.fromtimestamp(record.taken_at).strftime("%Y:%m:%d %H:%M:%S") == "2008:05:30 15:56:01"


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
def test_eight_exif_orientations_give_near_identical_embeddings(indexed_corpus, kind):
    engine, photos, _, _ = indexed_corpus
    folder = photos / "jpg" / "orientation"
    records = [engine.catalog.image_by_path(str(folder / f"{kind}_{i}.jpg")) for i in range(1, 9)]
    vecs = np.stack([engine.catalog.embedding_of(r.id) for r in records])
    assert {(r.width, r.height) for r in records} == {(600, 450) if kind == "landscape" else (450, 600)}
    spec = ModelInput(size=64, crop=64)
    pixels = np.stack([decode(folder / f"{kind}_{i}.jpg", spec).pixels for i in range(1, 9)])
    pixels = pixels.reshape(8, 3, 16, 4, 16, 4).mean(axis=(3, 5))  # compare structure, not foliage noise
    upright = np.abs(pixels - pixels[0]).mean(axis=(1, 2, 3))
    # The photo upside down differs far more than the eight upright decodes do (they differ
    # only by the digit drawn on each); a quarter turn would already fail the size check.
    upside_down = np.abs(np.rot90(pixels[0], 2, axes=(1, 2)) - pixels[0]).mean()
    assert upright.max() < 0.6 * upside_down, (upright, upside_down)
    cos = vecs @ vecs[0]
    # A random tiny model puts all photos close together, so compare with the same photo
    # upside down: every upright variant must be nearer than that.
    flipped = Image.open(folder / f"{kind}_1.jpg").rotate(180)
    cos_flipped = float(engine.encoder.encode_images([flipped])[0] @ vecs[0])
    assert cos.min() > 0.98 and cos.min() > cos_flipped, (cos, cos_flipped)


def test_odd_modes_convert_correctly(tmp_path):
    spec = ModelInput(size=32, crop=32)
    # palette + transparency: transparent pixels become white, not black
    pal = Image.new("P", (40, 40), 0)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.info["transparency"] = 0
    pal.paste(1, (0, 0, 20, 40))
    pal.save(tmp_path / "pal.png", transparency=0)
    # 16-bit greyscale: scaled down, not clipped to white
    arr16 = (np.linspace(0, 65535, 40 * 40).reshape(40, 40)).astype(np.uint16)
    Image.fromarray(arr16).save(tmp_path / "grey16.png")
    # CMYK JPEG
    Image.new("CMYK", (40, 40), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    mean, std = np.array(spec.mean)[:, None, None], np.array(spec.std)[:, None, None]

    def rgb(name: str) -> np.ndarray:
        return (decode(tmp_path / name, spec).pixels * std + mean) * 255

    p = rgb("pal.png")
    assert p[:, :, 28:].min() > 240  # right half was transparent -> white
    assert p[0, :, :12].mean() > 200 and p[1, :, :12].mean() < 40  # left half red
    g = rgb("grey16.png")
    assert 80 < g.mean() < 175 and g.max() > 200 and g.min() < 50
    c = rgb("cmyk.jpg")
    assert c[0].mean() > 200 and c[1].mean() < 60  # cyan-free, magenta+yellow = red


def test_decompression_bomb_is_refused(tmp_path):
    # A PNG header claiming 100k x 100k pixels: refused before decoding, with a reason.
    Image.new("1", (20000, 20000)).save(tmp_path / "bomb.png", optimize=True)
    with pytest.raises(DecodeError, match="too large"):
        decode(tmp_path / "bomb.png", ModelInput(size=32, crop=32))


def test_rename_and_move_cost_no_encoding(engine_factory, make_library):
    photos = make_library(12)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    calls = engine.encoder.image_encode_calls
    ids_before = {
        r.path: r.id for r in engine.catalog.images(engine.catalog.live_vector_ids(engine.model_id).tolist()).values()
    }
    a, b = photos / "sub0" / "img_0000.jpg", photos / "sub1" / "img_0001.jpg"
    os.rename(a, photos / "sub0" / "renamed.jpg")
    (photos / "moved").mkdir()
    shutil.move(b, photos / "moved" / "img_0001.jpg")
    os.rename(photos / "sub2", photos / "sub2-renamed")  # a whole folder
    report = engine.index()
    assert engine.encoder.image_encode_calls == calls
    assert report.encoded == 0 and report.moved == 2 + 4
    assert engine.catalog.image_by_path(str(photos / "sub0" / "renamed.jpg")).id == ids_before[str(a)]
    assert engine.catalog.image_by_path(str(photos / "moved" / "img_0001.jpg")).id == ids_before[str(b)]
    assert engine.catalog.image_by_path(str(a)) is None
    assert engine.catalog.counts()["indexed"] == 12
    hit = engine.search(SearchRequest(image=str(photos / "sub0" / "renamed.jpg"), limit=1)).hits[0]
    assert hit.path == str(photos / "sub0" / "renamed.jpg") and hit.score == pytest.approx(1.0, abs=1e-4)


def test_copies_reuse_the_embedding(engine_factory, make_library):
    photos = make_library(6)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    calls = engine.encoder.image_encode_calls
    shutil.copy2(photos / "sub0" / "img_0000.jpg", photos / "copy.jpg")
    report = engine.index()
    assert engine.encoder.image_encode_calls == calls and report.reused == 1
    page = engine.search(SearchRequest(image=str(photos / "copy.jpg"), limit=2))
    assert {h.path for h in page.hits} == {str(photos / "copy.jpg"), str(photos / "sub0" / "img_0000.jpg")}


def test_deleted_files_leave_catalog_and_results(engine_factory, make_library):
    photos = make_library(9)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    victim = photos / "sub1" / "img_0004.jpg"
    victim_id = engine.catalog.image_by_path(str(victim)).id
    victim.unlink()
    report = engine.index()
    assert report.removed == 1
    assert engine.catalog.image_by_path(str(victim)) is None
    hits = engine.search(SearchRequest(text="anything", limit=100)).hits
    assert len(hits) == 8 and victim_id not in {h.id for h in hits}


def test_changed_file_is_reencoded(engine_factory, make_library):
    photos = make_library(4)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    target = photos / "sub0" / "img_0000.jpg"
    old = engine.catalog.embedding_of(engine.catalog.image_by_path(str(target)).id).copy()
    make_photo(target, seed=999)
    os.utime(target, ns=(1, 1_000_000_000))  # a different mtime for sure
    report = engine.index()
    assert report.encoded == 1
    new = engine.catalog.embedding_of(engine.catalog.image_by_path(str(target)).id)
    assert not np.allclose(old, new)


def test_unplugged_root_deletes_nothing_and_comes_back(engine_factory, make_library, tmp_path):
    photos = make_library(6)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    os.rename(photos, tmp_path / "unplugged")
    report = engine.index()
    assert report.offline_roots == [str(photos)] and report.removed == 0
    counts = engine.catalog.counts()
    assert counts["indexed"] == 6 and counts["offline"] == 6
    assert not engine.catalog.roots()[0].online
    hits = engine.search(SearchRequest(text="x", limit=10)).hits
    assert len(hits) == 6 and all(h.offline for h in hits)
    # An empty mount point where the photos used to be is offline too, not "everything deleted".
    photos.mkdir()
    engine.index()
    assert engine.catalog.counts()["indexed"] == 6
    photos.rmdir()
    os.rename(tmp_path / "unplugged", photos)
    report = engine.index()
    assert report.encoded == 0 and engine.catalog.counts()["offline"] == 0 and engine.catalog.roots()[0].online


def test_junk_hidden_and_excluded_files_are_skipped(engine_factory, make_library):
    photos = make_library(3)
    for junk in ["@eaDir/x.jpg", ".hidden/y.jpg", "sub0/.z.jpg", "sub0/w.jpg.part", "raw/r.jpg", "sub1/Thumbs.db"]:
        make_photo(photos / junk, seed=50) if junk.endswith(".jpg") else (photos / junk).write_bytes(b"x")
    engine = engine_factory()
    engine.add_root(photos, excludes=("raw",))
    engine.index()
    paths = {r[0] for r in engine.catalog.query("SELECT path FROM images")}
    assert paths == {str(p) for p in photos.glob("sub*/img_*.jpg")}


def test_symlinks_never_escape_the_root_or_loop(engine_factory, make_library, tmp_path):
    photos = make_library(3)
    outside = tmp_path / "outside"
    make_photo(outside / "secret.jpg", seed=77)
    (photos / "escape").symlink_to(outside)
    (photos / "sub0" / "loop").symlink_to(photos)
    engine = engine_factory()
    engine.add_root(photos)
    engine.index()
    paths = {r[0] for r in engine.catalog.query("SELECT path FROM images")}
    assert paths == {str(p) for p in photos.glob("sub*/img_*.jpg")}


def _index_and_close(engine_factory, photos: Path) -> None:
    """The catalog a restart finds: `photos` indexed by an engine that is then closed."""
    first = engine_factory()
    first.add_root(photos)
    first.index()
    first.close()


def test_changing_the_model_reencodes_everything(engine_factory, make_library, tmp_path):
    from clipdesk.encoder.random_model import build_random_clip

    photos = make_library(5)
    _index_and_close(engine_factory, photos)
    other = build_random_clip(tmp_path / "other-model", size="tiny", seed=1)
    second = engine_factory(model=other)
    report = second.index()
    assert report.encoded == 5
    models = {r[0] for r in second.catalog.query("SELECT model_id FROM images")}
    assert models == {str(other)}
    assert len(second.store.index) == 5
    assert second.catalog.get_meta("model_id") == str(other)


def test_a_model_that_fails_to_load_changes_nothing(engine_factory, make_library, tmp_path):
    from clipdesk.encoder import ModelUnavailableError

    photos = make_library(3)
    _index_and_close(engine_factory, photos)
    typo = engine_factory(model=tmp_path / "typo-model")
    with pytest.raises(ModelUnavailableError):
        typo.index()
    assert typo.catalog.counts()["indexed"] == 3 and typo.catalog.counts()["pending"] == 0
