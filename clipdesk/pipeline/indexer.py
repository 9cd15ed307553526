"""The indexing pipeline: reconcile what is on disk with the catalog, then decode, encode
and commit what is new or changed, batch by batch.

Each batch is one SQLite transaction followed by the matching index update, so a kill at
any moment loses at most the batch in flight, and a restart resumes with the rest.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .. import config
from ..catalog import Catalog, EncodedImage, FailedImage, NewPath, Root, ScanEntry
from ..encoder import ClipEncoder
from ..imaging import DecodeError, ThumbnailCache, content_key
from ..imaging.pool import DecodePool, PreparedFile, prepare_file
from ..index import IndexStore
from ..killpoint import kill_point
from .scan import (
    FileInfo,
    folder_in_scope,
    in_scope,
    not_a_file_reason,
    reached_without_links,
    scan_file,
    special_file,
    stat_file,
    walk,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    phase: str  # scanning | indexing | paused | idle
    done: int = 0
    total: int = 0
    rate: float = 0.0  # images per second, recent
    eta_s: float | None = None
    errors: int = 0
    current: str | None = None


@dataclass
class Changes:
    """Image ids whose search results changed: the GUI refreshes from these."""

    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.moved)


@dataclass
class RunReport:
    scanned: int = 0
    encoded: int = 0
    errors: int = 0
    moved: int = 0
    reused: int = 0
    removed: int = 0
    offline_roots: list[str] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0


@dataclass
class _Prepared:
    image_id: int
    path: str
    root_id: int
    info: FileInfo | None = None
    key: str | None = None
    pixels: np.ndarray | None = None
    width: int = 0
    height: int = 0
    format: str = ""
    taken_at: float | None = None
    error: str | None = None
    phash: int | None = None  # from the decoder's one decode (duplicates)

    def encoded(self, vector: np.ndarray) -> EncodedImage:
        assert self.info is not None and self.key is not None  # decoded: the file was there and read
        taken_at = self.taken_at if self.taken_at is not None else self.info.mtime_ns / 1e9
        return EncodedImage(
            self.path,
            self.root_id,
            self.info.size,
            self.info.mtime_ns,
            self.key,
            self.width,
            self.height,
            taken_at,
            self.format,
            vector,
        )

    def failed(self) -> FailedImage:
        size, mtime_ns = (self.info.size, self.info.mtime_ns) if self.info else (0, 0)
        return FailedImage(self.path, self.root_id, size, mtime_ns, self.key, self.error or "unreadable")


class Cancelled(Exception):
    pass


SCHEDULES = ("phased", "overlap")


def default_schedule(device: str | None) -> str:
    """How decoding and encoding share the machine.

    "phased" (CPU): the two take turns, each on every core: the decoders prepare a batch,
    then the encoder encodes it on all cores (one slice of the batch per core) while they
    wait. Running both at once splits the cores at a fixed ratio that never matches the
    work: with one torch thread a core idled whenever the decoders were ahead, and two torch
    threads next to busy decoders wait for each other. Measured in one run on 2 cores
    (bench/indexing.py): 81% of the stage-sum bound phased, 69-72% overlapped.
    "overlap" (GPU): the encoder needs no CPU, so decoding runs ahead of it on every core."""
    return "overlap" if device not in (None, "cpu") else "phased"


def default_encode_threads(schedule: str = "phased") -> int:
    """Torch threads while indexing on CPU: every core when phased; about half of them when
    decoding runs alongside (decoding a photo costs about as much CPU as encoding it)."""
    cores = os.cpu_count() or 1
    return cores if schedule == "phased" else max(1, cores // 2)


def default_decode_workers(schedule: str = "phased") -> int:
    """Decode processes. Phased: one per core (they have the machine to themselves).
    Overlapped: the cores the encoder leaves, plus one so a worker waiting on the disk
    never idles a core. They run at a lower priority, so the encoder and the UI come first."""
    cores = os.cpu_count() or 1
    if schedule == "phased":
        return max(1, min(8, cores))
    return max(1, min(8, cores - default_encode_threads(schedule) + 1))


DECODE_MODES = ("process", "thread")


class Indexer:
    def __init__(
        self,
        catalog: Catalog,
        store: IndexStore,
        encoder: ClipEncoder,
        thumbnails: ThumbnailCache,
        *,
        batch_size: int = 32,
        decode_workers: int | None = None,
        decode_mode: str | None = None,
        decode_timeout_s: float | None = None,
        encode_threads: int | None = None,
        schedule: str | None = None,
        thumb_size: int = 320,
        on_progress: Callable[[Progress], None] | None = None,
        on_changes: Callable[[Changes], None] | None = None,
        on_committed: Callable[[list[int], np.ndarray], None] | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.encoder = encoder
        self.thumbnails = thumbnails
        self.batch_size = batch_size
        env = config.settings()  # CLIPDESK_* variables, parsed and checked in one place
        self.decode_workers = decode_workers or env.decode_workers
        # "process": a hung decoder is killed after decode_timeout_s (see clipdesk.imaging.pool);
        # "thread": in-process, for debugging or where processes cannot be started.
        # A frozen (PyInstaller) app has no `python -c` to start decoder processes with.
        default_mode = "thread" if getattr(sys, "frozen", False) else "process"
        self.decode_mode = (decode_mode or env.decode_mode or default_mode).lower()
        if self.decode_mode not in DECODE_MODES:
            raise ValueError(f"decode_mode must be one of {DECODE_MODES}, not {self.decode_mode!r}")
        self.decode_timeout_s = decode_timeout_s
        # None: chosen per run from the schedule (see default_schedule).
        self.encode_threads = encode_threads or env.encode_threads
        self.schedule = (schedule or env.schedule or "").lower() or None
        if self.schedule is not None and self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, not {self.schedule!r}")
        self.thumb_size = thumb_size
        self.on_progress = on_progress or (lambda p: None)
        self.on_changes = on_changes or (lambda c: None)
        # After each committed batch: (ids, vectors) of the photos just encoded (zero-shot labels use it).
        self.on_committed = on_committed
        self._resume = threading.Event()
        self._resume.set()
        self._cancel = threading.Event()

    # -- control (any thread) -----------------------------------------------------------------

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def cancel(self) -> None:
        self._cancel.set()
        self._resume.set()

    def reset_cancel(self) -> None:
        self._cancel.clear()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _checkpoint(self, progress: Progress) -> None:
        """Between batches: honour pause and cancel."""
        if not self._resume.is_set():
            self.on_progress(Progress("paused", progress.done, progress.total, 0.0, None, progress.errors))
            while not self._resume.wait(0.2):
                pass
        if self._cancel.is_set():
            raise Cancelled

    # -- whole run -----------------------------------------------------------------------------

    def run(self, roots: Iterable[Root] | None = None) -> RunReport:
        report = RunReport()
        started = time.monotonic()
        try:
            self.reconcile(roots, report)
            self.encode_pending(report)
        except Cancelled:
            report.cancelled = True
        finally:
            self.store.save_if_changed()
            report.seconds = time.monotonic() - started
        return report

    # -- reconcile: what exists decides ---------------------------------------------------------

    def reconcile(self, roots: Iterable[Root] | None = None, report: RunReport | None = None) -> RunReport:
        report = report or RunReport()
        disk: dict[str, tuple[FileInfo, int]] = {}
        known: dict[str, ScanEntry] = {}
        for root in list(roots) if roots is not None else self.catalog.roots():
            if not root.enabled:
                continue
            self._checkpoint(Progress("scanning"))
            self.on_progress(Progress("scanning", current=root.path))
            if not self._root_online(root):
                report.offline_roots.append(root.path)
                continue
            disk.update((f.path, (f, root.id)) for f in walk(root.path, root.excludes))
            known.update(self.catalog.scan_entries(root.id))
        report.scanned += len(disk)
        # All roots at once, so a photo moved from one root to another is still a move.
        self._apply(disk, known, report)
        return report

    def sync_paths(self, paths: Iterable[str], report: RunReport | None = None) -> RunReport:
        """Reconcile only these files and folders (watcher hints); existence decides."""
        report = report or RunReport()
        roots = [r for r in self.catalog.roots() if r.enabled]
        online: dict[int, bool] = {}
        disk: dict[str, tuple[FileInfo, int]] = {}
        known: dict[str, ScanEntry] = {}
        for path in set(paths):
            root = _root_of(path, roots)
            if root is None:
                continue
            if root.id not in online:
                online[root.id] = self._root_online(root)
                if not online[root.id]:
                    report.offline_roots.append(root.path)
            if not online[root.id]:
                continue
            known.update(self.catalog.paths_under(path))  # it is, or was, a folder
            if os.path.isdir(path) and not os.path.islink(path):
                if reached_without_links(path, root.path) and (
                    path == root.path or folder_in_scope(path, root.path, root.excludes)
                ):
                    disk.update(
                        (f.path, (f, root.id)) for f in walk(path, ()) if in_scope(f.path, root.path, root.excludes)
                    )
            else:
                # As walk() sees it: links never lead outside the root, specials are recorded.
                info = scan_file(path, root.path) if in_scope(path, root.path, root.excludes) else None
                if info is not None:
                    disk[path] = (info, root.id)
                known.update(self.catalog.scan_entries_for_paths([path]))
        self._apply(disk, known, report)
        return report

    def _root_online(self, root: Root) -> bool:
        """A missing root, or an empty folder where photos used to be (an unmounted
        share's mount point), is offline: its images are kept, flagged offline."""
        online = os.path.isdir(root.path)
        if online:
            try:
                with os.scandir(root.path) as it:
                    empty = next(it, None) is None
            except OSError:
                online, empty = False, True
            if online and empty and self.catalog.root_has_images(root.id):
                online = False
        if online != root.online:
            self.catalog.set_root_online(root.id, online)
            log.info("folder %s is %s", root.path, "back online" if online else "offline; keeping its images")
        return online

    def _apply(self, disk: dict[str, tuple[FileInfo, int]], known: dict[str, ScanEntry], report: RunReport) -> None:
        new = [p for p in disk if p not in known]
        missing = {p: e for p, e in known.items() if p not in disk}
        changed = [
            p
            for p, e in known.items()
            if p in disk and (e.size != disk[p][0].size or e.mtime_ns != disk[p][0].mtime_ns)
        ]
        if not (new or missing or changed):
            return

        # A new path whose content matches an indexed image is that image moved (its old
        # path is gone) or copied: either way it keeps the embedding and is not re-encoded.
        keys: dict[str, str] = {}
        for path in new:
            if not disk[path][0].size:
                continue  # empty, or a pipe/link loop the scan recorded: never opened (a pipe blocks)
            try:
                keys[path] = content_key(path, disk[path][0].size)
            except OSError:
                pass
        reusable = self.catalog.reusable_by_content_key(keys.values(), self.encoder.model_id) if keys else {}
        missing_ids = {e.id: p for p, e in missing.items()}
        moves: list[tuple[int, str]] = []
        copies: list[tuple[int, str]] = []
        for path in new:
            source = reusable.get(keys.get(path, ""))
            if source is None:
                continue
            if source in missing_ids:
                moves.append((source, path))
                del missing_ids[source]  # any further match is a copy of the moved row
            else:
                copies.append((source, path))
        claimed = {p for _, p in moves} | {p for _, p in copies}
        pending = [(p, disk[p][1], disk[p][0].size, disk[p][0].mtime_ns) for p in new if p not in claimed]
        pending += [(p, disk[p][1], disk[p][0].size, disk[p][0].mtime_ns) for p in changed]
        removed = list(missing_ids)

        with self.store.mutation:
            copied = self.catalog.apply_scan_changes(
                moved=[NewPath(i, p, disk[p][1], disk[p][0].size, disk[p][0].mtime_ns) for i, p in moves],
                copied=[NewPath(i, p, disk[p][1], disk[p][0].size, disk[p][0].mtime_ns) for i, p in copies],
                removed=removed,
                pending=pending,
            )
            self.store.remove(removed)
            for new_id in copied:
                vec = self.catalog.embedding_of(new_id)
                if vec is not None:
                    self.store.add([new_id], vec[None, :])
        report.moved += len(moves)
        report.reused += len(copies)
        report.removed += len(removed)
        changes = Changes(added=copied, removed=removed, moved=[i for i, _ in moves])
        if changes:
            self.on_changes(changes)

    # -- encode what is pending ----------------------------------------------------------------

    def encode_pending(self, report: RunReport | None = None) -> RunReport:
        report = report or RunReport()
        if not self.catalog.pending_ids(self.encoder.model_id, limit=1):
            self.on_progress(Progress("idle"))
            return report
        self.store_ready()
        spec = self.encoder.input_spec
        total, done, errors = len(self.catalog.pending_ids(self.encoder.model_id)), 0, 0
        work = self._claimed()
        meter = _RateMeter()
        progress = Progress("indexing", 0, total)
        self.on_progress(progress)
        schedule = self.schedule or default_schedule(self.encoder.device)
        threads = self.encode_threads or default_encode_threads(schedule)
        pool = self._decode_pool(schedule)
        # Phased: the next batch is submitted only when the encoder is done with this one.
        ahead = 0 if schedule == "phased" else 2 * self.batch_size
        try:
            for batch in self._prepared_batches(pool, work, spec, ahead):
                self._checkpoint(progress)
                ready = [p for p in batch if p.pixels is not None]
                failed = [p for p in batch if p.error is not None]
                vanished = [p.image_id for p in batch if p.info is None and p.error is None]
                vectors = (
                    self.encoder.encode_pixels(
                        np.stack([p.pixels for p in ready if p.pixels is not None]),
                        threads=threads,
                        split=schedule == "phased",
                    )
                    if ready
                    else np.empty((0, 0), np.float32)
                )
                encoded = [p.encoded(vector) for p, vector in zip(ready, vectors, strict=True)]
                errs = [p.failed() for p in failed]
                kill_point("encode")
                with self.store.mutation:
                    ids = self.catalog.commit_batch(encoded, errs, self.encoder.model_id)
                    kill_point("committed")
                    if len(ids) < len(encoded):  # a shared library's lease ran out: another worker has those
                        kept = [n for n, e in enumerate(encoded) if e.path in ids]
                        encoded, vectors = [encoded[n] for n in kept], vectors[kept]
                    if vanished:
                        self.catalog.delete_images(vanished)
                    if encoded:
                        self.store.add([ids[e.path] for e in encoded], vectors)
                        self.catalog.store_phashes([(ids[p.path], p.phash) for p in ready if p.path in ids])
                    self.store.remove(vanished + [p.image_id for p in failed])
                if encoded and self.on_committed is not None:
                    self.on_committed([ids[e.path] for e in encoded], vectors)
                done += len(batch)
                errors += len(failed)
                report.encoded += len(encoded)
                report.errors += len(failed)
                meter.add(len(batch))
                rate = meter.rate()
                progress = Progress(
                    "indexing", done, total, rate, (total - done) / rate if rate else None, errors, batch[-1].path
                )
                self.on_progress(progress)
                self.on_changes(Changes(added=list(ids.values()), removed=vanished))
                self.store.save_if_due()
        finally:
            # On cancel, drop queued decodes instead of finishing them: quick exits.
            pool.shutdown(wait=True, cancel_futures=True)
        self.on_progress(Progress("idle", done, total, meter.rate(), 0.0, errors))
        return report

    def store_ready(self) -> None:
        """Load the model and open its index. Only a model that loads becomes the catalog's
        model: a mistyped model path must not make every embedding stale."""
        index = self.store.index
        if index is None or self.store.model_id != self.encoder.model_id:
            dim = self.encoder.dim  # loads the model, or raises ModelUnavailableError
            if self.catalog.mark_model(self.encoder.model_id):
                log.info("model changed to %s: every photo will be re-encoded", self.encoder.model_id)
            if self.catalog.get_meta("model_dim") != str(dim):
                self.catalog.set_meta("model_dim", str(dim))
            # Several threads can get here at once (the worker, a search, the app's model load):
            # the store opens the index once and hands the others the same one.
            self.store.ensure_open(self.encoder.model_id, dim)

    def _decode_pool(self, schedule: str) -> DecodePool | ThreadPoolExecutor:
        workers = self.decode_workers
        if not workers:  # on a GPU the encoder needs no CPU: every core decodes
            workers = (
                default_decode_workers(schedule)
                if self.encoder.device in (None, "cpu")
                else max(2, os.cpu_count() or 1)
            )
        if self.decode_mode == "thread":
            return ThreadPoolExecutor(workers, thread_name_prefix="clipdesk-decode")
        return DecodePool(workers, timeout_s=self.decode_timeout_s)

    def _claimed(self) -> Iterator[tuple[int, str, int]]:
        """The photos to encode, (id, path, root id), claimed a batch at a time: on a shared library each
        worker gets its own (a lease in the queue); on SQLite this run is the only one."""
        after = 0
        while True:
            claimed = self.catalog.claim_pending(self.encoder.model_id, self.batch_size, after)
            if not claimed:
                return
            after = claimed[-1][0]
            yield from claimed

    def _prepared_batches(
        self, pool: DecodePool | ThreadPoolExecutor, work: Iterable[tuple[int, str, int]], spec, ahead: int
    ) -> Iterator[list[_Prepared]]:
        """Batches of decoded files, with `ahead` more files decoding while a batch encodes."""
        window: deque[tuple[_Prepared, Future[PreparedFile] | None]] = deque()
        items = iter(work)
        exhausted = False
        while True:
            while not exhausted and len(window) < ahead + self.batch_size:
                item = next(items, None)
                if item is None:
                    exhausted = True
                    break
                window.append(self._submit(pool, item, spec))
            if not window:
                return
            batch = [self._collect(*window.popleft()) for _ in range(min(self.batch_size, len(window)))]
            yield batch

    def _submit(self, pool, item: tuple[int, str, int], spec) -> tuple[_Prepared, Future[PreparedFile] | None]:
        image_id, path, root_id = item
        out = _Prepared(image_id, path, root_id)
        out.info = stat_file(path)
        if out.info is None:
            if os.path.lexists(path):  # e.g. a folder named like an image, or a broken link
                # The size and mtime the scan sees, so the next scan does not retry it.
                out.info = special_file(path) or FileInfo(path, 0, 0)
                out.error = not_a_file_reason(path)
            return out, None
        folder = str(self.thumbnails.folder)
        return out, pool.submit(prepare_file, path, out.info.size, spec, self.thumb_size, folder)

    def _collect(self, out: _Prepared, future: Future[PreparedFile] | None) -> _Prepared:
        if future is None:
            return out
        info = out.info
        assert info is not None  # a decode is submitted only for a file that was there
        try:
            done = future.result()
        except CancelledError:
            raise Cancelled from None
        except DecodeError as exc:  # timed out (process killed) or the decoder crashed
            if out.key is None:
                try:
                    out.key = content_key(out.path, info.size)
                except OSError:
                    pass
            out.error = str(exc)
            return out
        now = stat_file(out.path)
        if now is not None and (now.size, now.mtime_ns) != (info.size, info.mtime_ns):
            # Written to while it was read (a copy in progress): what was read may be half a
            # file, recorded with the size before. Leave it pending; the change that is still
            # under way brings it back (the watcher's next event, or the next scan).
            return out
        out.key, out.error = done.key, done.error
        if done.error is None:
            out.pixels = done.pixels
            out.width, out.height = done.width, done.height
            out.format, out.taken_at = done.format, done.taken_at
            out.phash = done.phash
        return out


class _RateMeter:
    """Images per second over the last ~20 seconds."""

    def __init__(self, horizon_s: float = 20.0) -> None:
        self.horizon = horizon_s
        self.samples: deque[tuple[float, int]] = deque([(time.monotonic(), 0)])

    def add(self, n: int) -> None:
        now = time.monotonic()
        self.samples.append((now, self.samples[-1][1] + n))
        while len(self.samples) > 2 and now - self.samples[1][0] > self.horizon:
            self.samples.popleft()

    def rate(self) -> float:
        (t0, n0), (t1, n1) = self.samples[0], self.samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


def _root_of(path: str, roots: list[Root]) -> Root | None:
    best = None
    for root in roots:
        prefix = root.path.rstrip(os.sep) + os.sep
        if (path == root.path or path.startswith(prefix)) and (best is None or len(root.path) > len(best.path)):
            best = root
    return best
