"""The shared library (PostgreSQL + pgvector) under failure: real server, real `clipdesk` processes.

Two "machines" are two data folders (each has its own machine id): machine A adds the photo folder,
machine B sees the same photos at another path (hard links: a share mounted elsewhere) and maps it
with `add PATH --as NAME`. Every write of an embedding is recorded by a trigger added to the test
database (`encode_log`: photo, the worker that held its lease), so "each photo encoded exactly once"
is counted from what the server actually committed, not from what the workers say.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from conftest import make_photo

from .util import clean_env, wait_for

PHOTOS = 48
ROOT_NAME = "share"
LOGS: dict[int, Path] = {}  # pid of a started clipdesk -> its output file

COMMIT_LOG = """
CREATE TABLE encode_log (photo_id BIGINT NOT NULL, worker TEXT, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
CREATE FUNCTION log_encode() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO encode_log(photo_id, worker) VALUES (NEW.id, OLD.claimed_by);
    RETURN NEW;
END $$;
CREATE TRIGGER log_encode AFTER UPDATE OF embedding ON photos
    FOR EACH ROW WHEN (NEW.embedding IS NOT NULL AND OLD.embedding IS DISTINCT FROM NEW.embedding)
    EXECUTE FUNCTION log_encode();
"""


class Library:
    """A shared library on the test server, its photo folder, and the two machines' data folders."""

    def __init__(self, url: str, model: Path, tmp: Path) -> None:
        self.url, self.model, self.tmp = url, model, tmp
        self.folder_a = tmp / "nas" / ROOT_NAME
        for i in range(PHOTOS):
            make_photo(self.folder_a / f"{i // 16:02d}" / f"IMG_{i:04d}.jpg", seed=1000 + i, size=(160, 120))
        self.folder_b = tmp / "mnt-b" / ROOT_NAME
        shutil.copytree(self.folder_a, self.folder_b, copy_function=os.link)
        self.data = {"A": tmp / "machine-a", "B": tmp / "machine-b"}

    def env(self, machine: str) -> dict[str, str]:
        return clean_env(
            CLIPDESK_DATA_DIR=str(self.data[machine]),
            CLIPDESK_MODEL=str(self.model),
            CLIPDESK_VOCABULARY_DIR=os.environ["CLIPDESK_VOCABULARY_DIR"],  # the small test vocabulary
        )

    def cli(self, machine: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "clipdesk", "--library", self.url, *args],
            capture_output=True,
            text=True,
            env=self.env(machine),
            timeout=timeout,
            cwd="/",
        )

    def start(self, machine: str, *args: str) -> subprocess.Popen[str]:
        log = self.tmp / f"{machine}-{args[0]}-{time.monotonic_ns()}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "clipdesk", "--library", self.url, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                env=self.env(machine),
                cwd="/",
            )
        LOGS[proc.pid] = log
        return proc

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(sql, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def counts(self) -> dict[str, int]:
        return dict(self.query("SELECT status, count(*) FROM photos GROUP BY status"))  # type: ignore[arg-type]

    def commits(self) -> dict[int, int]:
        """photo id -> how many times an embedding was written for it."""
        return dict(self.query("SELECT photo_id, count(*) FROM encode_log GROUP BY photo_id"))  # type: ignore[arg-type]

    def setup_two_machines(self) -> None:
        done = self.cli("A", "add", str(self.folder_a))
        assert done.returncode == 0, done.stderr
        done = self.cli("B", "add", str(self.folder_b), "--as", ROOT_NAME)
        assert done.returncode == 0, done.stderr
        self.query(COMMIT_LOG)


def output(proc: subprocess.Popen[str]) -> str:
    """What a started clipdesk printed so far (stdout and stderr)."""
    return LOGS[proc.pid].read_text(errors="replace")


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 60) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout)


@pytest.fixture
def library(pg_url: str, tiny_model: Path, tmp_path: Path) -> Library:
    lib = Library(pg_url, tiny_model, tmp_path)
    lib.setup_two_machines()
    return lib


def assert_each_encoded_once(lib: Library) -> None:
    ids = {row[0] for row in lib.query("SELECT id FROM photos")}
    assert len(ids) == PHOTOS
    assert lib.counts() == {"indexed": PHOTOS}
    commits = lib.commits()
    twice = {photo: n for photo, n in commits.items() if n > 1}
    assert not twice, f"photos whose embedding was written more than once: {twice}"
    assert set(commits) == ids


HELD = "SELECT id, claimed_by FROM photos WHERE claimed_by IS NOT NULL AND status = 'pending'"


def freeze_holding_a_batch(lib: Library, proc: subprocess.Popen[str]) -> list[tuple]:
    """Stop (SIGSTOP) `proc` at a moment it holds a claimed, uncommitted batch, and return that batch.
    Frozen first, then looked at: a kill right after seeing a claimed batch could land after its commit."""
    held: list[tuple] = []

    def frozen_holding() -> bool:
        nonlocal held
        if not lib.query(HELD):
            return False
        proc.send_signal(signal.SIGSTOP)
        held = lib.query(HELD)
        if not held:
            proc.send_signal(signal.SIGCONT)
        return bool(held)

    assert wait_for(frozen_holding, timeout=60, step=0.02), output(proc)
    return held


def test_killed_worker_batch_returns_after_its_lease_and_each_photo_is_encoded_once(library: Library) -> None:
    lib = library
    indexer = lib.start("A", "index", "--batch-size", "4")
    try:
        # Mid-run: some photos committed, a batch leased to A and not committed yet.
        assert wait_for(lambda: len(lib.commits()) >= 4, timeout=180, step=0.1), output(indexer)
        held = freeze_holding_a_batch(lib, indexer)
    finally:
        stop(indexer, signal.SIGKILL)
    assert held, "the killed worker held no batch"
    dead_worker = held[0][1]

    # Machine B's worker respects the dead worker's lease: it encodes everything else, not that batch
    # (checked while the lease runs: on a slow machine B's start alone may outlast it).
    done = lib.cli("B", "worker", "--once")
    assert done.returncode == 0, done.stderr
    lease_running = lib.query("SELECT bool_and(lease_until > now()) FROM photos WHERE claimed_by = %s", (dead_worker,))
    if lease_running[0][0]:
        pending = {row[0] for row in lib.query("SELECT id FROM photos WHERE status = 'pending'")}
        assert pending == {row[0] for row in held}

    # Ten minutes later (the lease moved to the past instead of waiting): B takes the batch back.
    lib.query("UPDATE photos SET lease_until = now() - interval '1 second' WHERE claimed_by = %s", (dead_worker,))
    done = lib.cli("B", "worker", "--once")
    assert done.returncode == 0, done.stderr
    assert_each_encoded_once(lib)


def test_a_restarted_machine_takes_back_its_dead_workers_batch_at_once(library: Library) -> None:
    lib = library
    indexer = lib.start("A", "index", "--batch-size", "4")
    try:
        assert wait_for(lambda: len(lib.commits()) >= 4, timeout=180, step=0.1), output(indexer)
        assert freeze_holding_a_batch(lib, indexer)
    finally:
        stop(indexer, signal.SIGKILL)
    # The same machine knows its worker's process is gone: no waiting for the lease.
    done = lib.cli("A", "index")
    assert done.returncode == 0, done.stderr
    assert_each_encoded_once(lib)


def polling_workers(lib: Library) -> int:
    """Workers whose model is loaded: their connection's last statement looked at the queue's leases."""
    rows = lib.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND query LIKE %s",
        ("%lease_until%",),
    )
    return int(rows[0][0])


def test_two_workers_on_one_root_never_encode_a_photo_twice(library: Library) -> None:
    lib = library
    workers = [lib.start(m, "worker", "--poll", "0.1", "--batch-size", "2") for m in ("A", "B")]
    try:
        # Both are waiting on the empty queue, model loaded, before any photo is queued.
        assert wait_for(lambda: polling_workers(lib) >= 2, timeout=180, step=0.2), [output(w) for w in workers]
        done = lib.cli("A", "index", "--batch-size", "2")  # scans and queues; encodes beside them
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: lib.counts() == {"indexed": PHOTOS}, timeout=120, step=0.2), lib.counts()
    finally:
        statuses = [stop(w) for w in workers]
    assert statuses == [0, 0], [output(w) for w in workers]
    assert_each_encoded_once(lib)
    by_worker = dict(lib.query("SELECT worker, count(*) FROM encode_log GROUP BY worker"))  # type: ignore[arg-type]
    assert len(by_worker) >= 2, f"the workers should have shared the queue: {by_worker}"
    assert all("Worker stopped" in output(w) for w in workers)


def test_server_restarted_mid_index_clients_reconnect_and_resume(library: Library, pg_server) -> None:
    lib = library
    worker_b = lib.start("B", "worker", "--poll", "0.2", "--batch-size", "4")
    # Once it waits on the queue: an outage while it still loads its model ends it (exit 9), a later one not.
    assert wait_for(lambda: polling_workers(lib) >= 1, timeout=180, step=0.2), output(worker_b)
    indexer = lib.start("A", "index", "--batch-size", "4")
    try:
        assert wait_for(lambda: len(lib.commits()) >= 4, timeout=180, step=0.1), output(indexer)
        pg_server.crash()  # like a power cut to the server: open transactions are lost, committed work is not
        time.sleep(8)  # longer than one retry on a new connection: `index` has to wait for the server
        pg_server.start()
        indexer.wait(240)
        # `index` waits for the server (up to two minutes), reconnects and finishes the run.
        assert indexer.returncode == 0, output(indexer)
        assert "Traceback" not in output(indexer)
        if "cannot be reached" in output(indexer):  # (unless the outage fell between two of its statements)
            assert "reachable again" in output(indexer), output(indexer)
        # The worker rode through the outage and keeps serving the queue.
        assert wait_for(lambda: lib.counts() == {"indexed": PHOTOS}, timeout=180, step=0.2), (
            lib.counts(),
            output(worker_b),
        )
        assert worker_b.poll() is None, output(worker_b)
    finally:
        stop(indexer, signal.SIGKILL)
        worker_status = stop(worker_b)
    assert worker_status == 0, output(worker_b)
    assert "Traceback" not in output(worker_b)
    assert_each_encoded_once(lib)
    found = lib.cli("A", "search", "photo", "-k", "5", "--json")
    assert found.returncode == 0, found.stderr


def test_server_unreachable_at_start_is_a_clear_state_and_nothing_is_lost(
    pg_url: str, pg_server, tiny_model: Path, tmp_path: Path
) -> None:
    pg_server.add_user("photos_user", "pa55-secret")
    database = pg_url.rsplit("/", 1)[1]
    lib = Library(pg_server.url(database, "photos_user", "pa55-secret"), tiny_model, tmp_path)
    done = lib.cli("A", "add", str(lib.folder_a))
    assert done.returncode == 0, done.stderr
    done = lib.cli("A", "index")
    assert done.returncode == 0, done.stderr
    before = lib.counts()

    pg_server.stop()
    try:
        for args in (("status",), ("search", "a dog"), ("index",)):
            done = lib.cli("A", *args)
            assert done.returncode == 9, (args, done.returncode, done.stdout, done.stderr)
            assert "cannot be reached" in done.stderr and "Nothing was lost" in done.stderr, done.stderr
            assert "Traceback" not in done.stderr
            assert "pa55-secret" not in done.stdout + done.stderr
        # A worker started now says so clearly: it waits for the server, or exits 9 for its supervisor.
        worker = lib.start("B", "worker", "--poll", "0.2")
        assert wait_for(lambda: "Retrying" in output(worker) or worker.poll() is not None, timeout=120), output(worker)
        assert worker.poll() in (None, 9), output(worker)
        assert "cannot be reached" in output(worker) and "Traceback" not in output(worker), output(worker)
        assert "pa55-secret" not in output(worker)
    finally:
        pg_server.start()
    try:
        new_photo = make_photo(lib.folder_a / "new" / "IMG_9999.jpg", seed=9999, size=(160, 120))
        done = lib.cli("A", "index")  # queues the new photo; A or the waiting worker B encodes it
        assert done.returncode == 0, done.stderr
        assert wait_for(lambda: lib.counts() == {"indexed": PHOTOS + 1}, timeout=120, step=0.2), lib.counts()
        assert before == {"indexed": PHOTOS}
        status = lib.cli("A", "status")
        assert status.returncode == 0 and "pa55-secret" not in status.stdout + status.stderr, status.stdout
        assert new_photo.name in lib.cli("A", "search", "photo", "-k", "100").stdout
        if worker.poll() is None:
            assert wait_for(lambda: "reachable again" in output(worker), timeout=60), output(worker)
    finally:
        stop(worker)
    assert "Traceback" not in output(worker)
