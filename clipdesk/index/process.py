"""The HNSW index in a child process, behind the same interface as VectorIndex.

Why: hnswlib holds the GIL for the whole of `load_index` and `save_index` (2-11 s for a 2 GB
index at a million photos), so in the app's process every thread, the GUI thread included,
froze once per launch and on every save. Here the index lives in a small child (numpy and
hnswlib only); the parent's calling thread waits on a socket with the GIL released. As a bonus
the load runs on another core, in parallel with the model load.

- Each call is one request and one reply over a socketpair (pickled tuples; numpy arrays travel
  as bytes). Calls are serialised by a lock: the child does one thing at a time, as one thread.
- The child dies with the parent: it exits on EOF from the socket, and a thread checks every
  half second that its parent is still the one that started it (covers a SIGKILLed parent even
  when some other process still holds the socket).
- A child that crashes or is killed is never waited for: the parent polls the child's exit
  status while waiting, raises IndexProcessLost, and tells its owner (the store drops the index;
  the next open loads the saved file again and catches up from the catalog).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from ..childproc import spawn
from .hnsw import IndexParams, VectorIndex

log = logging.getLogger(__name__)

POLL_S = 0.25  # how often a waiting parent checks that the child is still alive
STOP_WAIT_S = 5.0

SUPPORTED = os.name == "posix"  # a socketpair passed by fd; elsewhere the index stays in-process


class IndexProcessLost(RuntimeError):
    """The vector index's process stopped (crashed or was killed); it is reloaded on next use."""


# -- the child --------------------------------------------------------------------------------------


def _child_main() -> None:
    fd, parent_pid = int(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's: it saves, then stops us

    def watch_parent() -> None:
        while True:
            threading.Event().wait(0.5)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    _serve(Connection(fd))


def _serve(conn: Connection) -> None:
    index: VectorIndex | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the parent closed the socket or died
        op, args = request[0], request[1:]
        if op == "stop":
            os._exit(0)
        try:
            if op == "new":
                dim, params, capacity = args
                index, value = VectorIndex(dim, params, capacity), None
            elif op == "load":
                index, meta = VectorIndex.load(*args)
                value = (meta, index.dim, index.params)
            elif index is None:
                raise RuntimeError("no index in this process")
            elif op == "len":
                value = None
            else:
                value = getattr(index, op)(*args)
            size, deleted = (len(index), index.deleted_fraction) if index is not None else (0, 0.0)
            reply: tuple = ("ok", value, size, deleted)
        except Exception as exc:  # sent back and raised in the parent as it was
            reply = ("err", exc)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            os._exit(0)
        except Exception as exc:  # an exception that does not pickle
            conn.send(("err", RuntimeError(f"{type(exc).__name__}: {exc}")))


# -- the parent's side ------------------------------------------------------------------------------


class IndexProcess:
    """One child process holding at most one index."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        try:
            self.popen = spawn(f"{__name__}:_child_main", [str(child.fileno()), str(os.getpid())], child.fileno())
        finally:
            child.close()
        self._conn = Connection(parent.detach())
        self._lock = threading.Lock()
        self.lost = False
        # A proxy dropped without close() still lets its child go (EOF), at exit too.
        self._finalizer = weakref.finalize(self, _let_go, self._conn, self.popen)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def call(self, op: str, *args: Any) -> tuple[Any, int, float]:
        """(value, index size, deleted fraction) of one request; raises what the child raised,
        or IndexProcessLost when the child is gone (never waits for a dead one)."""
        with self._lock:
            if self.lost:
                raise IndexProcessLost("the vector index process has stopped")
            try:
                self._conn.send((op, *args))
                while not self._conn.poll(POLL_S):
                    if self.popen.poll() is not None:
                        raise EOFError
                reply = self._conn.recv()
            except (EOFError, OSError) as exc:
                self.lost = True
                code = self.popen.poll()
                why = f"exit status {code}" if code is not None else type(exc).__name__
                raise IndexProcessLost(f"the vector index process stopped ({why})") from None
        if reply[0] == "err":
            raise reply[1]
        return reply[1], reply[2], reply[3]

    def close(self, wait: bool = True, timeout: float = STOP_WAIT_S) -> None:
        """Stop the child (a save in flight finishes first: calls are serialised). Without
        `wait` it exits on its own (freeing a 2 GB index takes it ~0.5 s: quitting need not
        wait for that) and is reaped later."""
        with self._lock:
            if not self.lost:
                try:
                    self._conn.send(("stop",))
                except OSError:
                    pass
            self.lost = True
        self._finalizer.detach()
        if wait:
            _let_go(self._conn, self.popen, timeout)
        else:
            self._conn.close()


def _let_go(conn: Connection, popen: subprocess.Popen, timeout: float = STOP_WAIT_S) -> None:
    try:
        conn.close()  # the child sees EOF and exits
    except OSError:
        pass
    try:
        popen.wait(timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait(timeout)


class RemoteVectorIndex:
    """A VectorIndex living in an IndexProcess (same methods, same results)."""

    def __init__(self, process: IndexProcess, dim: int, params: IndexParams, size: int, deleted: float) -> None:
        self.process = process
        self.dim = dim
        self.params = params
        self._size = size
        self._deleted_fraction = deleted
        self.on_lost: Callable[[RemoteVectorIndex], None] | None = None  # the owner drops it

    @classmethod
    def create(cls, dim: int, params: IndexParams = IndexParams(), capacity: int = 1024) -> RemoteVectorIndex:
        process = IndexProcess()
        try:
            process.call("new", dim, params, capacity)
        except BaseException:
            process.close()
            raise
        return cls(process, dim, params, 0, 0.0)

    @classmethod
    def load(cls, stem: Path, params: IndexParams = IndexParams()) -> tuple[RemoteVectorIndex, dict]:
        process = IndexProcess()
        try:
            (meta, dim, loaded_params), size, deleted = process.call("load", Path(stem), params)
        except BaseException:
            process.close()
            raise
        return cls(process, dim, loaded_params, size, deleted), meta

    def close(self, wait: bool = True) -> None:
        self.process.close(wait)

    def _call(self, op: str, *args: Any) -> Any:
        try:
            value, self._size, self._deleted_fraction = self.process.call(op, *args)
        except IndexProcessLost:
            log.warning("the vector index process stopped; it will be reloaded")
            if self.on_lost is not None:
                self.on_lost(self)
            raise
        return value

    # -- VectorIndexApi --------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    def __contains__(self, image_id: int) -> bool:
        return bool(self._call("__contains__", int(image_id)))

    def ids(self) -> set[int]:
        return set(self.id_array().tolist())

    def id_array(self) -> np.ndarray:
        return self._call("id_array")

    @property
    def deleted_fraction(self) -> float:
        return self._deleted_fraction

    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids):
            self._call("add", ids, np.ascontiguousarray(vectors, dtype=np.float32))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids):
            self._call("remove", ids)

    def vectors(self, ids: list[int] | np.ndarray) -> np.ndarray:
        return self._call("vectors", np.asarray(ids, dtype=np.int64))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, ef: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        allowed = None if allowed is None else np.asarray(allowed, dtype=np.int64)
        return self._call("search", np.asarray(query, dtype=np.float32), k, allowed, ef)

    def save(self, stem: Path, extra: dict) -> None:
        self._call("save", Path(stem), extra)
