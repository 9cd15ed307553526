"""A corpus of broken and odd files (corpus.py) indexed two ways:

- in the app's engine, through a read-only view of the folder: every good file beside the bad
  ones is indexed, every bad one has a recorded reason in the engine's status (the app's error
  list), nothing is retried on the next scan, and the watcher's single-file checks agree with
  the scan;
- with `clipdesk index` run as an unprivileged user, so "no permission" really means no
  permission, with a decoder that hangs forever on one file (it is timed out), while the
  memory of the whole process tree is sampled: bounded, and `clipdesk status` lists every
  reason."""

from __future__ import annotations

import json
import os
import threading
import time

from conftest import make_photo

from clipdesk.search import SearchRequest

from . import corpus
from .util import (
    REPO,
    SETPRIV,
    catalog_paths,
    give_to_nobody,
    integrity,
    processes_with_env,
    run_cli,
    unprivileged_python,
    world_readable_copy,
)


def _check(expected: dict[str, corpus.Expect], records: dict[str, tuple[str, str | None]]) -> None:
    problems = []
    for path, want in expected.items():
        got = records.get(path)
        if want.status == "absent":
            if got is not None:
                problems.append(f"{path}: catalogued as {got}, should not be")
        elif got is None:
            problems.append(f"{path}: not catalogued (want {want.status})")
        elif got[0] != want.status:
            problems.append(f"{path}: {got} (want {want.status})")
        elif want.status == "error" and (not got[1] or want.reason not in got[1].lower()):
            problems.append(f"{path}: reason {got[1]!r} lacks {want.reason!r}")
    assert not problems, "\n".join(problems)
    assert set(records) <= set(expected), set(records) - set(expected)


def test_bad_and_odd_files_through_the_engine(tmp_path, engine_factory, ro_view):
    source = tmp_path / "library"
    expected = corpus.build(source)
    view = ro_view(source)
    expected = {str(view) + p[len(str(source)) :]: e for p, e in expected.items()}

    engine = engine_factory(batch_size=4)
    engine.add_root(view)
    report = engine.index()
    errors = [p for p, e in expected.items() if e.status == "error"]
    good = [p for p, e in expected.items() if e.status == "indexed"]
    records = {r[0]: (r[1], r[2]) for r in engine.catalog.query("SELECT path, status, error FROM images")}
    _check(expected, records)
    assert report.errors == len(errors)
    assert engine.catalog.counts()["pending"] == 0

    # The app's error list (engine.status) names every bad file with its reason.
    listed = dict(engine.status(error_limit=None).errors)
    assert sorted(listed) == sorted(errors)
    assert all(reason.strip() for reason in listed.values())

    # Recorded means settled: the next scan neither retries nor forgets any of them...
    calls = engine.encoder.image_encode_calls
    again = engine.index()
    assert (again.encoded, again.errors, again.removed, again.moved) == (0, 0, 0, 0)
    assert engine.encoder.image_encode_calls == calls
    # ...and the watcher's one-path-at-a-time check sees each path exactly as the scan does.
    synced = engine.indexer.sync_paths([*expected, str(view / "links" / "slash"), str(view / "x.jpg")])
    assert (synced.encoded, synced.errors, synced.removed, synced.moved) == (0, 0, 0, 0)
    assert {r[0]: (r[1], r[2]) for r in engine.catalog.query("SELECT path, status, error FROM images")} == records

    # Search works over the good ones.
    hits = engine.search(SearchRequest(text="photo", limit=500)).hits
    assert sorted(h.path for h in hits) == sorted(good)
    assert engine.catalog.integrity_check() == "ok"
    assert engine.status().index.get("file")


def test_unreadable_hanging_and_bad_files_as_an_unprivileged_user(tmp_path, tiny_model, nobody_dir):
    library = nobody_dir / "library"
    expected = corpus.build(library, with_long_path=False)
    make_photo(library / "broken" / "unreadable.jpg", seed=901)
    expected[str(library / "broken" / "unreadable.jpg")] = corpus.Expect("error", "permission denied")
    make_photo(library / "broken" / "hang_forever.jpg", seed=902)
    expected[str(library / "broken" / "hang_forever.jpg")] = corpus.Expect("error", "took longer")
    make_photo(library / "locked" / "inside.jpg", seed=903)  # a folder it cannot list: skipped, no crash
    expected[str(library / "locked" / "inside.jpg")] = corpus.Expect("absent")
    os.system(f"chmod -R a+rX {library}")
    os.chmod(library / "broken" / "unreadable.jpg", 0)
    os.chmod(library / "locked", 0)

    model = world_readable_copy(tiny_model, nobody_dir / "model")
    data = give_to_nobody(nobody_dir / "data")
    home = give_to_nobody(nobody_dir / "home")
    python, pythonpath = unprivileged_python()
    env = {
        "HOME": str(home),
        "TMPDIR": str(home),
        "CLIPDESK_DECODE_TIMEOUT": "8",
        "CLIPDESK_TEST_HANG_PREFIX": "hang_",
        "PYTHONPATH": f"{REPO / 'tests' / 'reliability' / 'hang_site'}:{pythonpath}",
    }
    nobody = {"prefix": SETPRIV, "python": python, "env_extra": env}
    r = run_cli(["add", str(library)], data, model, **nobody)
    assert r.returncode == 0, r.stderr

    peak = {"rss_mb": 0.0}
    stop = threading.Event()

    def sample() -> None:  # the whole process tree: the CLI, its decoder processes, the fork server
        while not stop.wait(0.05):
            total = 0
            for pid in processes_with_env(str(data)):
                try:
                    with open(f"/proc/{pid}/statm") as fh:
                        total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                except OSError:
                    pass
            peak["rss_mb"] = max(peak["rss_mb"], total / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        r = run_cli(["index", "--batch-size", "4"], data, model, timeout=400, **nobody)
    finally:
        stop.set()
        sampler.join()
    seconds = time.monotonic() - started
    assert r.returncode == 0, r.stdout + r.stderr

    r = run_cli(["status", "--json", "--errors", "0"], data, model, **nobody)
    assert r.returncode == 0, r.stderr
    status = json.loads(r.stdout)
    reasons = {e["path"]: e["reason"] for e in status["errors"]}
    records = {p: ("error", why) for p, why in reasons.items()}
    indexed = set(catalog_paths(data / "catalog.sqlite3", "indexed"))
    records.update({p: ("indexed", None) for p in indexed})
    _check(expected, records)
    assert status["counts"]["pending"] == 0
    assert status["counts"]["indexed"] == sum(e.status == "indexed" for e in expected.values())
    assert integrity(data / "catalog.sqlite3") == "ok"

    # The plain-text status names them too, one line each.
    r = run_cli(["status", "--errors", "0"], data, model, **nobody)
    assert "permission denied" in r.stdout and "took longer" in r.stdout
    # Not stalled: the hung decoder cost its timeout, not the run. Memory stayed bounded (torch
    # and the model are most of it; a bomb or a 1 x 1,000,000 strip would add gigabytes).
    assert peak["rss_mb"] < 2500, peak
    assert seconds < 240, seconds
    print(f"\nindexed {len(indexed)}, {len(reasons)} reasons, {seconds:.1f}s, peak tree RSS {peak['rss_mb']:.0f} MB")


def test_decoder_processes_that_cannot_start_cost_no_photo(engine_factory, make_library, ro_view, monkeypatch):
    """No processes left (RLIMIT_NPROC, EAGAIN), or an interpreter that cannot be run: the
    photos are still decoded (in threads), never all recorded as unreadable for good."""
    import errno

    from clipdesk.imaging import pool

    def cannot_fork(self, *args, **kwargs):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(pool._Worker, "__init__", cannot_fork)
    photos = ro_view(make_library(8))
    engine = engine_factory(batch_size=4)
    engine.add_root(photos)
    report = engine.index()
    assert (report.encoded, report.errors) == (8, 0), engine.catalog.errors()
