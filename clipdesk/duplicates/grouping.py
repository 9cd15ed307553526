"""Duplicate groups of three kinds, kept apart:

- exact: the same bytes;
- same: the same picture in another size, format, compression, small crop or orientation
  (perceptual hashes within a few bits, whichever way up, with a compatible aspect ratio);
- similar: separate shots of nearly the same scene, bursts (CLIP cosine above a threshold AND
  taken within a short time of each other).

A copy stands behind its original: only the first photo of an exact group goes on to the
"same" stage, and only the first of a "same" group goes on to the "similar" stage. So a
photo is in at most one group of each kind, and a pair that is "same" is never also "similar".

No chaining: each group has a seed (its first photo) and a photo joins only if it is within
the threshold of the seed itself. Union-find over "within the threshold of any member" would
let a slow pan, or a series of 2% crops, chain into one group whose ends look nothing alike,
and a keeper suggestion for such a group would propose deleting different pictures. With a
seed, every member is within the threshold of the seed and within twice it of each other; a
long burst splits into a few groups instead, the safe way to be wrong.

Photos are placed one at a time in capture order (earliest first), so seeds are the earliest
shots. `add` places a new photo against indexes of what is there (multi-index hashing for the
hashes, a capture-time index or a caller's nearest-neighbour search for the embeddings);
`find_groups` (sweep.py) places a whole library the same way with the hash pairs found vectorised.

Kept small (bench/duplicates.py --memory): per photo the finder holds numpy columns and sorted
indexes (~100 bytes), Python objects only for photos in a group, and no embeddings: with a
vector loader it reads a photo's vector when it has a time-neighbour and forgets it once the
sweep has passed the burst window (a 512-d float32 vector alone is 2 KB).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from clipdesk.duplicates.columns import Column, KeyIndex
from clipdesk.duplicates.hamming import HammingIndex
from clipdesk.duplicates.records import (
    EXACT,
    KINDS,
    SAME,
    SIMILAR,
    DuplicateSettings,
    Group,
    PhotoRecord,
    PhotoTable,
)

# neighbours(unit vector, k) -> [(photo id, cosine)], e.g. the HNSW index's search.
Neighbours = Callable[[np.ndarray, int], Iterable[tuple[int, float]]]
# content_hasher(photo id) -> hash of the file's bytes; asked only about photos that may be copies.
ContentHasher = Callable[[int], str]
# vectors(photo ids) -> {id: vector} of those that have one, e.g. read from the catalog: lets
# records come without embeddings, loaded only for photos taken within a burst window of another.
VectorLoader = Callable[[Sequence[int]], dict[int, np.ndarray]]


@dataclass
class _Kind:
    """The groups of one kind: who is in which group, by seed (only photos in a group cost memory)."""

    group_of: dict[int, int] = field(default_factory=dict)  # member -> seed
    members: dict[int, list[int]] = field(default_factory=dict)  # seed -> members, seed first

    def follower(self, pid: int) -> bool:
        """In a group but not its seed: stands behind the seed in later stages."""
        seed = self.group_of.get(pid)
        return seed is not None and seed != pid

    def place(self, pid: int, candidates: Sequence[int]) -> bool:
        """Join the best candidate that seeds a group, else start a group with the best free
        candidate as its seed. Candidates come best first and are all within the threshold."""
        for cid in candidates:
            if cid in self.members:
                self.members[cid].append(pid)
                self.group_of[pid] = cid
                return True
        for cid in candidates:
            if cid not in self.group_of:
                self.members[cid] = [cid, pid]
                self.group_of[cid] = cid
                self.group_of[pid] = cid
                return True
        return False


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _log_aspect(width: np.ndarray | int, height: np.ndarray | int) -> np.ndarray:
    """log(long side / short side): one number that a crop changes a little and a resize not at all."""
    w = np.maximum(np.asarray(width, dtype=np.float64), 1.0)
    h = np.maximum(np.asarray(height, dtype=np.float64), 1.0)
    return np.abs(np.log(w / h)).astype(np.float32)


class DuplicateFinder:
    def __init__(
        self,
        settings: DuplicateSettings | None = None,
        content_hasher: ContentHasher | None = None,
        neighbours: Neighbours | None = None,
        vectors: VectorLoader | None = None,
    ) -> None:
        self.settings = settings or DuplicateSettings()
        self._content_hasher = content_hasher
        self._neighbours = neighbours
        self._vector_loader = vectors
        # Per photo, by row (the order placed): numpy columns, not objects.
        self._row_of = Column(np.int32, fill=-1)  # by photo id (catalog ids are dense row ids)
        self._ids = Column(np.int64)
        self._sizes = Column(np.int64)
        self._aspects = Column(np.float32)
        self._taken = Column(np.float64)  # NaN: unknown
        self._hashes = HammingIndex(self.settings.same_radius)  # keys: rows
        self._times = KeyIndex(np.float64)  # rows of dated photos by capture time
        # Only for photos that may be copies of one another (same size and picture), or flat.
        self._content: dict[int, str | None] = {}  # by id
        self._by_content: dict[tuple[int, str], int] = {}  # (size, digest) -> first id
        self._flat_by_size: dict[int, list[int]] = {}  # size -> rows of photos with no hash
        self._kinds = {kind: _Kind() for kind in KINDS}
        # Unit vectors by id. With a loader only those of the burst window being looked at;
        # without one every vector given (the caller has no other way to hand them back).
        self._vectors: dict[int, np.ndarray | None] = {}

    # ---- queries -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._ids.size

    @property
    def nbytes(self) -> int:
        """The numpy state (what grows with the library; the groups' dicts come on top)."""
        columns = (self._row_of, self._ids, self._sizes, self._aspects, self._taken)
        return sum(c.nbytes for c in columns) + self._hashes.nbytes + self._times.nbytes

    def groups(self, kind: str | None = None) -> list[Group]:
        kinds = KINDS if kind is None else (kind,)
        return [Group(k, tuple(members)) for k in kinds for members in self._kinds[k].members.values()]

    def group_of(self, photo_id: int, kind: str) -> Group | None:
        seed = self._kinds[kind].group_of.get(photo_id)
        return None if seed is None else Group(kind, tuple(self._kinds[kind].members[seed]))

    def contains(self, photo_ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """Which of these photos are placed (bool per id)."""
        ids = np.asarray(photo_ids, dtype=np.int64)
        rows = self._row_of.values
        inside = (ids >= 0) & (ids < rows.size)
        out = np.zeros(ids.size, dtype=bool)
        out[inside] = rows[ids[inside]] >= 0
        return out

    # ---- placing photos ------------------------------------------------------------------

    def add(self, photo: PhotoRecord) -> None:
        """Place a new photo against the photos already here, without re-scanning them."""
        if self.contains([photo.id])[0]:
            raise ValueError(f"photo {photo.id} is already placed")
        row = self._append_rows(PhotoTable.from_records([photo]))
        if photo.embedding is not None:
            self._vectors[photo.id] = _unit(photo.embedding)
        if photo.content_hash is not None:
            self._content[photo.id] = photo.content_hash
        near: list[tuple[int, int]] = []
        if photo.phash is not None:
            found = self._hashes.near_any_orientation(photo.phash)
            near = sorted(((d, r) for r, d in found.items()), key=lambda item: (item[0], self._order_key(item[1])))
            self._hashes.add(row, photo.phash)
        else:
            self._flat_by_size.setdefault(photo.size, []).append(row)
        window = np.zeros(0, dtype=np.int32)
        taken = photo.taken_at
        if taken is not None:
            span = self.settings.burst_window_s
            window = self._times.between(taken - span, taken + span)
            self._times.add(taken, row)
        self._place(row, photo.phash is not None, near, window)
        if self._vector_loader is not None:
            self._vectors.clear()  # read again next time: keeping them is what cost 2 KB a photo

    def _append_rows(self, table: PhotoTable) -> int:
        """Columns for these photos; returns the first one's row."""
        first = self._ids.size
        if table.ids.size and int(table.ids.max()) >= self._row_of.size:
            self._row_of.set(int(table.ids.max()), -1)
        self._row_of.values[table.ids] = np.arange(first, first + table.ids.size, dtype=np.int32)
        self._ids.extend(table.ids)
        self._sizes.extend(table.sizes)
        self._aspects.extend(_log_aspect(table.widths, table.heights))
        self._taken.extend(table.taken_at)
        return first

    def _order_key(self, row: int) -> tuple[bool, float, int]:
        taken = float(self._taken.values[row])
        unknown = taken != taken  # NaN
        return (unknown, 0.0 if unknown else taken, int(self._ids.values[row]))

    def _place(self, row: int, hashed: bool, near: Sequence[tuple[int, int]], window: np.ndarray) -> None:
        """near: (distance, row) of placed photos within the hash radius, best first; window: rows
        of placed photos taken within the burst window (both empty when they do not apply)."""
        if self._place_exact(row, hashed, near):
            return
        pid = int(self._ids.values[row])
        if hashed and self._place_same(row, [r for _, r in near]):
            return
        self._kinds[SIMILAR].place(pid, self._similar_candidates(row, window))

    def _place_exact(self, row: int, hashed: bool, near: Sequence[tuple[int, int]]) -> bool:
        """True when the photo is a byte-for-byte copy of one placed before it. Only a photo of the
        same size *and* the same picture can be one, so a file is read whole only then: at 1M
        photos sizes alone collide for ~100,000 pairs, and reading those would take hours."""
        sizes = self._sizes.values
        size = int(sizes[row])
        if hashed:
            twins = [r for d, r in near if d == 0 and sizes[r] == size]
        else:
            twins = [r for r in self._flat_by_size.get(size, ()) if r < row]  # placed before it
        if not twins:
            return False
        ids = self._ids.values
        for other in twins:
            self._remember_content(int(ids[other]), size)
        pid = int(ids[row])
        digest = self._remember_content(pid, size)
        if digest is None:
            return False
        original = self._by_content[(size, digest)]
        return original != pid and self._kinds[EXACT].place(pid, [original])

    def _remember_content(self, pid: int, size: int) -> str | None:
        if pid not in self._content:
            digest = None
            if self._content_hasher is not None:
                try:
                    digest = self._content_hasher(pid)
                except OSError:  # gone or unreadable since it was indexed: cannot be judged a copy
                    digest = None
            self._content[pid] = digest
        digest = self._content[pid]
        if digest is not None:
            self._by_content.setdefault((size, digest), pid)
        return digest

    def _same_allowed(self, row: int, other: int) -> bool:
        """The hashes are close; do the pictures' shapes and capture times allow one picture?"""
        aspects = self._aspects.values
        if abs(float(aspects[row]) - float(aspects[other])) > np.log1p(self.settings.aspect_tolerance):
            return False
        apart = abs(float(self._taken.values[row]) - float(self._taken.values[other]))  # NaN: unknown
        # Captured a second or more apart but within a burst's window: two shots, however
        # alike. (Hours apart is a copy whose clock was corrected, so still one picture.)
        return not (1.0 <= apart <= self.settings.burst_window_s)

    def _place_same(self, row: int, candidates: Sequence[int]) -> bool:
        kind, exact = self._kinds[SAME], self._kinds[EXACT]
        ids = self._ids.values
        allowed = []
        for other in candidates:
            cid = int(ids[other])
            if not kind.follower(cid) and not exact.follower(cid) and self._same_allowed(row, other):
                allowed.append(cid)
        return kind.place(int(ids[row]), allowed)

    def _similar_candidates(self, row: int, window: np.ndarray) -> list[int]:
        """Placed photos within the time window whose embedding is close enough, best first."""
        taken = float(self._taken.values[row])
        if taken != taken:
            return []  # no capture time: cannot tell a burst from a photo of the same place years later
        ids = self._ids.values
        pid = int(ids[row])
        others = [int(ids[r]) for r in window if r != row]
        if not others:
            return []  # nothing placed was taken within the window
        scored: list[tuple[float, int]] = []
        if self._neighbours is not None:
            vector = self._vector_of(pid)
            if vector is None:
                return []
            times = self._taken.values
            for cid, cosine in self._neighbours(vector, self.settings.neighbours_k):
                other = self._row_of.values[cid] if 0 <= cid < self._row_of.size else -1
                placed = 0 <= other < row  # a whole-library sweep has the later rows' columns already
                if placed and abs(float(times[other]) - taken) <= self.settings.burst_window_s:
                    scored.append((float(cosine), cid))
        else:
            self._load_vectors([pid, *others])
            own = self._vectors.get(pid)
            known = [(cid, v) for cid in others if (v := self._vectors.get(cid)) is not None]
            if own is None or not known:
                return []
            cosines = np.stack([v for _, v in known]) @ own
            scored = [(float(x), cid) for x, (cid, _) in zip(cosines, known, strict=True)]
        threshold = self.settings.similar_cosine
        scored = [(c, cid) for c, cid in scored if c >= threshold and self._may_be_similar(cid)]
        scored.sort(key=lambda item: (-item[0], self._order_key(int(self._row_of.values[item[1]]))))
        return [cid for _, cid in scored]

    def _vector_of(self, pid: int) -> np.ndarray | None:
        self._load_vectors([pid])
        return self._vectors.get(pid)

    def _load_vectors(self, ids: Sequence[int]) -> None:
        missing = [pid for pid in ids if pid not in self._vectors]
        if not missing or self._vector_loader is None:
            return
        loaded = self._vector_loader(missing)
        for pid in missing:
            vector = loaded.get(pid)
            self._vectors[pid] = None if vector is None else _unit(vector)

    def _may_be_similar(self, photo_id: int) -> bool:
        return not any(self._kinds[kind].follower(photo_id) for kind in KINDS)
