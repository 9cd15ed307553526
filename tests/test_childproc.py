"""The helper processes start the same way from a checkout and from the standalone build, where
sys.executable is clipdesk itself (no `-c`): simulated here with a launcher that runs the build's
entry point (packaging/clipdesk_main.py), as the frozen binary would."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from clipdesk.imaging.pool import DecodePool
from clipdesk.index import RemoteVectorIndex

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["checkout", "standalone"])
def launcher(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "standalone":
        binary = tmp_path / "clipdesk"
        binary.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "packaging" / "clipdesk_main.py"}" "$@"\n')
        binary.chmod(0o755)
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        monkeypatch.setattr(sys, "executable", str(binary))
    return request.param


def test_decoders_and_the_index_process_start_in_both_builds(launcher: str) -> None:
    pool = DecodePool(1)
    try:
        child_pid = pool.submit(os.getpid).result(timeout=60)
    finally:
        pool.shutdown()
    assert child_pid != os.getpid() and pool.crashes == 0

    index = RemoteVectorIndex.create(8)
    try:
        vectors = np.eye(8, dtype=np.float32)
        index.add(np.arange(8), vectors)
        ids, _scores = index.search(vectors[3], 1)
        assert list(ids) == [3]
    finally:
        index.close()


def test_an_ordinary_command_line_is_not_taken_for_a_child() -> None:
    from clipdesk.childproc import run_child

    assert not run_child(["clipdesk", "search", "dog"])
    with pytest.raises(SystemExit):
        run_child(["clipdesk", "--clipdesk-child", "os:system", "true"])  # only clipdesk's own helpers
