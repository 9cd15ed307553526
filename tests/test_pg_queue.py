"""The shared library's own guarantees on a real PostgreSQL + pgvector: the queue's claims and leases, one
folder mounted at different paths on two machines, and passwords never shown."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from clipdesk.catalog import CatalogError, EncodedImage
from clipdesk.catalog.postgres import PgCatalog, redact
from clipdesk.catalog.postgres.schema import SCHEMA_VERSION
from clipdesk.cli.commands import _unmapped_folders
from clipdesk.engine import Engine
from clipdesk.search import Filters, SearchRequest


def _queue(url: str, n: int = 10) -> PgCatalog:
    """A library with n pending photos under /photos on machine m1 (no files needed: the queue is rows)."""
    catalog = PgCatalog(url, "m1", worker_id="m1:setup:0")
    root = catalog.add_root("/photos")
    catalog.apply_scan_changes(pending=[(f"/photos/p{i:02d}.jpg", root.id, 100 + i, 1) for i in range(n)])
    catalog.mark_model("model")
    return catalog


def _encoded(claimed: list[tuple[int, str, int]]) -> list[EncodedImage]:
    rng = np.random.default_rng(0)
    out = []
    for _, path, root_id in claimed:
        vec = rng.normal(size=8).astype(np.float32)
        size = 100 + int(path[-6:-4])  # as _queue queued it: the same version of the file
        out.append(EncodedImage(path, root_id, size, 1, path, 4, 4, None, "JPEG", vec / np.linalg.norm(vec)))
    return out


def test_two_workers_claim_disjoint_batches(pg_url):
    _queue(pg_url, 10).close()
    a = PgCatalog(pg_url, "m1", worker_id="m1:a:1")
    b = PgCatalog(pg_url, "m1", worker_id="m1:b:2")
    first, second = a.claim_pending("model", 4), b.claim_pending("model", 4)
    assert len(first) == len(second) == 4
    assert not {i for i, _, _ in first} & {i for i, _, _ in second}
    rest = a.claim_pending("model", 10, after_id=max(i for i, _, _ in first))  # the same pass goes on
    assert len(rest) == 2  # what neither holds
    assert b.claim_pending("model", 10, after_id=max(i for i, _, _ in second)) == []
    written = a.commit_batch(_encoded(first), [], "model")
    assert set(written.values()) == {i for i, _, _ in first}
    assert a.counts()["indexed"] == 4
    a.close()
    b.close()


def test_expired_lease_is_reclaimed_and_the_late_commit_refused(pg_url):
    _queue(pg_url, 3).close()
    slow = PgCatalog(pg_url, "m1", worker_id="m1:slow:1")
    slow.lease_s = 0.5
    claimed = slow.claim_pending("model", 3)
    assert len(claimed) == 3
    other = PgCatalog(pg_url, "m1", worker_id="m1:other:2")
    assert other.claim_pending("model", 3) == []  # leased
    time.sleep(0.8)
    again = other.claim_pending("model", 3)
    assert [i for i, _, _ in again] == [i for i, _, _ in claimed]  # the lease ran out: back in the queue
    assert slow.commit_batch(_encoded(claimed), [], "model") == {}  # stale worker: refused, nothing written
    assert slow.counts()["indexed"] == 0
    assert len(other.commit_batch(_encoded(again), [], "model")) == 3
    assert other.counts() == {"indexed": 3, "pending": 0, "error": 0, "offline": 0, "total": 3}
    slow.close()
    other.close()


def test_clean_stop_gives_back_and_a_dead_local_worker_is_released(pg_url):
    _queue(pg_url, 4).close()
    stopping = PgCatalog(pg_url, "m1", worker_id="m1:stopping:1")
    assert len(stopping.claim_pending("model", 2)) == 2
    assert stopping.release_claims() == 2
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_id = f"m1:gone:{int(dead.stdout)}"  # a process of this machine that has ended
    assert len(PgCatalog(pg_url, "m1", worker_id=dead_id).claim_pending("model", 4)) == 4
    other_machine = PgCatalog(pg_url, "m2", worker_id="m2:x:1")
    assert other_machine.claim_pending("model", 4) == []  # m2 has no path for the folder: nothing it can read
    restarted = PgCatalog(pg_url, "m1", worker_id="m1:new:3")  # opening releases the dead worker's claims
    assert len(restarted.claim_pending("model", 4)) == 4


def test_one_folder_at_two_paths_on_two_machines(pg_url, engine_factory, make_library, tmp_path):
    here = make_library(6, name="mnt-here")
    there = tmp_path / "Volumes" / "photos"
    shutil.copytree(here, there)  # the same share, mounted elsewhere on the other machine (same sizes, times)
    first = engine_factory(tmp_path / "data-1", library=pg_url)
    first.add_root(here)
    assert first.index().encoded == 6
    second = engine_factory(tmp_path / "data-2", library=pg_url)
    assert second.catalog.machine_id != first.catalog.machine_id
    assert second.roots() == []  # not mapped on this machine yet
    name = first.catalog.root_name(first.roots()[0].id)
    assert _unmapped_folders(second) == [name] and _unmapped_folders(first) == []  # `clipdesk status` lists it
    second.add_root(there, name=name)
    report = second.index()
    assert (report.encoded, report.removed) == (0, 0)  # the other machine's work is reused as is
    probe = there / "sub1" / "img_0001.jpg"
    hits = second.search(SearchRequest(image=str(probe), limit=10)).hits
    assert hits[0].path == str(probe) and all(h.path.startswith(str(there)) for h in hits) and len(hits) == 6
    mine = first.search(SearchRequest(image=hits[0].id, limit=10)).hits
    assert mine[0].path == str(here / "sub1" / "img_0001.jpg") and len(mine) == 6
    under = second.search(SearchRequest(image=str(probe), filters=Filters(folders=(str(there / "sub0"),))))
    assert len(under.hits) == 2
    # The share unmounted on the second machine only: offline there, online here.
    os.rename(there, tmp_path / "unmounted")
    assert second.index().offline_roots == [str(there)]
    assert second.status().counts["offline"] == 6 and first.status().counts["offline"] == 0
    # Removing it on one machine only drops that machine's path while the other still uses it.
    assert second.remove_root(there) == 0 and second.roots() == []
    assert first.status().counts["indexed"] == 6 and first.remove_root(here) == 6
    assert first.status().counts["total"] == 0


def test_password_never_shown(pg_server, pg_url, tiny_model, tmp_path):
    secret = "s3cr3t-Pa55"
    pg_server.add_user("alice", secret)
    database = pg_url.rsplit("/", 1)[1].split("?")[0]
    url = pg_server.url(database, user="alice", password=secret)
    assert secret in url and secret not in redact(url) and "***" in redact(url)
    env = {**os.environ, "CLIPDESK_DATA_DIR": str(tmp_path / "data"), "CLIPDESK_MODEL": str(tiny_model)}
    env.pop("CLIPDESK_LIBRARY", None)
    status = subprocess.run(
        [sys.executable, "-m", "clipdesk", "--library", url, "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stderr
    assert secret not in status.stdout + status.stderr and '"library": "postgresql://alice:***@' in status.stdout
    # The server away: a clear message and exit code 9, never the password, never a traceback.
    pg_server.stop()
    try:
        down = subprocess.run(
            [sys.executable, "-m", "clipdesk", "--library", url, "status"], env=env, capture_output=True, text=True
        )
        assert down.returncode == 9, down.stderr
        assert "cannot be reached" in down.stderr and "Nothing was lost" in down.stderr
        assert secret not in down.stdout + down.stderr and "Traceback" not in down.stderr
        with pytest.raises(CatalogError) as caught:
            Engine(tmp_path / "data", str(tiny_model), library=url)
        assert caught.value.kind == "unreachable" and secret not in str(caught.value)
    finally:
        pg_server.start()


def test_migrations_run_once_and_a_server_restart_is_survived(pg_server, pg_url):
    opened: list[PgCatalog] = []
    threads = [
        threading.Thread(target=lambda i=i: opened.append(PgCatalog(pg_url, f"m{i}"))) for i in range(3)
    ]  # three machines starting at once on a new library: one of them migrates it
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 3
    catalog = opened[0]
    assert catalog.query("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    root = catalog.add_root("/x")
    pg_server.restart()
    assert catalog.roots() == [root]  # a read on a connection the restart dropped runs again on a new one
    pg_server.restart()
    catalog.set_meta("after", "restart")  # so does a write that had not begun
    assert opened[1].get_meta("after") == "restart"


def test_claiming_more_renews_the_leases_held(pg_url):
    _queue(pg_url, 4).close()
    busy = PgCatalog(pg_url, "m1", worker_id="m1:busy:1")
    busy.lease_s = 1.0
    first = busy.claim_pending("model", 2)
    other = PgCatalog(pg_url, "m1", worker_id="m1:other:2")
    for _ in range(3):  # a slow batch, with the worker asking for more meanwhile
        time.sleep(0.5)
        busy.claim_pending("model", 1, after_id=max(i for i, _, _ in first))
    assert not {i for i, _, _ in first} & {i for i, _, _ in other.claim_pending("model", 4)}
    assert len(busy.commit_batch(_encoded(first), [], "model")) == 2


def test_a_second_scan_of_the_same_share_leaves_queued_and_encoded_photos_alone(pg_url):
    catalog = _queue(pg_url, 3)
    worker = PgCatalog(pg_url, "m1", worker_id="m1:w:1")
    claimed = worker.claim_pending("model", 1)
    worker.commit_batch(_encoded(claimed), [], "model")
    held = worker.claim_pending("model", 1)
    # Another desktop scanned before these rows were visible to it: it reports the same files as new.
    root_id = catalog.roots()[0].id
    catalog.apply_scan_changes(pending=[(f"/photos/p{i:02d}.jpg", root_id, 100 + i, 1) for i in range(3)])
    assert catalog.counts()["indexed"] == 1  # not queued again
    assert len(worker.commit_batch(_encoded(held), [], "model")) == 1  # its lease was not taken away
    catalog.apply_scan_changes(pending=[("/photos/p00.jpg", root_id, 999, 2)])  # a changed file is queued again
    assert catalog.counts()["pending"] == 2


def test_a_new_pass_takes_back_what_a_failed_pass_of_the_same_worker_left_claimed(pg_url):
    _queue(pg_url, 4).close()
    worker = PgCatalog(pg_url, "m1", worker_id="m1:w:1")
    failed_pass = worker.claim_pending("model", 2)  # its commit never happened (the server went away)
    worker.claim_pending("model", 2, after_id=max(i for i, _, _ in failed_pass))  # still the same pass
    assert len(worker.claim_pending("model", 4)) == 4  # the next pass starts over: none stuck behind its own lease
    assert PgCatalog(pg_url, "m1", worker_id="m1:other:2").claim_pending("model", 4) == []  # and it holds them


def test_a_malformed_url_is_refused_without_quoting_its_password(tmp_path):
    """libpq quotes the bad part of a URL it cannot parse; with a raw % in a password that part
    is the password itself."""
    from clipdesk.catalog.postgres.connection import Connections

    with pytest.raises(CatalogError) as refused:
        Connections("postgresql://photos:s3cr%zzet@127.0.0.1:1/photos").connect()
    assert "s3cr" not in str(refused.value) and "zzet" not in str(refused.value)
    assert "could not be used" in str(refused.value)
