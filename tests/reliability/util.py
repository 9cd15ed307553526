"""Helpers for the reliability tests: a fork server to kill the indexer cheaply, catalog and
tree snapshots, read-only bind mounts, and running commands as an unprivileged user.

Tests run as root here, and root ignores file permissions, so "read-only" means a read-only
bind mount (root cannot write through it either) and "no permission" means running the
command as `nobody` (setpriv)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETPRIV = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def wait_for(predicate, timeout: float = 30.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without clipdesk settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def run_cli(
    args: list[str],
    data: Path,
    model: Path | str | None,
    *,
    env_extra: dict | None = None,
    prefix: list[str] | None = None,
    python: str | None = None,
    timeout: float = 240,
) -> subprocess.CompletedProcess:
    env = clean_env(CLIPDESK_DATA_DIR=str(data), **({"CLIPDESK_MODEL": str(model)} if model else {}))
    env.update(env_extra or {})
    return subprocess.run(
        [*(prefix or []), python or sys.executable, "-m", "clipdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd="/",
    )


def unprivileged_python() -> tuple[str, str] | None:
    """(interpreter, PYTHONPATH) with which `nobody` can run clipdesk and start child processes
    of the same interpreter. This venv's python may live under /root, which `nobody` cannot
    enter; the system python of the same version with the venv's packages on PYTHONPATH works."""
    import sysconfig

    check = "import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', 'import numpy, PIL']))"
    packages = sysconfig.get_paths()["purelib"]
    candidates = [
        (sys.executable, str(REPO)),
        (f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}", f"{REPO}:{packages}"),
    ]
    for python, path in candidates:
        if not os.path.exists(python):
            continue
        env = clean_env(PYTHONPATH=path, HOME="/tmp")
        try:
            r = subprocess.run([*SETPRIV, python, "-c", check], env=env, capture_output=True, timeout=60, cwd="/")
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0:
            return python, path
    return None


# -- a fork server: torch is imported once, each `clipdesk` run is a cheap fork --------------------


class KillServer:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("killserver.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd="/",
        )
        line = self.proc.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            raise RuntimeError("kill server did not start")

    def run(
        self, argv: list[str], env: dict[str, str], log: Path, kill_after: float | None = None, timeout: float = 240
    ) -> dict:
        req = {"argv": argv, "env": env, "log": str(log), "kill_after": kill_after, "timeout": timeout}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("kill server died")
        return json.loads(line)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- catalog facts --------------------------------------------------------------------------------


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, timeout=30)


def integrity(db: Path) -> str:
    conn = connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def indexed_rows(db: Path) -> dict[int, tuple]:
    """id -> (path, vec_seq, indexed_at, embedding digest) of every indexed image."""
    if not db.exists():
        return {}
    conn = connect(db)
    try:
        rows = conn.execute("SELECT id, path, vec_seq, indexed_at, embedding FROM images WHERE status = 'indexed'")
        return {r[0]: (r[1], r[2], r[3], hashlib.blake2b(r[4] or b"", digest_size=8).hexdigest()) for r in rows}
    finally:
        conn.close()


def catalog_paths(db: Path, status: str | None = None) -> list[str]:
    conn = connect(db)
    try:
        if status:
            return [r[0] for r in conn.execute("SELECT path FROM images WHERE status = ?", (status,))]
        return [r[0] for r in conn.execute("SELECT path FROM images")]
    finally:
        conn.close()


def meta(db: Path) -> dict[str, str]:
    conn = connect(db)
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    finally:
        conn.close()


def check_saved_index(data: Path) -> str:
    """The index pair SQLite names is whole and matches its watermark; then a copy of the data
    dir opens to exactly the catalog's live ids. Returns how it opened (loaded/caught up/rebuilt)."""
    from clipdesk.catalog import Catalog
    from clipdesk.index import IndexStore
    from clipdesk.index.hnsw import VectorIndex

    db = data / "catalog.sqlite3"
    info = meta(db)
    stem = info.get("index_stem")
    if stem:
        index, side = VectorIndex.load(data / "index" / stem)  # raises if torn
        assert int(side["watermark"]) == int(info["index_watermark"]), (side, info)
        assert side["model_id"] == info.get("model_id")
    if not info.get("model_dim"):
        return "no model yet"
    with tempfile.TemporaryDirectory(prefix="clipdesk-open-") as tmp:
        copy = Path(tmp)
        for name in ("catalog.sqlite3", "catalog.sqlite3-wal", "catalog.sqlite3-shm"):
            if (data / name).exists():
                shutil.copy2(data / name, copy / name)
        if (data / "index").exists():
            shutil.copytree(data / "index", copy / "index")
        catalog = Catalog(copy / "catalog.sqlite3")
        try:
            store = IndexStore(catalog, copy / "index")
            index = store.open(info["model_id"], int(info["model_dim"]))
            live = set(catalog.live_vector_ids(info["model_id"]).tolist())
            assert index.ids() == live, (len(index.ids()), len(live))
            return store.last_open
        finally:
            catalog.close()


# -- the photo tree --------------------------------------------------------------------------------


def tree_snapshot(root: Path) -> dict[str, tuple]:
    """Everything about a tree a writer could change: names, types, sizes, mtimes, ctimes (chmod,
    chown, xattrs, renames all change a ctime), modes, inodes, content hashes, link targets."""
    out: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files, "."] if folder == str(root) else [*dirs, *files]:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            kind = (
                "link"
                if stat.S_ISLNK(st.st_mode)
                else "dir"
                if stat.S_ISDIR(st.st_mode)
                else "file"
                if stat.S_ISREG(st.st_mode)
                else "special"
            )  # never open a pipe
            digest = None
            if kind == "link":
                digest = os.readlink(path)
            elif kind == "file":
                try:
                    with open(path, "rb") as fh:
                        digest = hashlib.blake2b(fh.read(), digest_size=16).hexdigest()
                except OSError as exc:
                    digest = f"unreadable: {exc.errno}"
            rel = os.path.relpath(path, root)
            out[rel] = (
                kind,
                st.st_size if kind != "dir" else None,
                st.st_mtime_ns,
                st.st_ctime_ns,
                st.st_mode,
                st.st_ino,
                st.st_uid,
                st.st_gid,
                digest,
            )
    return out


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only_view(source: Path, view: Path) -> Iterator[bool]:
    """Mount `source` read-only at `view` (a bind mount: root cannot write through it either);
    the test keeps changing `source`, the app only ever sees `view`. Yields False (and a plain
    symlink-free copy of the path, `view` bound read-write is not attempted) if mounting is
    impossible here."""
    view.mkdir(parents=True, exist_ok=True)
    mounted = _mount("--bind", str(source), str(view))
    ro = mounted and _mount("-o", "remount,ro,bind", str(view))
    try:
        yield ro
    finally:
        if mounted and subprocess.run(["umount", str(view)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(view)], capture_output=True)


def can_bind_mount() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        src, view = Path(tmp) / "s", Path(tmp) / "v"
        src.mkdir()
        with read_only_view(src, view) as ok:
            if not ok:
                return False
            try:
                (view / "probe").write_text("x")
            except OSError:
                return True
            return False


def setpriv_works() -> bool:
    try:
        r = subprocess.run([*SETPRIV, "id", "-u"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and r.stdout.strip() not in ("", "0")


def processes_with_env(marker: str) -> list[int]:
    """Live processes whose environment mentions `marker` (e.g. a unique data dir): orphans."""
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if marker.encode() in fh.read():
                    with open(f"/proc/{entry}/stat") as st:
                        if st.read().split(")")[-1].split()[0] != "Z":
                            found.append(int(entry))
        except OSError:
            continue
    return found


def give_to_nobody(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["chown", "-R", "nobody:nogroup", str(path)], check=True)
    return path


def world_readable_copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    subprocess.run(["chmod", "-R", "a+rX", str(dest)], check=True)
    return dest
