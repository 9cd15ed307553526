"""One indexer per catalog across processes: the engine's lock, held by a real second process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import make_photo

HOLDER = textwrap.dedent(
    """
    import sys, threading
    from clipdesk.engine import Engine

    engine = Engine(sys.argv[1], sys.argv[2])
    engine.start(watch=False)  # indexes in the background, holding the catalog's lock
    print("holding", flush=True)
    threading.Event().wait()  # until killed
    """
)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}


@pytest.fixture
def holder(tmp_path: Path, tiny_model: Path):
    """A second process with an engine that is indexing `data`; yields (data, process)."""
    data = tmp_path / "data"
    photos = tmp_path / "photos"
    make_photo(photos / "a.jpg", seed=1)
    from clipdesk.engine import Engine

    engine = Engine(data, str(tiny_model))
    engine.add_root(photos)
    engine.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data), str(tiny_model)],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        yield data, proc
    finally:
        proc.kill()
        proc.wait(30)


def test_a_second_process_cannot_index_until_the_first_dies(holder, tiny_model):
    from clipdesk.engine import Engine, IndexingBusy

    data, proc = holder
    r = subprocess.run(
        [sys.executable, "-m", "clipdesk", "index", "--data-dir", str(data), "--model", str(tiny_model)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 5 and "already indexing" in r.stderr, (r.returncode, r.stderr)

    engine = Engine(data, str(tiny_model))
    try:
        with pytest.raises(IndexingBusy):
            engine.start(watch=False)
        with pytest.raises(IndexingBusy):
            engine.index()
        assert not engine.index_lock.held

        proc.send_signal(signal.SIGKILL)  # no clean-up runs: the operating system drops the lock
        proc.wait(30)
        report = engine.index()
        assert engine.index_lock.held and report.errors == 0
    finally:
        engine.close()
    assert not engine.index_lock.held  # closing lets go of it


def test_the_lock_is_one_per_engine_and_released_on_close(tmp_path, tiny_model):
    from clipdesk.engine import Engine, IndexingBusy

    first = Engine(tmp_path / "data", str(tiny_model))
    second = Engine(tmp_path / "data", str(tiny_model))
    try:
        first.start(watch=False)
        with pytest.raises(IndexingBusy):  # a second engine, even in this process
            second.start(watch=False)
    finally:
        first.close()
    try:
        second.start(watch=False)
        assert second.index_lock.held
    finally:
        second.close()
