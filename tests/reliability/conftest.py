"""Fixtures for the reliability tests: read-only views of photo folders, and a scratch folder
the unprivileged user (`nobody`) can reach (pytest's own tmp dirs are private to root)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .util import SETPRIV, read_only_view, setpriv_works, unprivileged_python


@pytest.fixture
def ro_view(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """ro_view(source) -> a read-only bind mount of `source`: the app indexes and watches that
    view (it could not write there even as root), the test changes `source` underneath. Where
    mounting is impossible the source itself is returned and `ro_view.read_only` is False."""
    stack = contextlib.ExitStack()
    state = {"read_only": True}

    def _view(source: Path) -> Path:
        view = tmp_path / f"ro-{source.name}"
        ok = stack.enter_context(read_only_view(source, view))
        if not ok:
            state["read_only"] = False
            view.rmdir()
            return source
        return view

    _view.state = state  # type: ignore[attr-defined]
    with stack:
        yield _view


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A scratch folder outside pytest's private tmp dirs, reachable by `nobody`; skipped if
    commands cannot be run as an unprivileged user here."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    if not setpriv_works():
        pytest.skip(f"cannot run commands as an unprivileged user ({' '.join(SETPRIV)} failed)")
    if unprivileged_python() is None:
        pytest.skip("no Python interpreter the unprivileged user can run with this venv's packages")
    base = Path(tempfile.mkdtemp(prefix="clipdesk-rel-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for folder, dirs, _ in os.walk(base):  # unreadable folders the test made, so rmtree works
            for d in dirs:
                p = os.path.join(folder, d)
                if not os.path.islink(p):
                    os.chmod(p, stat.S_IRWXU)
        shutil.rmtree(base, ignore_errors=True)
