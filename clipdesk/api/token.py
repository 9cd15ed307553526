"""The API's bearer token: made once per data dir, kept in `<data dir>/api-token`, readable by its owner only."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import time
from pathlib import Path

TOKEN_FILE = "api-token"
TOKEN_MODE = 0o600

log = logging.getLogger(__name__)


def token_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / TOKEN_FILE


def load_or_create_token(data_dir: str | os.PathLike[str]) -> str:
    """The stored token, or a new one. The file is created with O_EXCL and mode 0600 in one
    step (never world-readable, not even for a moment); a wrong mode found later is fixed."""
    path = token_path(data_dir)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, TOKEN_MODE)
    except FileExistsError:
        return _read_existing(path)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
        f.flush()
        os.fsync(f.fileno())
    return token


def _read_existing(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != TOKEN_MODE:
        log.warning("%s had mode %o; set to %o (only you may read it)", path, mode, TOKEN_MODE)
        os.chmod(path, TOKEN_MODE)
    # Another server may have just created the file and not written it yet: give it a moment.
    for _ in range(20):
        token = path.read_text(encoding="ascii", errors="replace").strip()
        if token:
            return token
        time.sleep(0.05)
    return _replace(path)  # empty for good (a crash between create and write): start over


def _replace(path: Path) -> str:
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, TOKEN_MODE)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return token
