"""Duplicates and similar shots on real photos from the corpus and copies made of them:
each copy must land in its kind (exact, same, similar), distinct photos in none."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clipdesk.duplicates import (
    EXACT,
    SAME,
    SIMILAR,
    DuplicateFinder,
    DuplicateSettings,
    PhotoRecord,
    content_hash,
    find_groups,
    from_signed64,
    perceptual_hash,
    suggest_keeper,
    to_signed64,
)
from clipdesk.duplicates.fingerprint import dihedral_variants, rotation_free_distance
from clipdesk.duplicates.hamming import HammingIndex, pairs_within
from clipdesk.imaging.decode import ModelInput, decode

# Each subject gets every kind of copy; the distinct ones must stay alone.
SUBJECTS = ("jpg/gps/DSCN0010.jpg", "jpg/mobile/jolla.jpg")
DISTINCT = (
    "jpg/Canon_40D.jpg",
    "jpg/Nikon_D70.jpg",
    "jpg/Pentax_K10D.jpg",
    "jpg/Sony_HDR-HC3.jpg",
    "jpg/Kodak_CX7530.jpg",
    "jpg/Olympus_C8080WZ.jpg",
    "jpg/Fujifilm_FinePix_E500.jpg",
    "jpg/Panasonic_DMC-FZ30.jpg",
    "heic/IMG_5195.HEIC",
)
SAME_COPIES = ("half", "png", "webp", "heic", "crop2", "rotated")
BURSTS = ("burst_a", "burst_b")
SPEC = ModelInput()


def _exif_for_copy(src: Image.Image, seconds_later: float = 0.0, orientation: int = 1) -> Image.Exif:
    """A fresh copy of the original's EXIF (the capture date travels, as converters keep it)."""
    exif = Image.Exif()
    exif.load(src.info["exif"])
    exif[0x0112] = orientation
    sub = exif.get_ifd(0x8769)
    taken = datetime.strptime(sub[0x9003], "%Y:%m:%d %H:%M:%S") + timedelta(seconds=seconds_later)
    sub[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    return exif


def _burst_frame(im: Image.Image, shift: float, brightness: float) -> Image.Image:
    """The camera moved a little between frames and the light changed slightly."""
    w, h = im.size
    dx, dy = round(w * shift), round(h * shift / 2)
    moved = im.crop((dx, dy, w, h)).resize((w, h), Image.Resampling.LANCZOS)
    return moved.point(lambda p: min(255, round(p * brightness)))


def make_copies(src: Path, folder: Path, name: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {"original": folder / f"{name}.jpg", "exact": folder / f"{name} (copy).jpg"}
    shutil.copyfile(src, out["original"])
    shutil.copyfile(src, out["exact"])
    with Image.open(src) as opened:
        im = opened.convert("RGB")
        exif = _exif_for_copy(opened)
        w, h = im.size
        out["half"] = folder / f"{name}_half.jpg"
        im.resize((w // 2, h // 2), Image.Resampling.LANCZOS).save(out["half"], quality=85, exif=exif)
        for fmt in ("png", "webp", "heic"):
            out[fmt] = folder / f"{name}.{fmt}"
            im.save(out[fmt], quality=80, exif=exif) if fmt != "png" else im.save(out[fmt], exif=exif)
        dx, dy = round(w * 0.01), round(h * 0.01)  # 2% off each dimension, 1% per side
        out["crop2"] = folder / f"{name}_crop.jpg"
        im.crop((dx, dy, w - dx, h - dy)).save(out["crop2"], quality=90, exif=exif)
        # Same pixels, orientation tag changed: displayed (and decoded) a quarter turn round.
        out["rotated"] = folder / f"{name}_rotated.jpg"
        im.save(out["rotated"], quality=95, exif=_exif_for_copy(opened, orientation=6))
        for key, shift, seconds in (("burst_a", 0.04, 2), ("burst_b", 0.08, 4)):
            out[key] = folder / f"{name}_{key}.jpg"
            frame = _burst_frame(im, shift, 1.03)
            frame.save(out[key], quality=90, exif=_exif_for_copy(opened, seconds))
    return out


def record(photo_id: int, path: Path, embedding: np.ndarray) -> PhotoRecord:
    decoded = decode(path, SPEC)  # the pipeline's one decode; the hash reads its thumbnail
    return PhotoRecord(
        id=photo_id,
        path=str(path),
        size=os.path.getsize(path),
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        taken_at=decoded.taken_at,
        content_hash=None,
        phash=perceptual_hash(decoded.thumbnail),
        embedding=embedding,
    )


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


@pytest.fixture(scope="module")
def library(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Records of the subjects, their copies and the distinct photos, with synthetic CLIP
    vectors (the tiny random model cannot judge likeness): copies and burst frames near their
    subject's vector, distinct photos random."""
    root = tmp_path_factory.mktemp("duplicates")
    rng = np.random.default_rng(3)
    records: list[PhotoRecord] = []
    roles: dict[str, dict[str, int]] = {}
    for n, subject in enumerate(SUBJECTS):
        copies = make_copies(corpus / subject, root / f"subject{n}", Path(subject).stem)
        base = _unit(rng.standard_normal(512))
        roles[subject] = {}
        for role, path in copies.items():
            noise = 0.25 if role in BURSTS else 0.05  # bursts ~0.97 to the subject, copies ~0.999
            vector = _unit(base + rng.standard_normal(512) * noise / np.sqrt(512))
            roles[subject][role] = len(records)
            records.append(record(len(records), path, vector))
    distinct = []
    for name in DISTINCT:
        path = root / "distinct" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / name, path)
        distinct.append(len(records))
        records.append(record(len(records), path, _unit(rng.standard_normal(512))))
    return {"records": records, "roles": roles, "distinct": distinct}


def _hasher(library: dict, *extra: PhotoRecord) -> Callable[[int], str]:
    """The finder asks by photo id; the test knows each id's file."""
    paths = {r.id: r.path for r in [*library["records"], *extra]}
    return lambda pid: content_hash(paths[pid])


def _groups(finder: DuplicateFinder, kind: str) -> set[frozenset[int]]:
    return {frozenset(g.ids) for g in finder.groups(kind)}


def _expected(library: dict) -> dict[str, set[frozenset[int]]]:
    expected: dict[str, set[frozenset[int]]] = {EXACT: set(), SAME: set(), SIMILAR: set()}
    for ids in library["roles"].values():
        expected[EXACT].add(frozenset((ids["original"], ids["exact"])))
        expected[SAME].add(frozenset([ids["original"], *(ids[r] for r in SAME_COPIES)]))
        expected[SIMILAR].add(frozenset([ids["original"], *(ids[r] for r in BURSTS)]))
    return expected


def test_copies_made_as_intended(library: dict) -> None:
    by_id = {r.id: r for r in library["records"]}
    for ids in library["roles"].values():
        original = by_id[ids["original"]]
        rotated = by_id[ids["rotated"]]
        assert (rotated.width, rotated.height) == (original.height, original.width)
        assert by_id[ids["half"]].width == original.width // 2
        assert by_id[ids["heic"]].format in ("HEIF", "HEIC")
        assert by_id[ids["burst_a"]].taken_at == original.taken_at + 2
        assert by_id[ids["burst_b"]].taken_at == original.taken_at + 4
        assert original.taken_at == by_id[ids["webp"]].taken_at


def test_each_copy_lands_in_its_kind_and_distinct_photos_in_none(library: dict) -> None:
    finder = find_groups(library["records"], content_hasher=_hasher(library))
    expected = _expected(library)
    for kind in (EXACT, SAME, SIMILAR):
        assert _groups(finder, kind) == expected[kind], kind
    for pid in library["distinct"]:
        assert all(finder.group_of(pid, kind) is None for kind in (EXACT, SAME, SIMILAR))


def test_kinds_never_overlap_on_a_pair(library: dict) -> None:
    finder = find_groups(library["records"], content_hasher=_hasher(library))
    pairs = {
        kind: {frozenset(pair) for g in finder.groups(kind) for pair in itertools.combinations(g.ids, 2)}
        for kind in (EXACT, SAME, SIMILAR)
    }
    assert pairs[SAME] and pairs[SIMILAR]
    assert not pairs[SAME] & pairs[SIMILAR]
    assert not pairs[EXACT] & (pairs[SAME] | pairs[SIMILAR])


def test_adding_one_by_one_in_another_order_finds_the_same_groups(library: dict) -> None:
    """The same groups whatever the order; only which member stands for a group in the later
    kinds (the first placed) changes."""
    finder = DuplicateFinder(content_hasher=_hasher(library))
    for photo in reversed(library["records"]):
        finder.add(photo)
    assert _groups(finder, EXACT) == _expected(library)[EXACT]
    for ids in library["roles"].values():
        exact = finder.group_of(ids["original"], EXACT)
        assert exact is not None and exact.seed == ids["exact"]  # the copy came first this time
        same = finder.group_of(ids["half"], SAME)
        assert same is not None and set(same.ids) == {exact.seed, *(ids[r] for r in SAME_COPIES)}
        similar = finder.group_of(ids["burst_a"], SIMILAR)
        assert similar is not None and set(similar.ids) == {same.seed, *(ids[r] for r in BURSTS)}
    assert len(finder.groups()) == 3 * len(SUBJECTS)


def test_bursts_are_not_the_same_picture_even_when_their_hashes_are_close(library: dict) -> None:
    """A burst frame a few seconds later is another shot; with its capture time hidden it would
    pass for a copy (the 4% shift is within the hash radius), which is what the time guard is for."""
    by_id = {r.id: r for r in library["records"]}
    ids = library["roles"][SUBJECTS[0]]
    original, frame = by_id[ids["original"]], by_id[ids["burst_a"]]
    assert original.phash is not None and frame.phash is not None
    assert rotation_free_distance(original.phash, frame.phash) <= DuplicateSettings().same_radius
    undated = [original, replace(frame, taken_at=original.taken_at)]
    assert _groups(find_groups(undated), SAME) == {frozenset((original.id, frame.id))}
    assert _groups(find_groups([original, frame]), SAME) == set()


def test_similar_needs_both_likeness_and_a_short_time_apart(library: dict) -> None:
    by_id = {r.id: r for r in library["records"]}
    ids = library["roles"][SUBJECTS[1]]
    original, frame = by_id[ids["original"]], by_id[ids["burst_b"]]
    assert original.embedding is not None and frame.embedding is not None
    cosine = float(_unit(original.embedding) @ _unit(frame.embedding))
    assert 0.95 < cosine < 0.99
    pair = frozenset((original.id, frame.id))
    assert _groups(find_groups([original, frame]), SIMILAR) == {pair}
    # Stricter than the pair's likeness: apart.
    strict = DuplicateSettings(strictness=1.0)
    assert _groups(find_groups([original, frame], strict), SIMILAR) == set()
    # As alike, but taken an hour later: another moment, not a burst.
    later = replace(frame, taken_at=original.taken_at + 3600)
    assert _groups(find_groups([original, later]), SIMILAR) == set()
    # No capture time: never judged similar.
    assert _groups(find_groups([original, replace(frame, taken_at=None)]), SIMILAR) == set()


def test_a_callers_nearest_neighbour_search_gives_the_same_similar_groups(library: dict) -> None:
    records = library["records"]
    vectors = np.stack([_unit(r.embedding) for r in records if r.embedding is not None])

    def neighbours(vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        cosines = vectors @ vector
        best = np.argsort(-cosines)[:k]
        return [(int(i), float(cosines[i])) for i in best]

    finder = find_groups(records, content_hasher=_hasher(library), neighbours=neighbours)
    assert _groups(finder, SIMILAR) == _expected(library)[SIMILAR]


def test_the_corpus_orientation_set_is_one_picture(corpus: Path) -> None:
    """The corpus stores one picture 8 ways (pixels turned, the tag turning them back)."""
    paths = sorted((corpus / "jpg" / "orientation").glob("landscape_*.jpg"))
    assert len(paths) == 8
    records = [record(n, p, None) for n, p in enumerate(paths)]  # type: ignore[arg-type]
    assert _groups(find_groups(records), SAME) == {frozenset(range(8))}


def test_content_is_hashed_only_when_size_and_picture_match(library: dict) -> None:
    hashed: list[str] = []
    paths = {r.id: r.path for r in library["records"]}

    def hasher(photo_id: int) -> str:
        hashed.append(paths[photo_id])
        return content_hash(paths[photo_id])

    find_groups(library["records"], content_hasher=hasher)
    expected = {
        library["records"][ids[role]].path for ids in library["roles"].values() for role in ("original", "exact")
    }
    assert sorted(hashed) == sorted(expected)


def test_same_size_but_different_bytes_is_not_exact(tmp_path: Path, library: dict) -> None:
    original = library["records"][library["roles"][SUBJECTS[0]]["original"]]
    changed = tmp_path / "changed.jpg"
    data = bytearray(Path(original.path).read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte in the middle: size, head and tail unchanged
    changed.write_bytes(bytes(data))
    twin = replace(original, id=999, path=str(changed))
    finder = find_groups([original, twin], content_hasher=_hasher(library, twin))
    assert finder.groups(EXACT) == []


def test_flat_pictures_get_no_hash_so_they_never_match() -> None:
    assert perceptual_hash(Image.new("RGB", (64, 48), (10, 10, 10))) is None
    assert perceptual_hash(Image.new("RGB", (64, 48), (200, 200, 200))) is None


def test_hash_follows_every_orientation_exactly(library: dict) -> None:
    path = library["records"][library["roles"][SUBJECTS[1]]["original"]].path
    thumbnail = decode(path, SPEC).thumbnail
    h = perceptual_hash(thumbnail)
    assert h is not None
    for transpose in Image.Transpose:
        turned = perceptual_hash(thumbnail.transpose(transpose))
        assert turned is not None and turned != h
        assert min((v ^ turned).bit_count() for v in dihedral_variants(h)) <= 1


def test_hashes_survive_sqlite_as_signed_integers() -> None:
    for h in (0, 1, 2**63 - 1, 2**63, 2**64 - 1):
        stored = to_signed64(h)
        assert -(2**63) <= stored < 2**63
        assert from_signed64(stored) == h


def test_hash_index_finds_exactly_the_brute_force_neighbours() -> None:
    rng = np.random.default_rng(5)
    hashes = [int(x) for x in rng.integers(0, 2**63, size=600, dtype=np.int64)]
    for k in range(0, len(hashes), 4):  # planted: turned some way, then 0-10 bits changed
        h = dihedral_variants(hashes[k])[int(rng.integers(8))]
        for bit in rng.choice(64, size=int(rng.integers(0, 11)), replace=False):
            h ^= 1 << int(bit)
        hashes[k + 1] = h
    brute = {
        (a, b): rotation_free_distance(hashes[a], hashes[b])
        for a, b in itertools.combinations(range(len(hashes)), 2)
        if rotation_free_distance(hashes[a], hashes[b]) <= 8
    }
    assert len(brute) > 100
    first, second, distance = pairs_within(np.array(hashes, dtype=np.uint64), 8)
    assert dict(zip(zip(first.tolist(), second.tolist(), strict=True), distance.tolist(), strict=True)) == brute
    index = HammingIndex(8)
    found = {}
    for n, h in enumerate(hashes):
        for other, d in index.near_any_orientation(h).items():
            found[(other, n)] = d
        index.add(n, h)
    assert found == brute


def test_keeper_prefers_the_largest_original(library: dict) -> None:
    by_id = {r.id: r for r in library["records"]}
    ids = library["roles"][SUBJECTS[1]]
    group = [by_id[ids[role]] for role in ("half", "png", "crop2", "original", "webp")]
    choice = suggest_keeper(group)
    assert choice.keep == ids["original"]
    assert choice.ranking[-1] == ids["half"]
    # Same pixels as the PNG and more bytes only for the PNG: the camera's JPEG still wins.
    png, original = by_id[ids["png"]], by_id[ids["original"]]
    assert png.size > original.size
    assert suggest_keeper([png, original]).reason == "original format (JPEG)"
    cropped = suggest_keeper([by_id[ids["crop2"]], by_id[ids["half"]]])
    assert cropped.keep == ids["crop2"] and cropped.reason.startswith("largest (")


def test_keeper_between_exact_copies_is_the_one_in_the_preferred_folder(library: dict) -> None:
    by_id = {r.id: r for r in library["records"]}
    ids = library["roles"][SUBJECTS[0]]
    original, copy = by_id[ids["original"]], by_id[ids["exact"]]
    moved = replace(copy, path="/home/me/Pictures/Best/" + Path(copy.path).name)
    choice = suggest_keeper([original, moved], preferred_folders=["/home/me/Pictures/Best"])
    assert choice.keep == moved.id
    assert choice.reason == "in /home/me/Pictures/Best"
    unpreferred = suggest_keeper([original, moved])  # no preference: the shorter path, for stability
    assert unpreferred.keep == min((original, moved), key=lambda p: len(p.path)).id
    assert unpreferred.reason == "first by name"


def test_hash_index_sorted_part_and_tail_agree_with_brute_force() -> None:
    """Past a few thousand hashes the index keeps a sorted part and an unsorted tail, merged now and
    then: what it finds must not depend on where a hash sits."""
    rng = np.random.default_rng(11)
    hashes = rng.integers(0, 2**63, size=9000, dtype=np.int64).astype(np.uint64)
    for k in range(0, hashes.size, 3):  # planted near copies, turned some way
        h = dihedral_variants(int(hashes[k]))[int(rng.integers(8))]
        for bit in rng.choice(64, size=int(rng.integers(0, 9)), replace=False):
            h ^= 1 << int(bit)
        hashes[k + 1] = np.uint64(h)
    index = HammingIndex(8)
    index.extend(np.arange(3000), hashes[:3000])  # sorted at once
    for n in range(3000, hashes.size):  # then one at a time: tails settle past 4096
        index.add(n, int(hashes[n]))
    for query in rng.choice(hashes.size, size=60, replace=False):
        h = int(hashes[query])
        variants = dihedral_variants(h)
        distance = np.min([np.bitwise_count(hashes ^ np.uint64(v)) for v in variants], axis=0)
        expected = {int(k): int(distance[k]) for k in np.flatnonzero(distance <= 8)}
        assert index.near_any_orientation(h) == expected
