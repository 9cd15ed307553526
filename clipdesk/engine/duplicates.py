"""Duplicates and similar shots, kept up to date beside indexing.

- Fingerprints: each photo's perceptual hash comes from the pipeline's one decode (the decoder
  processes compute it, the indexer stores it right after the batch). Photos indexed before
  fingerprints were kept, and copies the scan found without decoding, are hashed by the back-fill
  job from their cached thumbnail (the file itself is decoded only when there is none).
- Groups: the first request groups the whole library once (bench/duplicates_library.py); after
  that the worker places each indexed batch against the finder's in-memory indexes (hash tables,
  capture times), never the whole library again. A photo re-encoded in place, or a new
  strictness, groups anew. The finder is built only when someone asks (the Duplicates view,
  `clipdesk duplicates`): though it keeps ~100 bytes a photo, the first grouping reads every
  fingerprint and the vectors of every photo with a time-neighbour, which `index --watch` or
  `serve` should not spend a minute of CPU on for a view nobody opened.
- The engine never changes a photo folder. The app moves files to the Trash, then tells the
  engine (`forget_trashed`) so the catalog follows at once instead of when the watcher settles.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ..catalog.duplicates import DUPLICATE_GROUPS_META, FingerprintRow
from ..duplicates import (
    KINDS,
    DuplicateFinder,
    DuplicateSettings,
    Group,
    PhotoRecord,
    PhotoTable,
    content_hash,
    find_groups,
    perceptual_hash,
    suggest_keeper,
)
from ..imaging import DecodeError, open_image
from ..pipeline import Changes
from .worker import CancelToken, JobFailure, Worker

if TYPE_CHECKING:
    from .core import Engine

log = logging.getLogger(__name__)

BACKFILL_CHUNK = 500  # photos hashed per transaction by the back-fill


@dataclass(frozen=True)
class BackfillFingerprints:
    """Hash the photos that have no fingerprint yet (and bring a kept grouping up to date)."""


@dataclass(frozen=True)
class PlaceNewPhotos:
    """Photos were indexed: place them in the kept grouping (if there is one)."""


DuplicateJob = BackfillFingerprints | PlaceNewPhotos


@dataclass(frozen=True)
class DuplicatePhoto:
    id: int
    path: str
    size: int
    width: int
    height: int
    format: str
    taken_at: float | None
    content_key: str | None = None  # names its cached thumbnail

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)


@dataclass(frozen=True)
class DuplicateGroup:
    kind: str  # exact | same | similar
    photos: tuple[DuplicatePhoto, ...]  # the suggested keeper first, then by rank
    keep: int  # the suggested keeper's id
    reason: str  # why it is suggested, for people (English)
    why: str = "only"  # the deciding criterion (duplicates/keeper.py), for a translated text

    @property
    def keeper(self) -> DuplicatePhoto:
        return next(p for p in self.photos if p.id == self.keep)

    def others(self, keep: int | None = None) -> list[DuplicatePhoto]:
        chosen = self.keep if keep is None else keep
        return [p for p in self.photos if p.id != chosen]

    def to_json(self) -> dict:
        return {"kind": self.kind, "paths": [p.path for p in self.photos], "keep": self.keeper.path}


def _record(row: FingerprintRow) -> PhotoRecord:
    return PhotoRecord(
        id=row.id,
        path=row.path,
        size=row.size,
        width=row.width,
        height=row.height,
        format=row.format,
        taken_at=row.taken_at,
        content_hash=row.file_hash,
        phash=row.phash,
        embedding=None,  # the finder reads vectors only for photos taken near another one
    )


def _photo(row: FingerprintRow, content_key: str | None) -> DuplicatePhoto:
    return DuplicatePhoto(row.id, row.path, row.size, row.width, row.height, row.format, row.taken_at, content_key)


class Duplicates:
    def __init__(self, engine: Engine, settings: DuplicateSettings | None = None) -> None:
        self.engine = engine
        self.settings = settings or DuplicateSettings()
        self._lock = threading.RLock()  # one grouping at a time; the finder is not thread-safe
        self._finder: DuplicateFinder | None = None
        self._stale = False  # a placed photo changed in place, or hashes were back-filled
        self._new_file_hashes: dict[int, str] = {}
        self._seen_seq = -1  # the catalog's change sequence when new photos were last looked for
        # Groups as described last time, by (kind, member ids): an unchanged group is not read again.
        self._described_cache: dict[tuple[str, tuple[int, ...]], DuplicateGroup | None] = {}
        self._worker: Worker[DuplicateJob] | None = None
        self.backfilled = threading.Event()  # the start's back-fill is done (tests, scripts)
        # What the tests and the bench look at: how often everything was grouped, and how many
        # photos were placed one at a time instead.
        self.full_groupings = 0
        self.placed_one_by_one = 0

    # -- the background worker (the app, `index --watch`) ------------------------------------------

    def start(self) -> None:
        if self._worker is None:
            self._worker = Worker("clipdesk-duplicates", self._run, on_failed=self._failed)
            self._worker.submit(BackfillFingerprints())

    def stop(self, timeout: float) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()
            worker.join(timeout)

    def changes(self, changes: Changes) -> None:
        """From the indexing worker: note photos re-encoded in place, and place new ones soon."""
        if changes.removed or changes.moved:
            self._described_cache = {}  # paths moved or photos gone: describe every group afresh
        if changes.added:
            with self._lock:
                if self._finder is not None and self._finder.contains(changes.added).any():
                    self._stale = True  # re-encoded in place: its fingerprint changed under the grouping
        if changes.added and self._worker is not None and self._finder is not None:
            self._worker.submit(PlaceNewPhotos())

    def _run(self, job: DuplicateJob, token: CancelToken) -> None:
        if isinstance(job, BackfillFingerprints):
            self.backfill(token)
            self.backfilled.set()
        # Only a grouping someone asked for is kept current (see the module's docstring).
        if self._finder is not None:
            self.update(token=token)

    def _failed(self, failure: JobFailure) -> None:
        if not failure.cancelled:
            log.warning("finding duplicates failed: %s", failure.message, exc_info=failure.error)

    # -- fingerprints -------------------------------------------------------------------------------

    def backfill(self, token: CancelToken | None = None) -> int:
        """Hash every indexed photo that has no fingerprint; returns how many were hashed."""
        catalog = self.engine.catalog
        done = catalog.share_fingerprints_of_copies()
        while todo := catalog.unfingerprinted(BACKFILL_CHUNK):
            if token is not None:
                token.check()
            catalog.store_phashes([(image_id, self._hash_of(path, key)) for image_id, path, key in todo])
            done += len(todo)
        if done:
            with self._lock:
                if self._finder is not None:  # it was grouped without some of these hashes
                    self._stale = True
        return done

    def _hash_of(self, path: str, key: str | None) -> int | None:
        """From the cached thumbnail (made by the pipeline's decode), else from the file."""
        thumbnail = self.engine.thumbnail_path(key)
        try:
            if thumbnail is not None:
                with Image.open(thumbnail) as cached:
                    return perceptual_hash(cached.convert("RGB"))
            decoded, *_ = open_image(path, draft_to=320)
            return perceptual_hash(decoded)
        except (OSError, DecodeError):
            return None  # gone or unreadable: it matches nothing (the watcher will catch up)

    def _content_hash(self, photo_id: int) -> str:
        rows = self.engine.catalog.fingerprint_rows([photo_id])
        if not rows:
            raise FileNotFoundError(f"photo {photo_id} is no longer in the library")
        digest = content_hash(rows[0].path)
        self._new_file_hashes[photo_id] = digest
        return digest

    # -- groups -------------------------------------------------------------------------------------

    def groups(
        self, kind: str | None = None, strictness: float | None = None, token: CancelToken | None = None
    ) -> list[DuplicateGroup]:
        """The library's groups (of one kind, or all), biggest saving first. The first call groups
        the whole library; later ones place only what was indexed since."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        with self._lock:
            finder = self.update(strictness, token)
            found = finder.groups(kind)
        return self._described(found)

    def update(self, strictness: float | None = None, token: CancelToken | None = None) -> DuplicateFinder:
        """Bring the kept grouping up to date: the whole library the first time (or after a change
        in place, or at another strictness), else only the photos indexed since."""
        with self._lock:
            if strictness is not None and abs(strictness - self.settings.strictness) > 1e-9:
                self.settings = replace(self.settings, strictness=min(1.0, max(0.0, strictness)))
                self._finder = None
            if self._finder is None or self._stale:
                self._group_all(token)
            else:
                self._place_new(token)
            self._save_file_hashes()
            self._store_counts()
            assert self._finder is not None
            return self._finder

    def _group_all(self, token: CancelToken | None) -> None:
        catalog = self.engine.catalog
        self._seen_seq = catalog.change_seq()  # read first: a photo indexed meanwhile is placed next time
        columns = catalog.fingerprint_columns()
        phashes, has_phash = columns.phashes, columns.has_phash
        unhashed = columns.ids[~columns.hashed]
        if unhashed.size:
            hashed_now = {r.id: r.phash for r in self._hash_unhashed(catalog.fingerprint_rows(unhashed.tolist()))}
            at = np.flatnonzero(~columns.hashed)
            values = [hashed_now.get(int(pid)) for pid in unhashed]
            phashes[at] = np.array([0 if h is None else h for h in values], dtype=np.uint64)
            has_phash[at] = [h is not None for h in values]
        if token is not None:
            token.check()
        table = PhotoTable(
            columns.ids,
            columns.sizes,
            columns.widths,
            columns.heights,
            columns.taken_at,
            phashes,
            has_phash,
            content_hashes=columns.file_hashes,
        )
        del columns
        self._finder = find_groups(table, self.settings, self._content_hash, vectors=catalog.embeddings)
        self._stale = False
        self._described_cache = {}
        self.full_groupings += 1

    def _place_new(self, token: CancelToken | None) -> None:
        assert self._finder is not None
        catalog = self.engine.catalog
        seq = catalog.change_seq()
        if seq == self._seen_seq:
            return  # nothing was written since: no new photo
        candidates = np.fromiter(catalog.candidate_ids(), dtype=np.int64)
        new = candidates[~self._finder.contains(candidates)]
        self._seen_seq = seq
        if not new.size:
            return
        rows = self._hash_unhashed(catalog.fingerprint_rows(sorted(new.tolist())))
        rows.sort(key=lambda r: (r.taken_at is None, r.taken_at or 0.0, r.id))
        for row in rows:
            if token is not None:
                token.check()
            self._finder.add(_record(row))  # its vector, and its neighbours', are read only if needed
            self.placed_one_by_one += 1

    def _hash_unhashed(self, rows: list[FingerprintRow]) -> list[FingerprintRow]:
        """Photos not hashed yet (copies the scan made without a decode) are hashed now."""
        missing = [r for r in rows if not r.hashed]
        if not missing:
            return rows
        keys = {image.id: image.content_key for image in self.engine.catalog.images([r.id for r in missing]).values()}
        hashes = {r.id: self._hash_of(r.path, keys.get(r.id)) for r in missing}
        if self.engine.index_lock.held:  # a follower keeps them in memory: only the indexer writes
            self.engine.catalog.store_phashes(hashes.items())
        return [replace(r, phash=hashes[r.id], hashed=True) if r.id in hashes else r for r in rows]

    def _save_file_hashes(self) -> None:
        if self._new_file_hashes:
            hashes, self._new_file_hashes = self._new_file_hashes, {}
            if self.engine.index_lock.held:
                self.engine.catalog.store_file_hashes(hashes.items())

    def _described(self, found: Sequence[Group]) -> list[DuplicateGroup]:
        """Groups as people see them: today's paths and facts (photos gone since are left out),
        the suggested keeper first. Groups described before and unchanged are not read again."""
        cache = self._described_cache
        fresh = [g for g in found if (g.kind, g.ids) not in cache]
        ids = sorted({pid for group in fresh for pid in group.ids})
        rows = {r.id: r for r in self.engine.catalog.fingerprint_rows(ids)} if ids else {}
        keys = {image.id: image.content_key for image in self.engine.catalog.images(list(rows)).values()}
        roots = [root.path for root in self.engine.catalog.roots()][:1]
        for group in fresh:
            members = [rows[pid] for pid in group.ids if pid in rows]
            if len(members) < 2:
                cache[(group.kind, group.ids)] = None
                continue
            choice = suggest_keeper([_record(r) for r in members], preferred_folders=roots)
            by_id = {r.id: r for r in members}
            photos = tuple(_photo(by_id[pid], keys.get(pid)) for pid in choice.ranking)
            cache[(group.kind, group.ids)] = DuplicateGroup(group.kind, photos, choice.keep, choice.reason, choice.why)
        out = [d for g in found if (d := cache.get((g.kind, g.ids))) is not None]
        order = {kind: n for n, kind in enumerate(KINDS)}
        out.sort(key=lambda g: (order[g.kind], -sum(p.size for p in g.others()), g.photos[0].path))
        return out

    def summary(self) -> dict:
        """For `clipdesk status`, without grouping anything: photos hashed of indexed, and the groups
        by kind as the kept grouping has them now, else as the last grouping stored them (None: never)."""
        hashed, indexed = self.engine.catalog.fingerprint_counts()
        with self._lock:
            finder = self._finder
            groups = {kind: len(finder.groups(kind)) for kind in KINDS} if finder is not None else None
        if groups is None:
            stored = self.engine.catalog.get_meta(DUPLICATE_GROUPS_META)
            groups = json.loads(stored) if stored else None
        return {"hashed": hashed, "indexed": indexed, "groups": groups}

    def _store_counts(self) -> None:
        if self._finder is not None and self.engine.index_lock.held:  # only the indexer writes the catalog
            counts = {kind: len(self._finder.groups(kind)) for kind in KINDS}
            if self.engine.catalog.get_meta(DUPLICATE_GROUPS_META) != json.dumps(counts):
                self.engine.catalog.set_meta(DUPLICATE_GROUPS_META, json.dumps(counts))

    # -- after the app moved files to the Trash ---------------------------------------------------

    def forget_trashed(self, paths: Sequence[str]) -> list[int]:
        """Drop the catalog rows of these files now that they are gone from disk (the watcher
        would, once its events settle). A path still on disk is left alone. Only the library's
        indexer writes the catalog: a follower leaves it to the indexer's watcher."""
        gone = [p for p in paths if not os.path.lexists(p)]
        if not gone or not self.engine.index_lock.held:
            return []
        entries = self.engine.catalog.scan_entries_for_paths(gone)
        ids = sorted(entry.id for entry in entries.values())
        if ids:
            with self.engine.store.mutation:
                self.engine.catalog.delete_images(ids)
                self.engine.store.remove(ids)
            self.engine.listeners.changes(Changes(removed=ids))
        return ids


def others_to_trash(
    chosen: Sequence[tuple[DuplicateGroup, int]], kept_anywhere: Iterable[int]
) -> list[tuple[str, DuplicatePhoto]]:
    """(path of the photo kept, photo to trash) for the others of these groups (each with the id of
    the photo kept in it), each photo once. A photo can stand in three groups (an exact copy's
    original is the seed of its "same" and "similar" groups): one kept in any group
    (`kept_anywhere`) never goes as an "other" of another, and one that is an "other" twice is
    moved once (a second move would report it gone)."""
    protected = set(kept_anywhere)
    seen: set[int] = set()
    out = []
    for group, keeper in chosen:
        keeper_path = next((p.path for p in group.photos if p.id == keeper), group.keeper.path)
        for photo in group.others(keeper):
            if photo.id not in protected and photo.id not in seen:
                seen.add(photo.id)
                out.append((keeper_path, photo))
    return out


__all__ = [
    "BackfillFingerprints",
    "DuplicateGroup",
    "DuplicatePhoto",
    "Duplicates",
    "PlaceNewPhotos",
    "others_to_trash",
]
