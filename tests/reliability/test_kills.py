"""SIGKILL the indexer over and over, at exact moments (the CLIPDESK_TEST_KILL_AT hook:
during encoding, inside a commit, during each step of an index save) and at random times,
with the library changing between runs. After every kill: SQLite passes integrity_check,
the index pair SQLite names is whole, opening the index gives exactly the catalog's live ids,
and nothing already indexed was redone. At the end every photo is indexed exactly once.

Each run is a fork of one server process that imported torch once (see killserver.py), so
a kill-and-restart costs about a second; bench/soak_kill.py does hundreds."""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from conftest import make_photo

from .util import (
    KillServer,
    catalog_paths,
    check_saved_index,
    clean_env,
    connect,
    indexed_rows,
    integrity,
    processes_with_env,
    wait_for,
)

# Each entry is one run, killed at that point (point:n = the n-th time it is reached).
HOOK_PLAN = [
    "scan:1",
    "save:1",
    "save-files:1",
    "save-meta:1",
    "encode:1",
    "commit:1",
    "committed:1",
    "encode:3",
    "commit:2",
    "committed:2",
    # A run saves its index once (an unchanged index is never rewritten): these kill that save
    # while an earlier run's pair is on disk, the replace-in-place case.
    "save:1",
    "save-files:1",
    "save-meta:1",
    "scan:1",
    "encode:2",
    "commit:3",
    "committed:3",
    "save:1",
    "encode:4",
    "commit:1",
    "save-files:1",
    "committed:4",
]
RANDOM_KILLS = 4
BATCH = 2


@pytest.fixture
def kill_server():
    server = KillServer(clean_env())
    yield server
    server.close()


def _disk(photos: Path) -> set[str]:
    return {str(p) for p in photos.rglob("*.jpg")}


def test_sigkill_at_every_phase_many_times(tmp_path, tiny_model, kill_server, ro_view):
    rng = random.Random(int(os.environ.get("CLIPDESK_TEST_SEED", "5")))
    photos = tmp_path / "photos"
    data = tmp_path / "data"
    seeds = iter(range(5000, 10000))
    for _ in range(24):
        make_photo(photos / f"d{rng.randrange(3)}" / f"p{next(seeds)}.jpg", seed=next(seeds), size=(64, 48))
    # One decoder process (still a real, killable process pool) and one torch thread: a second
    # second of start-up per run otherwise, on a shared 2-core machine.
    env = clean_env(
        CLIPDESK_DATA_DIR=str(data), CLIPDESK_MODEL=str(tiny_model), CLIPDESK_DECODE_WORKERS="1", CLIPDESK_THREADS="1"
    )
    log = tmp_path / "runs.log"
    db = data / "catalog.sqlite3"
    view = ro_view(photos)  # the indexer sees the library read-only; the test changes it underneath

    def real(path: str) -> str:
        return str(photos / os.path.relpath(path, view))

    assert kill_server.run(["add", str(view)], env, log)["rc"] == 0

    plan = [("hook", spec) for spec in HOOK_PLAN]
    for _ in range(RANDOM_KILLS):  # random moments, spread through the plan
        plan.insert(rng.randrange(len(plan)), ("random", rng.uniform(0.3, 2.5)))
    kills: dict[str, int] = {}
    opened: dict[str, int] = {}
    deleted: set[int] = set()
    started = time.monotonic()
    for round_no, (kind, what) in enumerate(plan):
        # The library keeps changing: always something new (so every phase has work), and now
        # and then a rename (must stay the same image) and a deletion.
        indexed = indexed_rows(db)
        need = 1
        if kind == "hook" and what.split(":")[0] in ("encode", "commit", "committed"):
            need = BATCH * (int(what.split(":")[1]) + 1)
        pending = len(_disk(view) - {p for p, *_ in indexed.values()})
        for _ in range(max(1, need - pending)):
            make_photo(photos / f"d{rng.randrange(3)}" / f"p{next(seeds)}.jpg", seed=next(seeds), size=(64, 48))
        if round_no % 6 == 5 and indexed:
            victim_id, (victim, *_) = rng.choice(sorted(indexed.items()))
            if os.path.exists(victim):
                os.rename(real(victim), os.path.join(os.path.dirname(real(victim)), f"renamed{round_no}.jpg"))
            victim_id, (victim, *_) = rng.choice(sorted(indexed.items()))
            if os.path.exists(victim):
                os.unlink(real(victim))
                deleted.add(victim_id)
        before = indexed_rows(db)

        run_env = dict(env)
        if kind == "hook":
            run_env["CLIPDESK_TEST_KILL_AT"] = what
        result = kill_server.run(
            ["index", "--batch-size", str(BATCH)], run_env, log, kill_after=what if kind == "random" else None
        )
        label = what.split(":")[0] if kind == "hook" else "random"
        if result["signal"] == 9:
            kills[label] = kills.get(label, 0) + 1
        else:
            assert result["rc"] == 0, (kind, what, result, log.read_text()[-3000:])
        if kind == "hook":
            assert result["signal"] == 9, f"{what} was never reached: {result}"

        assert integrity(db) == "ok"
        after = indexed_rows(db)
        for image_id, (path, *facts) in before.items():
            if image_id in after:  # finished work is never redone (renames keep id and vector)
                assert after[image_id][1:] == tuple(facts), (what, path)
            else:
                assert image_id in deleted, (what, path)
        how = check_saved_index(data)
        opened[how] = opened.get(how, 0) + 1

    # The restart after the last kill finishes the job, encoding only what was not done.
    disk = _disk(view)
    before = indexed_rows(db)
    done_paths = {p for p, *_ in before.values()}
    conn = connect(db)
    done_keys = {r[0] for r in conn.execute("SELECT content_key FROM images WHERE status = 'indexed'")}
    conn.close()
    result = kill_server.run(["index", "--batch-size", str(BATCH)], env, log)
    assert result["rc"] == 0, log.read_text()[-3000:]
    encoded = int(re.findall(r"Indexed (\d+) new", log.read_text())[-1])
    assert encoded == len({p for p in disk - done_paths if _key(p) not in done_keys})

    assert integrity(db) == "ok"
    rows = catalog_paths(db)
    assert sorted(rows) == sorted(disk)  # every photo once, nothing else
    assert sorted(catalog_paths(db, "indexed")) == sorted(disk)
    after = indexed_rows(db)
    for image_id, (path, *facts) in before.items():
        if image_id in after:
            assert after[image_id][1:] == tuple(facts), path
    assert check_saved_index(data) == "loaded"  # the clean exit saved an up-to-date index

    total_kills = sum(kills.values())
    assert total_kills >= 20, kills
    # No decoder process or fork server outlives a killed indexer.
    assert wait_for(lambda: not processes_with_env(str(data)), timeout=15), processes_with_env(str(data))
    print(
        f"\n{total_kills} kills {kills}, index opened {opened}, {len(disk)} photos, {time.monotonic() - started:.1f}s"
    )


def _key(path: str) -> str:
    from clipdesk.imaging import content_key

    return content_key(path)
