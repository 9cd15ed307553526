"""Duplicates in a real library: real corpus photos and copies made of them, indexed by the real
pipeline (fingerprints from its one decode), grouped by the engine, reported by the CLI."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image
from test_duplicates import BURSTS, DISTINCT, SAME_COPIES, SPEC, make_copies

from clipdesk.cli.main import main
from clipdesk.duplicates import EXACT, SAME, SIMILAR, perceptual_hash
from clipdesk.engine import Engine
from clipdesk.engine.duplicates import others_to_trash
from clipdesk.imaging import decode

SUBJECT = "jpg/gps/DSCN0010.jpg"


@pytest.fixture(autouse=True)
def no_text_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the text in photos is another feature's second pass: not needed here, and slow."""
    monkeypatch.setenv("CLIPDESK_TEXT", "0")


def _library(corpus: Path, root: Path) -> dict[str, Path]:
    """One subject with every kind of copy, and distinct photos that must stay alone."""
    copies = make_copies(corpus / SUBJECT, root / "subject", Path(SUBJECT).stem)
    for name in DISTINCT:
        target = root / "distinct" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / name, target)
        copies[f"distinct:{name}"] = target
    return copies


def _engine(data: Path, model: Path) -> Engine:
    return Engine(data, str(model), batch_size=8, settle_s=0.3)


@pytest.fixture
def indexed(corpus: Path, tmp_path: Path, tiny_model: Path):
    photos = _library(corpus, tmp_path / "photos")
    engine = _engine(tmp_path / "data", tiny_model)
    engine.index_lock.acquire()
    engine.add_root(tmp_path / "photos")
    report = engine.index()
    assert report.encoded == len(photos)
    yield engine, photos
    engine.close()


def _path_sets(groups, kind: str) -> set[frozenset[str]]:
    return {frozenset(p.path for p in g.photos) for g in groups if g.kind == kind}


def _expected(photos: dict[str, Path]) -> dict[str, frozenset[str]]:
    """The exact pair; the copies of one picture (with whichever exact twin stands for the pair);
    the burst frames with the picture's stand-in."""
    return {
        EXACT: frozenset({str(photos["original"]), str(photos["exact"])}),
        SAME: frozenset(str(photos[r]) for r in SAME_COPIES),
        SIMILAR: frozenset(str(photos[r]) for r in BURSTS),
    }


def _check_kinds(groups, photos: dict[str, Path]) -> None:
    expected = _expected(photos)
    twins = {str(photos["original"]), str(photos["exact"])}
    assert _path_sets(groups, EXACT) == {expected[EXACT]}
    (same,) = _path_sets(groups, SAME)
    assert expected[SAME] < same and len(same - expected[SAME]) == 1 and same - expected[SAME] <= twins
    (similar,) = _path_sets(groups, SIMILAR)
    assert (
        expected[SIMILAR] < similar and len(similar - expected[SIMILAR]) == 1 and similar - expected[SIMILAR] <= twins
    )
    grouped = {p.path for g in groups for p in g.photos}
    assert not grouped & {str(p) for k, p in photos.items() if k.startswith("distinct:")}


def test_fingerprints_come_from_the_pipelines_own_decode(indexed) -> None:
    engine, photos = indexed
    rows = {r.path: r for r in engine.catalog.fingerprint_rows()}
    assert len(rows) == len(photos) and all(r.hashed for r in rows.values())
    for path in (photos["original"], photos["heic"], photos["rotated"]):
        assert rows[str(path)].phash == perceptual_hash(decode(path, SPEC).thumbnail)
    # Nothing needed the back-fill: every photo was hashed by the decode that indexed it.
    assert engine.catalog.unfingerprinted() == []


def test_the_library_is_grouped_by_kind_and_distinct_photos_stay_alone(indexed) -> None:
    engine, photos = indexed
    groups = engine.duplicate_groups()
    _check_kinds(groups, photos)
    for group in groups:
        assert group.photos[0].id == group.keep  # the suggested keeper first
    same = next(g for g in groups if g.kind == SAME)
    # Full size, in a camera format (not the half-size, cropped, PNG or WebP copies).
    assert same.keeper.width == Image.open(photos["original"]).width
    assert same.keeper.path not in {str(photos[r]) for r in ("half", "crop2", "png", "webp")}
    # Files of the same size were read whole once, and the hashes kept.
    hashed = {r.path for r in engine.catalog.fingerprint_rows() if r.file_hash}
    assert hashed == {str(photos["original"]), str(photos["exact"])}
    assert [g.kind for g in engine.duplicate_groups(EXACT)] == [EXACT]


def test_a_new_copy_joins_its_group_without_grouping_the_library_again(indexed, corpus: Path) -> None:
    engine, photos = indexed
    engine.duplicate_groups()
    assert engine.duplicates.full_groupings == 1
    distinct = photos[f"distinct:{DISTINCT[0]}"]
    copy = distinct.parent / "later" / "smaller.png"
    copy.parent.mkdir()
    with Image.open(distinct) as im:
        im.convert("RGB").resize((im.width // 2, im.height // 2)).save(copy)
    engine.index()
    groups = engine.duplicate_groups()
    assert frozenset({str(distinct), str(copy)}) in _path_sets(groups, SAME)
    assert engine.duplicates.full_groupings == 1
    assert engine.duplicates.placed_one_by_one == 1
    _check_kinds([g for g in groups if str(copy) not in {p.path for p in g.photos}], photos)


def test_a_library_indexed_before_fingerprints_is_back_filled(indexed) -> None:
    engine, photos = indexed
    with engine.catalog.transaction() as conn:  # the state of a catalog upgraded to migration 6
        conn.execute("DELETE FROM fingerprints")
    assert len(engine.catalog.unfingerprinted()) == len(photos)
    assert engine.duplicates.backfill() == len(photos)
    assert engine.catalog.unfingerprinted() == []
    _check_kinds(engine.duplicate_groups(), photos)


def test_re_encoding_a_photo_drops_its_stale_fingerprint(indexed) -> None:
    engine, photos = indexed
    engine.duplicate_groups()
    target, other = photos["half"], photos[f"distinct:{DISTINCT[1]}"]
    with Image.open(other) as im:
        im.convert("RGB").save(target, quality=80)  # the same name, now a copy of another picture
    engine.index()
    same = _path_sets(engine.duplicate_groups(), SAME)
    assert frozenset({str(other), str(target)}) in same
    assert len(same) == 2 and all(len(group) > 2 for group in same - {frozenset({str(other), str(target)})})
    assert engine.duplicates.full_groupings == 2  # a photo changed in place: grouped anew


def test_strictness_moves_only_similar_shots(indexed) -> None:
    engine, _photos = indexed
    loose = engine.duplicate_groups(strictness=0.0)
    strict = engine.duplicate_groups(strictness=1.0)
    assert _path_sets(loose, EXACT) == _path_sets(strict, EXACT)
    assert _path_sets(loose, SAME) == _path_sets(strict, SAME)
    assert len(_path_sets(strict, SIMILAR)) <= len(_path_sets(loose, SIMILAR))


def test_files_gone_to_the_trash_leave_the_catalog_and_their_group(indexed, tmp_path: Path) -> None:
    engine, photos = indexed
    engine.duplicate_groups()
    trash = tmp_path / "trash"
    trash.mkdir()
    moved = [photos["png"], photos["webp"]]
    assert engine.duplicates.forget_trashed([str(p) for p in moved]) == []  # still on disk: left alone
    for path in moved:
        shutil.move(path, trash / path.name)
    ids = engine.duplicates.forget_trashed([str(p) for p in moved])
    assert len(ids) == 2
    assert all(engine.catalog.image_by_path(str(p)) is None for p in moved)
    (same,) = _path_sets(engine.duplicate_groups(), SAME)
    assert not same & {str(p) for p in moved}
    assert engine.duplicates.full_groupings == 1


def test_cli_reports_groups_as_json_and_never_touches_files(
    indexed, tiny_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, photos = indexed
    data = str(engine.data_dir)
    engine.close()
    before = {p: os.stat(p).st_mtime_ns for p in photos.values()}
    assert main(["--data-dir", data, "--model", str(tiny_model), "duplicates", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert {g["kind"] for g in groups} == {EXACT, SAME, SIMILAR}
    for group in groups:
        assert set(group) == {"kind", "paths", "keep"}
        assert group["keep"] == group["paths"][0] and len(group["paths"]) >= 2
    expected = _expected(photos)
    assert {frozenset(g["paths"]) for g in groups if g["kind"] == EXACT} == {expected[EXACT]}
    assert main(["--data-dir", data, "--model", str(tiny_model), "duplicates", "--kind", "similar", "--json"]) == 0
    assert {g["kind"] for g in json.loads(capsys.readouterr().out)} == {SIMILAR}
    assert main(["--data-dir", data, "--model", str(tiny_model), "duplicates"]) == 0
    text = capsys.readouterr().out
    assert "Exact copies (1 groups)" in text and f"keep  {photos['original']}" in text
    assert before == {p: os.stat(p).st_mtime_ns for p in photos.values()}


def test_status_says_how_far_hashing_got_and_the_last_groups_without_grouping(
    indexed, tiny_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, photos = indexed
    data = str(engine.data_dir)
    args = ["--data-dir", data, "--model", str(tiny_model), "status"]
    assert engine.duplicates.summary() == {"hashed": len(photos), "indexed": len(photos), "groups": None}
    engine.duplicate_groups()
    engine.close()
    assert main(args) == 0
    out = capsys.readouterr().out
    n = len(photos)
    assert f"Duplicates: {n} of {n} photos hashed; 1 exact, 1 same picture, 1 similar groups" in out
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["duplicates"]
    assert summary == {"hashed": n, "indexed": n, "groups": {EXACT: 1, SAME: 1, SIMILAR: 1}}
    fresh = _engine(Path(data), tiny_model)
    try:
        fresh.duplicates.summary()
        assert fresh.duplicates.full_groupings == 0  # status never groups
    finally:
        fresh.close()


def test_a_photo_kept_in_one_group_never_goes_to_the_trash_from_another(indexed) -> None:
    """The exact pair's original also stands for its "same" and "similar" groups: keeping the copy
    in the exact group and a burst frame in the similar group must not send the original twice, and
    a photo kept anywhere stays."""
    engine, photos = indexed
    groups = engine.duplicate_groups()
    by_kind = {g.kind: g for g in groups}
    exact, same, similar = by_kind[EXACT], by_kind[SAME], by_kind[SIMILAR]
    copy = next(p.id for p in exact.photos if p.id != exact.keep)
    frame = next(p.id for p in similar.photos if p.path == str(photos[BURSTS[0]]))
    chosen = [(exact, copy), (same, same.keep), (similar, frame)]
    kept = {keeper for _, keeper in chosen}
    plan = others_to_trash(chosen, kept)
    trashed = [photo.id for _, photo in plan]
    assert len(trashed) == len(set(trashed))
    assert not set(trashed) & kept
    naive = [p.id for g, keeper in chosen for p in g.others(keeper)]
    assert len(naive) > len(set(naive)) or set(naive) & kept  # the case this guards against
    everyone = {p.id for g in groups for p in g.photos}
    assert set(trashed) == everyone - kept
    paths = {p.id: p.path for g in groups for p in g.photos}
    assert all(keeper_path in {paths[k] for k in kept} for keeper_path, _ in plan)


def test_in_the_background_hashes_are_back_filled_and_new_photos_placed(indexed, tmp_path: Path) -> None:
    """As the app runs it: the back-fill at start, then, once someone asked for the groups, each
    indexed batch placed by the duplicates worker, so asking again finds the work done."""
    engine, photos = indexed
    with engine.catalog.transaction() as conn:  # a library indexed before fingerprints were kept
        conn.execute("DELETE FROM fingerprints")
    engine.start(watch=True)
    assert engine.duplicates.backfilled.wait(60)
    assert engine.catalog.unfingerprinted() == [] and engine.duplicates.full_groupings == 0
    _check_kinds(engine.duplicate_groups(), photos)
    distinct = photos[f"distinct:{DISTINCT[2]}"]
    copy = distinct.parent / "converted.webp"
    with Image.open(distinct) as im:
        im.convert("RGB").save(copy, quality=75)
    deadline = time.monotonic() + 60
    while engine.duplicates.placed_one_by_one == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert engine.duplicates.placed_one_by_one == 1
    groups = engine.duplicate_groups()
    assert frozenset({str(distinct), str(copy)}) in _path_sets(groups, SAME)
    assert engine.duplicates.full_groupings == 1
