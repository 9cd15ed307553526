"""Shared by the backup, recovery, disk-full and move-data tests: catalogs with user-made rows,
real small filesystems (tmpfs, mounted by the test when it runs as root), page damage."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from clipdesk.catalog import Catalog, EncodedImage

DIM = 64


def batch(root_id: int, start: int, n: int, folder: str = "/photos", dim: int = DIM) -> list[EncodedImage]:
    rng = np.random.default_rng(start)
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return [
        EncodedImage(
            f"{folder}/{i:06d}.jpg", root_id, 1000 + i, i, f"k{i}", 640, 480, 1.6e9 + i, "JPEG", vecs[i - start]
        )
        for i in range(start, start + n)
    ]


def make_catalog(path: Path, photos: int = 600) -> Catalog:
    """A catalog with photos and user-made things: two folders (one with excludes), settings,
    and an album when the schema has albums. Left open."""
    catalog = Catalog(path)
    root = catalog.add_root("/photos", ["raw", "*.png"])
    catalog.add_root("/more-photos")
    catalog.set_meta("query_languages", "english")
    catalog.set_meta("model_setting", "/models/mine")
    for start in range(0, photos, 200):
        catalog.commit_batch(batch(root.id, start, min(200, photos - start)), [], "m")
    if hasattr(catalog, "add_album"):
        catalog.add_album("Beach days", "sand and sea")
    return catalog


def user_made(path: Path) -> dict[str, object]:
    """What people made, as plain values, read straight from a catalog file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        out: dict[str, object] = {
            "roots": conn.execute("SELECT path, excludes FROM roots ORDER BY path").fetchall(),
            "settings": conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('query_languages', 'model_setting') ORDER BY key"
            ).fetchall(),
        }
        if "albums" in tables:
            out["albums"] = conn.execute("SELECT name, description FROM albums ORDER BY name").fetchall()
        return out
    finally:
        conn.close()


def page_of(path: Path, name: str, leaf: bool = True) -> int:
    """A page number of table or index `name` (a leaf page, else its root), found with dbstat."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        kinds = ("leaf",) if leaf else ("internal", "leaf")
        marks = ",".join("?" * len(kinds))
        rows = conn.execute(
            f"SELECT pageno FROM dbstat WHERE name = ? AND pagetype IN ({marks}) ORDER BY pageno", (name, *kinds)
        ).fetchall()
    finally:
        conn.close()
    assert rows, f"no {kinds} pages for {name}"
    return int(rows[len(rows) // 2][0])


def damage_page(path: Path, page: int, seed: int = 1) -> None:
    """Overwrite one whole page with random bytes (page 1 holds the 100-byte header)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())


@contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A real small filesystem; the test is skipped (with the reason) where mounting is not allowed."""
    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def remount(mount_point: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mount_point)], check=True)


def fill(folder: Path) -> Path:
    """Fill the filesystem holding `folder` to the last byte."""
    ballast = folder / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for chunk in (1 << 20, 65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)
    return ballast
