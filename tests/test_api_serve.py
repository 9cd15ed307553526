"""`clipdesk serve` as a process: the token file, the command line, SIGTERM, and sharing a library
with another engine (indexer and follower), over real HTTP with the tiny random CLIP."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import make_photo

pytestmark = pytest.mark.timeout(240)

REPO = Path(__file__).resolve().parents[1]


# -- token and the command line --------------------------------------------------------------------


def test_token_is_made_once_private_and_its_mode_repaired(tmp_path: Path) -> None:
    from clipdesk.api import load_or_create_token, token_path

    token = load_or_create_token(tmp_path)
    assert len(token) >= 40 and stat.S_IMODE(token_path(tmp_path).stat().st_mode) == 0o600
    assert load_or_create_token(tmp_path) == token
    os.chmod(token_path(tmp_path), 0o644)
    assert load_or_create_token(tmp_path) == token
    assert stat.S_IMODE(token_path(tmp_path).stat().st_mode) == 0o600
    assert load_or_create_token(tmp_path / ".." / tmp_path.name) == token


def _cli(*args: str, data_dir: Path, model: Path | None = None, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "clipdesk", "--data-dir", str(data_dir)]
    if model is not None:
        command += ["--model", str(model)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([*command, *args], cwd=REPO, env=env, text=True, **kwargs)


def test_the_listening_socket_says_tcp_so_nagle_is_turned_off() -> None:
    """asyncio sets TCP_NODELAY only on sockets whose proto is TCP; without it every response
    waited ~40 ms for the client's delayed ACK (found by bench/api_load.py)."""
    import socket

    from clipdesk.api.server import listen

    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_show_token_and_remote_hosts_need_a_flag(tmp_path: Path) -> None:
    from clipdesk.api import load_or_create_token
    from clipdesk.api.server import is_loopback

    shown = _cli("serve", "--show-token", data_dir=tmp_path, stdout=subprocess.PIPE)
    out, _ = shown.communicate(timeout=60)
    assert shown.returncode == 0 and out.strip() == load_or_create_token(tmp_path)
    remote = _cli("serve", "--host", "0.0.0.0", data_dir=tmp_path, stderr=subprocess.PIPE)
    _, err = remote.communicate(timeout=60)
    assert remote.returncode == 2 and "--allow-remote" in err
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.com")


def _start_serving(data_dir: Path, model: Path, *extra: str) -> tuple[subprocess.Popen, str, httpx.Client]:
    server = _cli("serve", "--port", "0", *extra, data_dir=data_dir, model=model, stdout=subprocess.PIPE)
    assert server.stdout is not None
    line = server.stdout.readline()  # "Serving <dir> at http://127.0.0.1:PORT as the library's <role>."
    assert " at http://127.0.0.1:" in line, line
    url = line.split(" at ")[1].split()[0]
    from clipdesk.api import load_or_create_token

    client = httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {load_or_create_token(data_dir)}"}, timeout=60
    )
    return server, line, client


def _stop(server: subprocess.Popen) -> tuple[int, str]:
    server.send_signal(signal.SIGTERM)
    out, _ = server.communicate(timeout=60)
    return server.returncode, out


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_serve_indexes_then_stops_cleanly_on_sigterm(tmp_path: Path, tiny_model: Path, make_library) -> None:
    from clipdesk.catalog import Catalog
    from clipdesk.engine import Engine

    photos = make_library(6)
    data = tmp_path / "data"
    engine = Engine(data, str(tiny_model))
    engine.add_root(photos)
    engine.close()
    server, line, client = _start_serving(data, tiny_model)
    try:
        assert "as the library's indexer" in line
        _wait_for(lambda: client.get("/status").json()["counts"]["indexed"] == 6)
        assert len(client.get("/search", params={"q": "sunset"}).json()["results"]) == 6
    finally:
        client.close()
        code, out = _stop(server)
    assert code == 0 and "Stopped." in out
    catalog = Catalog(data / "catalog.sqlite3")
    try:  # the index was saved on the way out, covering everything in the catalog
        stem, watermark = catalog.saved_index()
        assert stem and watermark == catalog.change_seq() and (data / "index" / f"{stem}.hnsw").exists()
    finally:
        catalog.close()


def test_served_beside_a_watching_engine_new_photos_become_searchable(
    tmp_path: Path, tiny_model: Path, make_library, engine_factory
) -> None:
    """The app (or `index --watch`) holds the index lock and watches; the server follows it."""
    photos = make_library(5)
    data = tmp_path / "data"
    watcher = engine_factory(data)
    watcher.add_root(photos)
    watcher.start(watch=True)
    assert watcher.wait_idle(60)
    _wait_for(lambda: watcher.catalog.counts()["indexed"] == 5)
    server, line, client = _start_serving(data, tiny_model)
    try:
        assert "as the library's follower" in line
        _wait_for(lambda: client.get("/status").json()["model_state"] == "loaded")
        assert client.get("/status").json()["role"] == "follower"
        new = make_photo(photos / "new" / "arrival.png", seed=4242, fmt="PNG")
        _wait_for(lambda: watcher.catalog.image_by_path(str(new)) is not None)
        _wait_for(lambda: watcher.catalog.image_by_path(str(new)).status == "indexed")
        new_id = watcher.catalog.image_by_path(str(new)).id
        found = client.post("/search", files={"image": ("q.png", new.read_bytes(), "image/png")}).json()
        assert found["results"][0]["id"] == new_id
        assert len(client.get("/search", params={"q": "anything", "limit": 50}).json()["results"]) == 6
        # A photo the watcher forgets disappears from the follower's results too.
        gone = photos / "sub0" / "img_0000.jpg"
        gone_id = watcher.catalog.image_by_path(str(gone)).id
        gone.unlink()
        _wait_for(lambda: watcher.catalog.image_by_path(str(gone)) is None)
        ids = [h["id"] for h in client.get("/search", params={"q": "anything", "limit": 50}).json()["results"]]
        assert gone_id not in ids and new_id in ids and len(ids) == 5
    finally:
        client.close()
        code, _ = _stop(server)
    assert code == 0


def test_a_follower_writes_nothing_and_takes_over_when_the_indexer_leaves(make_library, engine_factory) -> None:
    from clipdesk.api import FOLLOWER, INDEXER, ServedLibrary

    photos = make_library(4)
    app = engine_factory()
    app.add_root(photos)
    app.start(watch=True)
    assert app.wait_idle(60)
    _wait_for(lambda: app.catalog.counts()["indexed"] == 4)
    app.store.save()
    saved = app.catalog.saved_index()
    files = sorted(p.name for p in (app.data_dir / "index").iterdir())

    follower = ServedLibrary(engine_factory(), watch=True, takeover_interval_s=0.2)
    follower.open()
    assert follower.role == FOLLOWER and follower.engine.store.read_only
    _wait_for(lambda: follower.engine.store.index is not None and len(follower.engine.store.index) == 4)
    follower.close()  # a follower's close saves nothing
    assert app.catalog.saved_index() == saved and sorted(p.name for p in (app.data_dir / "index").iterdir()) == files

    successor = ServedLibrary(engine_factory(), watch=True, takeover_interval_s=0.2)
    successor.open()
    assert successor.role == FOLLOWER
    app.close()  # the app quits: the lock is free
    _wait_for(lambda: successor.role == INDEXER, timeout=30)
    assert not successor.engine.store.read_only and successor.engine.index_lock.held
    make_photo(photos / "later" / "late.jpg", seed=777)
    _wait_for(
        lambda: (
            (r := successor.engine.catalog.image_by_path(str(photos / "later" / "late.jpg"))) is not None
            and r.status == "indexed"
        )
    )
    successor.close()
