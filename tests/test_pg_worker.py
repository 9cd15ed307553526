"""`clipdesk worker`: machines encode a shared library's queue together, each photo once, and stop cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from clipdesk.engine import Engine


def _env(tmp_path, tiny_model, name: str) -> dict[str, str]:
    env = {**os.environ, "CLIPDESK_DATA_DIR": str(tmp_path / name), "CLIPDESK_MODEL": str(tiny_model)}
    env.pop("CLIPDESK_LIBRARY", None)
    return env


def test_worker_scans_and_encodes_once(pg_url, make_library, tiny_model, tmp_path):
    root = make_library(6)
    env = _env(tmp_path, tiny_model, "data")
    cmd = [sys.executable, "-m", "clipdesk", "--library", pg_url]
    added = subprocess.run([*cmd, "add", str(root)], env=env, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    done = subprocess.run([*cmd, "worker", "--scan", "--once"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Encoded 6 photos" in done.stdout and "Worker stopped; 6 photos encoded." in done.stdout
    plain = subprocess.run([sys.executable, "-m", "clipdesk", "worker"], env=env, capture_output=True, text=True)
    assert plain.returncode == 2 and "--library" in plain.stderr  # a worker needs a shared library


def test_two_workers_share_the_queue_and_stop_on_sigterm(pg_url, make_library, tiny_model, tmp_path):
    n = 48
    root = make_library(n)
    env = _env(tmp_path, tiny_model, "data")
    cmd = [sys.executable, "-m", "clipdesk", "--library", pg_url]
    assert subprocess.run([*cmd, "add", str(root)], env=env, capture_output=True).returncode == 0
    engine = Engine(tmp_path / "data", str(tiny_model), library=pg_url)
    try:
        engine.indexer.reconcile()  # queue them: the workers only encode
        assert engine.status().counts["pending"] == n
        workers = [
            subprocess.Popen(
                [*cmd, "worker", "--poll", "0.2", "--batch-size", "4"],
                env={**env, "CLIPDESK_DECODE": "thread"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        deadline = time.monotonic() + 240
        while engine.status().counts["indexed"] < n and time.monotonic() < deadline:
            time.sleep(0.3)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=60) for worker in workers]
        assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
        encoded = [int(re.search(r"Worker stopped; (\d+) photos encoded", out).group(1)) for out, _ in outputs]
        assert sum(encoded) == n  # each photo encoded once, by one of them
        assert engine.status().counts == {"indexed": n, "pending": 0, "error": 0, "offline": 0, "total": n}
        assert not engine.catalog.query("SELECT 1 FROM photos WHERE claimed_by IS NOT NULL")
    finally:
        engine.close()


def test_local_data_commands_refuse_a_shared_library(pg_url, tiny_model, tmp_path):
    env = _env(tmp_path, tiny_model, "data")
    for command in (["backup"], ["restore"], ["recover", "--salvage"], ["move-data", str(tmp_path / "elsewhere")]):
        done = subprocess.run(
            [sys.executable, "-m", "clipdesk", "--library", pg_url, *command], env=env, capture_output=True, text=True
        )
        assert done.returncode == 2 and "shared library lives on its server" in done.stderr, (command, done.stderr)
