"""Decoding in worker processes: a hung or crashing decoder costs one file, never the run.

A thread cannot be killed; a process can. `DecodePool` runs `workers` small processes, each
decoding one file at a time, fed by one parent thread per worker. A file that takes longer
than `timeout_s` gets its worker killed and replaced and fails with `DecodeTimeout`; a
worker that dies (a decoder crash, the memory limit) fails its file with `DecoderCrashed`
and is replaced. Workers are recycled after `max_tasks` files (bounded fragmentation), run
with a data-segment limit (a decompression bomb fails that file, not the machine) and at a
slightly lower priority than the app (the UI and the encoder come first).

On 2 cores, processes decode as fast as threads (measured: bench/design.py) and keep the
app's GIL free for the UI. `prepare_file` is the worker-side job of the indexing pipeline.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..childproc import spawn
from .decode import DecodeError, ModelInput, content_key, decode
from .phash import perceptual_hash
from .thumbnails import ThumbnailCache

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0  # a 200 MP TIFF decodes in a few seconds here; a hang never ends
DEFAULT_MEMORY_LIMIT_MB = 3072  # per worker: above a 200 MP decode (Image.MAX_IMAGE_PIXELS), far below RAM
DEFAULT_MAX_TASKS = 2000
WORKER_NICE = 4  # the UI thread and the encoder win the cores when they want them


class DecodeTimeout(DecodeError):
    pass


class DecoderCrashed(DecodeError):
    pass


@dataclass
class PreparedFile:
    """What a worker sends back for one file: everything the pipeline stores, or why not."""

    key: str | None = None
    pixels: np.ndarray | None = None  # float32, 3 x crop x crop, normalised for the model
    width: int = 0
    height: int = 0
    format: str = ""
    taken_at: float | None = None
    error: str | None = None
    phash: int | None = None  # perceptual hash of this decode (duplicates); None: too flat to tell


def prepare_file(path: str, size: int, spec: ModelInput, thumb_size: int, thumb_folder: str) -> PreparedFile:
    """Content key, one decode (DCT-scaled for JPEG) into thumbnail + model pixels, and the
    thumbnail written to the cache. Never raises for a bad file: the reason comes back."""
    out = PreparedFile()
    try:
        out.key = content_key(path, size)
        decoded = decode(path, spec, thumb_size)
        ThumbnailCache(Path(thumb_folder)).store_if_room(out.key, decoded.thumbnail)
    except DecodeError as exc:
        out.error = str(exc)
        return out
    except PermissionError:
        out.error = "permission denied"
        return out
    except Exception as exc:  # a decoder bug must cost one file, never the run
        log.exception("unexpected error decoding %s", path)
        out.error = f"unexpected error: {type(exc).__name__}: {exc}"
        return out
    out.pixels = decoded.pixels
    out.width, out.height = decoded.width, decoded.height
    out.format, out.taken_at = decoded.format, decoded.taken_at
    out.phash = perceptual_hash(decoded.thumbnail)
    return out


# -- worker side ---------------------------------------------------------------------------------


def _limit_self(nice: int, memory_limit_mb: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the app's to handle; it stops us
    try:  # die with the parent even while stuck in a decoder (Linux)
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if nice:
        try:
            os.nice(nice)
        except (OSError, AttributeError):
            pass
    if memory_limit_mb:
        try:
            import resource

            limit = int(memory_limit_mb) * 2**20
            kind = getattr(resource, "RLIMIT_DATA", None) or resource.RLIMIT_AS
            hard = resource.getrlimit(kind)[1]
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(kind, (limit, hard))
        except (ImportError, OSError, ValueError):
            pass


def _worker_main(conn, nice: int, memory_limit_mb: int | None) -> None:
    _limit_self(nice, memory_limit_mb)
    try:  # `kill -USR1 <worker>` prints where a stuck decode is
        import faulthandler

        faulthandler.register(signal.SIGUSR1, all_threads=True)
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            fn, args = pickle.loads(message)
            result: Any = ("ok", fn(*args))
        except MemoryError:
            result = ("error", "not enough memory to decode this image")
        except BaseException as exc:  # the job should not raise; if it does, the file fails
            result = ("error", f"unexpected error: {type(exc).__name__}: {exc}")
        try:
            conn.send(result)
        except (OSError, ValueError):
            return


# -- parent side ---------------------------------------------------------------------------------


def _stdio_main() -> None:
    """Entry point of a worker process: argv is FD NICE MEMORY_MB."""
    from multiprocessing.connection import Connection

    fd, nice, memory = (int(a) for a in sys.argv[1:4])
    _worker_main(Connection(fd), nice, memory or None)


class _Worker:
    """One decoder process. On POSIX a fresh interpreter running `_stdio_main`, talking over a
    socketpair: it imports only Pillow and numpy (never torch, never the app's __main__, which
    multiprocessing's spawn/forkserver would re-import), and dies with the app. Elsewhere:
    multiprocessing's spawn."""

    def __init__(self, nice: int, memory_limit_mb: int | None) -> None:
        self.tasks = 0
        self.popen: subprocess.Popen | None = None
        self.proc = None
        if os.name == "posix":
            import socket
            from multiprocessing.connection import Connection

            parent, child = socket.socketpair()
            try:
                args = [str(child.fileno()), str(nice), str(memory_limit_mb or 0)]
                self.popen = spawn(f"{__name__}:_stdio_main", args, child.fileno())
            finally:
                child.close()
            self.conn = Connection(parent.detach())
        else:  # pragma: no cover - Windows
            ctx = mp.get_context("spawn")
            self.conn, child_conn = ctx.Pipe(duplex=True)
            self.proc = ctx.Process(
                target=_worker_main, args=(child_conn, nice, memory_limit_mb), name="clipdesk-decode", daemon=True
            )
            self.proc.start()
            child_conn.close()

    def _wait(self, timeout: float) -> int | None:
        if self.popen is not None:
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                return None
        assert self.proc is not None  # __init__ starts one of the two
        self.proc.join(timeout)
        return self.proc.exitcode

    def _kill(self) -> None:
        process = self.popen if self.popen is not None else self.proc
        assert process is not None  # __init__ starts one of the two
        try:
            process.kill()
        except (OSError, ProcessLookupError):
            pass

    def stop(self, kill: bool = False) -> None:
        try:
            self.conn.close()  # the worker sees EOF and exits
        except OSError:
            pass
        if kill:
            self._kill()
        if self._wait(2.0) is None:
            self._kill()
            self._wait(2.0)

    def exit_reason(self) -> str:
        code = self._wait(1.0)
        if code is not None and code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit code {code}"


class DecodePool:
    """A tiny process pool with the Executor's `submit(fn, *args) -> Future` and
    `shutdown(wait, cancel_futures)`, plus per-task timeouts and worker replacement.
    `fn` must be a module-level function (it is sent to the worker by reference)."""

    def __init__(
        self,
        workers: int,
        *,
        timeout_s: float | None = None,
        memory_limit_mb: int | None = None,
        max_tasks: int = DEFAULT_MAX_TASKS,
        nice: int = WORKER_NICE,
    ) -> None:
        self.workers = max(1, int(workers))
        from ..config import settings  # here, not at import: decoder processes import only Pillow and numpy

        self.timeout_s = float(timeout_s or settings().decode_timeout_s or DEFAULT_TIMEOUT_S)
        self.memory_limit_mb = DEFAULT_MEMORY_LIMIT_MB if memory_limit_mb is None else memory_limit_mb
        self.max_tasks = max_tasks
        self.nice = nice
        self.timeouts = 0  # counters, for status and tests
        self.crashes = 0
        self._inline = 0  # files decoded in-process because no worker could be started
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._closing = threading.Event()
        self._feeders = [
            threading.Thread(target=self._feed, name=f"clipdesk-decode-feed-{i}", daemon=True)
            for i in range(self.workers)
        ]
        for t in self._feeders:
            t.start()

    def submit(self, fn: Callable, *args: Any) -> Future:
        if self._closing.is_set():
            raise RuntimeError("cannot submit after shutdown")
        fut: Future = Future()
        self._tasks.put((fut, fn, args))
        return fut

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self._closing.set()
        if cancel_futures:
            while True:
                try:
                    item = self._tasks.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in self._feeders:
            self._tasks.put(None)
        if wait:
            for t in self._feeders:
                t.join()

    def __enter__(self) -> DecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=True)

    # one feeder thread per worker process

    def _feed(self) -> None:
        worker: _Worker | None = None
        try:
            while True:
                item = self._tasks.get()
                if item is None:
                    return
                fut, fn, args = item
                if not fut.set_running_or_notify_cancel():
                    continue
                if worker is None:
                    try:
                        worker = _Worker(self.nice, self.memory_limit_mb)
                    except Exception as exc:  # cannot start processes at all
                        # The environment's fault, not the file's: decode here (no timeout)
                        # rather than record every photo as unreadable for good.
                        if not self._inline:
                            log.warning("could not start a decoder process (%s); decoding in-process", exc)
                        self._inline += 1
                        try:
                            fut.set_result(fn(*args))
                        except BaseException as err:
                            fut.set_exception(err)
                        continue
                try:
                    worker, outcome = self._run_one(worker, fn, args)
                except Exception as exc:  # could not talk to (or restart) a worker: fail this file only
                    log.exception("decoder process failure")
                    if worker is not None:
                        worker.stop(kill=True)
                    worker, outcome = None, DecoderCrashed(f"the decoder process failed: {exc}")
                if isinstance(outcome, BaseException):
                    fut.set_exception(outcome)
                else:
                    fut.set_result(outcome)
                if worker is not None:
                    worker.tasks += 1
                    if worker.tasks >= self.max_tasks:
                        worker.stop()
                        worker = None
        finally:
            if worker is not None:
                worker.stop()

    def _run_one(self, worker: _Worker, fn: Callable, args: tuple) -> tuple[_Worker | None, Any]:
        try:
            worker.conn.send((fn, args))
        except (OSError, ValueError):  # died while idle: replace it and try once more
            worker.stop(kill=True)
            worker = _Worker(self.nice, self.memory_limit_mb)
            worker.conn.send((fn, args))
        deadline = time.monotonic() + self.timeout_s
        grace_end = None
        while True:
            now = time.monotonic()
            if self._closing.is_set() and grace_end is None:
                grace_end = now + 2.0  # shutting down: a long decode is not waited for
            end = min(deadline, grace_end) if grace_end else deadline
            if worker.conn.poll(max(0.0, min(0.25, end - now))):
                try:
                    status, value = worker.conn.recv()
                except (EOFError, OSError):
                    self.crashes += 1
                    reason = worker.exit_reason()
                    worker.stop(kill=True)
                    log.warning("a decoder process died (%s); replaced", reason)
                    return None, DecoderCrashed(f"the decoder crashed on this file ({reason})")
                if status == "ok":
                    return worker, value
                return worker, DecodeError(value)
            if time.monotonic() >= end:
                worker.stop(kill=True)
                if grace_end and time.monotonic() >= grace_end and time.monotonic() < deadline:
                    return None, CancelledError()
                self.timeouts += 1
                log.warning("a decode took longer than %.0f s; its process was killed and replaced", self.timeout_s)
                return None, DecodeTimeout(f"decoding took longer than {self.timeout_s:g} s (stopped)")
