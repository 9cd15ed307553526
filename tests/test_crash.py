"""Kill the indexer with SIGKILL mid-run and restart: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import make_photo
from test_cli import main_in_process


def _count_indexed(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM images WHERE status = 'indexed'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_sigkill_mid_index_then_restart(tmp_path, tiny_model):
    photos = tmp_path / "photos"
    n = 96  # each run is killed 12, 24 and 36 photos in (72 in all): the restart still has work left
    for i in range(n):
        make_photo(photos / f"d{i % 4}" / f"p{i:03d}.jpg", seed=1000 + i)
    data = tmp_path / "data"
    env = {**os.environ, "CLIPDESK_DATA_DIR": str(data), "CLIPDESK_MODEL": str(tiny_model)}
    cmd = [sys.executable, "-m", "clipdesk"]
    # Adding the folder is set-up, not what is killed: in this process (no interpreter start).
    assert main_in_process(["add", str(photos)], data, tiny_model).returncode == 0

    db = data / "catalog.sqlite3"
    kills = 0
    for attempt in range(3):  # kill at three different depths into the run
        proc = subprocess.Popen(
            [*cmd, "index", "--batch-size", "4"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        start = _count_indexed(db)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count_indexed(db) < start + 12 * (attempt + 1):
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1
    before_restart = _count_indexed(db)
    assert 0 < before_restart < n

    # The restart opens the catalog afresh; in this process, as the killed ones are what is tested.
    same_env = {k: v for k, v in env.items() if k.startswith("CLIPDESK_")}  # the vocabulary folder, as above
    r = main_in_process(["index"], data, tiny_model, env_extra=same_env)
    assert r.returncode == 0, r.stderr
    # No finished work is redone: the restart encodes exactly what was missing.
    assert f"Indexed {n - before_restart} new" in r.stdout, (before_restart, r.stdout)

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT path, status FROM images").fetchall()
    conn.close()
    paths = [p for p, _ in rows]
    assert len(paths) == len(set(paths)) == n  # every image present once
    assert {s for _, s in rows} == {"indexed"}

    from clipdesk.engine import Engine

    engine = Engine(data, str(tiny_model))
    try:
        engine.load_model()
        assert engine.store.index.ids() == set(engine.catalog.live_vector_ids(engine.model_id).tolist())
        assert len(engine.store.index) == n
    finally:
        engine.close()
