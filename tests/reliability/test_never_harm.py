"""Never harming the user: photo folders are only ever read, symlinks never lead outside a root
or into a loop, nothing reaches the network except an explicit model download, model weights
come from safetensors, and nothing in the library is ever unpickled.

"Only ever read" is shown three ways: the app works through a read-only bind mount (even
root cannot write there), an audit hook records any write the app's code even attempts on a
photo folder, and a snapshot of every path, size, mtime, ctime, mode, inode and content hash
is identical before and after. The CLI cycle runs as `nobody` against a tree it cannot write."""

from __future__ import annotations

import json
import os
import pickle
import sys
import threading

import pytest
from conftest import make_photo

from clipdesk.search import SearchRequest

from . import corpus
from .util import (
    REPO,
    SETPRIV,
    give_to_nobody,
    run_cli,
    tree_snapshot,
    unprivileged_python,
    wait_for,
    world_readable_copy,
)

# -- an in-process audit of write attempts ---------------------------------------------------------

_GUARDED: list[str] = []  # folders no write may touch while a test is running
_ATTEMPTS: list[tuple[str, str, str]] = []
_TEST_THREAD: list[int] = []  # the test's own writes (it changes the library on purpose) are not the app's
_WRITE_EVENTS = {
    "os.rename": 2,
    "os.replace": 2,
    "os.remove": 1,
    "os.rmdir": 1,
    "os.mkdir": 1,
    "os.chmod": 1,
    "os.chown": 1,
    "os.utime": 1,
    "os.truncate": 1,
    "os.symlink": 2,
    "os.link": 2,
    "os.setxattr": 1,
    "os.removexattr": 1,
    "shutil.rmtree": 1,
    "shutil.move": 2,
    "shutil.copyfile": 2,
}


def _guarded(path) -> str | None:
    try:
        text = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return None
    for folder in _GUARDED:
        if text == folder or text.startswith(folder + os.sep):
            return text
    return None


def _audit(event: str, args: tuple) -> None:
    if not _GUARDED or threading.get_ident() in _TEST_THREAD:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], (args[2] if len(args) > 2 else 0)
        writing = (mode and any(c in str(mode) for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        )
        path = _guarded(args[0]) if writing else None
        if path:
            _ATTEMPTS.append((event, path, threading.current_thread().name))
    elif event in _WRITE_EVENTS:
        for arg in args[: _WRITE_EVENTS[event]]:
            path = _guarded(arg) if isinstance(arg, (str, bytes, os.PathLike)) else None
            if path:
                _ATTEMPTS.append((event, path, threading.current_thread().name))


_INSTALLED: list[bool] = []


@pytest.fixture
def write_audit():
    if not _INSTALLED:
        sys.addaudithook(_audit)  # cannot be removed: inert whenever _GUARDED is empty
        _INSTALLED.append(True)
    _ATTEMPTS.clear()
    yield _GUARDED, _ATTEMPTS
    _GUARDED.clear()
    _TEST_THREAD.clear()


def test_the_app_only_ever_reads_photo_folders(tmp_path, engine_factory, ro_view, write_audit):
    guarded, attempts = write_audit
    source = tmp_path / "library"
    corpus.build(source, with_long_path=False)
    for i in range(6):
        make_photo(source / "trip" / f"p{i}.jpg", seed=300 + i)
    (source / ".hidden").mkdir()
    make_photo(source / ".hidden" / "h.jpg", seed=399)
    view = ro_view(source)
    before = tree_snapshot(source)
    guarded += [str(source), str(view)]

    engine = engine_factory(batch_size=8, settle_s=0.2)
    engine.add_root(view)
    engine.index()
    assert engine.catalog.counts()["indexed"] > 40
    some = str(view / "trip" / "p1.jpg")
    assert engine.search(SearchRequest(text="a beach", limit=5)).hits
    assert engine.search(SearchRequest(image=some, limit=3)).hits[0].path == some
    assert engine.search(SearchRequest(text="red", image=str(view / "trip" / "p2.jpg"), limit=3)).hits
    engine.status(error_limit=None)
    engine.start(watch=True)
    # The watcher sees the library change (the test writes through the real path; its own
    # writes are not the app's) and the app catches up without writing anything itself.
    _TEST_THREAD.append(threading.get_ident())
    make_photo(source / "trip" / "new.jpg", seed=398)
    os.rename(source / "trip" / "p0.jpg", source / "trip" / "p0 renamed.jpg")
    assert wait_for(
        lambda: (
            engine.catalog.image_by_path(str(view / "trip" / "new.jpg")) is not None
            and engine.catalog.image_by_path(str(view / "trip" / "p0 renamed.jpg")) is not None
        )
    )
    assert engine.wait_idle(60)
    os.rename(source / "trip" / "p0 renamed.jpg", source / "trip" / "p0.jpg")
    (source / "trip" / "new.jpg").unlink()
    assert wait_for(lambda: engine.catalog.image_by_path(str(view / "trip" / "new.jpg")) is None)
    assert engine.wait_idle(60)
    _TEST_THREAD.clear()
    engine.remove_root(view)
    engine.close()

    assert not attempts, attempts[:10]
    after = tree_snapshot(source)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    # Only the test's own round trip (create + delete of new.jpg, rename and back) shows: the
    # folder's mtime and ctime, and the renamed file's ctime. Nothing else differs.
    assert changed <= {".", "trip", "trip/p0.jpg"}, sorted(changed)[:10]
    assert after["trip/p0.jpg"][:3] + after["trip/p0.jpg"][4:] == before["trip/p0.jpg"][:3] + before["trip/p0.jpg"][4:]
    assert not any((tmp_path / "data").glob("**/*.jpg.tmp"))
    if not ro_view.state["read_only"]:
        pytest.skip("checked without a read-only mount (mounting is not possible here)")


# -- symlinks ----------------------------------------------------------------------------------------


def test_symlinks_never_lead_outside_a_root_or_into_a_loop(tmp_path, engine_factory, ro_view):
    outside = tmp_path / "outside"
    for i in range(3):
        make_photo(outside / f"o{i}.jpg", seed=700 + i)
    source = tmp_path / "library"
    make_photo(source / "a_real" / "x.jpg", seed=710)
    make_photo(source / "a_real" / "deeper" / "y.jpg", seed=711)
    make_photo(source / "top.jpg", seed=712)
    (source / "z_link_to_a_real").symlink_to("a_real")  # a folder twice: visited once, by its real path
    (source / "out_dir").symlink_to(outside)  # outside the root: never followed
    (source / "out_file.jpg").symlink_to(outside / "o0.jpg")
    (source / "a_real" / "loop").symlink_to("..")  # loops
    (source / "a_real" / "deeper" / "loop2").symlink_to("../..")
    (source / "self.jpg").symlink_to("self.jpg")
    (source / "self").symlink_to("self")  # not named like a photo: not catalogued at all
    view = ro_view(source)

    engine = engine_factory(settle_s=0.2)
    engine.add_root(view)
    engine.index()
    real = {str(view / "a_real" / "x.jpg"), str(view / "a_real" / "deeper" / "y.jpg"), str(view / "top.jpg")}

    def paths() -> set[str]:
        return {r[0] for r in engine.catalog.query("SELECT path FROM images WHERE status = 'indexed'")}

    assert paths() == real, paths() ^ real
    # The watcher's single-path checks (any hint, even one through a link) agree with the scan.
    hints = [
        view / "out_dir",
        view / "out_dir" / "o1.jpg",
        view / "out_file.jpg",
        view / "z_link_to_a_real",
        view / "z_link_to_a_real" / "x.jpg",
        view / "a_real" / "loop" / "top.jpg",
        view / "a_real" / "loop" / "a_real",
        view / "a_real" / "deeper" / "loop2" / "a_real" / "x.jpg",
        view / "a_real" / "x.jpg",
        view / "self.jpg",
        view / "self",
    ]
    before_sync = {r[0]: r[1] for r in engine.catalog.query("SELECT path, status FROM images")}
    report = engine.indexer.sync_paths([str(h) for h in hints])
    assert {r[0]: r[1] for r in engine.catalog.query("SELECT path, status FROM images")} == before_sync
    assert paths() == real, paths() - real
    assert (report.encoded, report.removed, report.moved, report.reused) == (0, 0, 0, 0)
    # And while watching, new links appearing change nothing either.
    engine.start(watch=True)
    (source / "new_out.jpg").symlink_to(outside / "o2.jpg")
    (source / "new_out_dir").symlink_to(outside)
    (source / "a_real" / "new_loop").symlink_to("../a_real")
    make_photo(source / "a_real" / "z_marker.jpg", seed=713)  # something real, to know events were seen
    assert wait_for(lambda: str(view / "a_real" / "z_marker.jpg") in paths())
    assert engine.wait_idle(30)
    assert paths() == real | {str(view / "a_real" / "z_marker.jpg")}
    assert engine.catalog.counts()["error"] == 1  # the self-loop, recorded as such
    assert "loop" in engine.catalog.errors()[0][1]


# -- the CLI as an unprivileged user, offline, with bait --------------------------------------------


class _Bait:
    """Unpickling this creates `marker`: proof that something was unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_cli_offline_as_nobody_reads_no_pickle_and_writes_nothing(tmp_path, tiny_model, nobody_dir):
    home = give_to_nobody(nobody_dir / "home")
    marker = str(home / "UNPICKLED")
    bait = pickle.dumps(_Bait(marker))
    library = nobody_dir / "library"
    for i in range(4):
        make_photo(library / f"p{i}.jpg", seed=800 + i)
    for name in (
        "evil.pkl",
        "evil.pickle",
        "evil.pt",
        "evil.pth",
        "evil.bin",
        "evil.ckpt",
        "evil.npy",
        "evil.joblib",
        "looks_like_a_model/pytorch_model.bin",
        "looks_like_a_model/model.safetensors.pt",
    ):
        (library / name).parent.mkdir(parents=True, exist_ok=True)
        (library / name).write_bytes(bait)
    (library / "looks_like_a_model" / "config.json").write_text('{"model_type": "clip"}')
    (library / "pickle_named.jpg").write_bytes(bait)  # read as an image (and refused), never unpickled
    os.system(f"chmod -R a+rX {library}")
    # The model: safetensors weights, and beside them a pickled .bin that must never be loaded.
    model = world_readable_copy(tiny_model, nobody_dir / "model")
    assert (model / "model.safetensors").exists()
    (model / "pytorch_model.bin").write_bytes(bait)
    os.chmod(model / "pytorch_model.bin", 0o644)
    data = give_to_nobody(nobody_dir / "data")
    log = home / "guard.log"
    log.touch()
    os.chmod(log, 0o666)

    python, pythonpath = unprivileged_python()
    env = {
        "HOME": str(home),
        "TMPDIR": str(home),
        "HF_HOME": str(home / "hf"),
        "PYTHONPATH": f"{REPO / 'tests' / 'reliability' / 'guard_site'}:{pythonpath}",
        "CLIPDESK_TEST_GUARD_LOG": str(log),
        "CLIPDESK_TEST_GUARD_WATCH": f"{library}{os.pathsep}{model}",
    }
    nobody = {"prefix": SETPRIV, "python": python, "env_extra": env}
    before = tree_snapshot(library)

    def cli(*args: str):
        return run_cli(list(args), data, model, **nobody)

    # Network access is refused by the guard, not hidden by HF_HUB_OFFLINE: take that away.
    env["HF_HUB_OFFLINE"] = ""
    env["TRANSFORMERS_OFFLINE"] = ""
    steps = [
        ("add", str(library)),
        ("index",),
        ("search", "a sunset", "--image", str(library / "p1.jpg"), "--json"),
        ("status", "--json", "--errors", "0"),
    ]
    outputs = {}
    for step in steps:
        r = cli(*step)
        assert r.returncode == 0, (step, r.stdout, r.stderr)
        outputs[step[0]] = r.stdout
    assert "Indexed 4 new" in outputs["index"] and "1 unreadable" in outputs["index"]
    assert json.loads(outputs["search"])["results"]
    status = json.loads(outputs["status"])
    assert [e["path"] for e in status["errors"]] == [str(library / "pickle_named.jpg")]
    assert status["counts"]["indexed"] == 4

    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert not [e for e in events if "net" in e], "network was attempted"
    assert not [e for e in events if "write" in e], [e for e in events if "write" in e][:5]
    opened = {e["open"] for e in events if "open" in e}
    baits = {p for p in opened if p.endswith((".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".npy", ".joblib"))}
    assert not baits, baits  # never even opened
    assert str(library / "p1.jpg") in opened  # (the guard does see what is read)
    dangerous = [
        e["unpickle"]
        for e in events
        if "unpickle" in e and e["unpickle"].split(".")[0] in ("os", "posix", "subprocess", "builtins", "nt", "shutil")
    ]
    assert not dangerous, dangerous
    assert not os.path.exists(marker)
    assert tree_snapshot(library) == before  # not one byte, name, mode or time changed


def test_only_an_explicit_model_download_reaches_for_the_network(tmp_path, monkeypatch):
    """Everything above ran with the network refused and never tried it. The one access
    clipdesk makes is downloading a model the user asked for; offline that fails with a clear
    message, having tried the model hub and nothing else."""
    import socket

    from clipdesk.encoder import ClipEncoder, ModelUnavailableError

    tried: list[str] = []

    def refuse(address, *args, **kwargs):
        tried.append(str(address))
        raise OSError(101, "Network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: refuse(address))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    with pytest.raises(ModelUnavailableError) as err:
        ClipEncoder("someone/clip-model-that-is-not-cached").load()
    assert "download" in str(err.value).lower() or "internet" in str(err.value).lower(), err.value
    assert tried and all("huggingface" in t or "hf.co" in t for t in tried), tried
