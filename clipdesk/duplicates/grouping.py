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
`find_groups` places a whole library the same way with the hash pairs found vectorised.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from clipdesk.duplicates.hamming import HammingIndex, pairs_within

EXACT, SAME, SIMILAR = "exact", "same", "similar"
KINDS = (EXACT, SAME, SIMILAR)

# neighbours(unit vector, k) -> [(photo id, cosine)], e.g. the HNSW index's search.
Neighbours = Callable[[np.ndarray, int], Iterable[tuple[int, float]]]
ContentHasher = Callable[["PhotoRecord"], str]
# vectors(photo ids) -> {id: vector} of those that have one, e.g. read from the catalog: lets
# records come without embeddings, loaded only for photos taken within a burst window of another.
VectorLoader = Callable[[Sequence[int]], dict[int, np.ndarray]]


@dataclass(frozen=True, eq=False, slots=True)  # slots: a library's worth of records in half the memory
class PhotoRecord:
    id: int
    path: str
    size: int  # bytes
    width: int  # as displayed
    height: int
    format: str
    taken_at: float | None
    content_hash: str | None  # of the whole file; needed only when another photo has the same size
    phash: int | None  # unsigned 64-bit perceptual hash; None for a flat picture
    embedding: np.ndarray | None  # CLIP vector (any norm)


def strictness_to_cosine(strictness: float) -> float:
    """The slider (0 loose .. 1 strict) to a CLIP cosine threshold: 0.88 .. 0.99.
    1.0 is Immich's 0.01 distance, which its users find too loose only because it is their
    *sole* test; here a similar pair must also be taken within the time window."""
    return 0.88 + 0.11 * min(1.0, max(0.0, strictness))


@dataclass(frozen=True)
class DuplicateSettings:
    # Measured on the corpus and copies of it (bench/duplicates.py, tests): resizes, re-encodes
    # and orientation changes differ by 0-3 bits, a centered 2% crop by up to 7, distinct photos
    # by 16 or more.
    same_radius: int = 8
    aspect_tolerance: float = 0.06  # a 2% crop changes the aspect ratio by up to ~2%
    strictness: float = 0.5
    burst_window_s: float = 30.0  # "taken within a short time of each other"
    neighbours_k: int = 32  # how many a caller's nearest-neighbour search is asked for

    @property
    def similar_cosine(self) -> float:
        return strictness_to_cosine(self.strictness)


@dataclass(frozen=True)
class Group:
    kind: str
    ids: tuple[int, ...]  # the seed (earliest placed) first

    @property
    def seed(self) -> int:
        return self.ids[0]


@dataclass
class _Kind:
    """The groups of one kind: who is in which group, by seed."""

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


def _order_key(photo: PhotoRecord) -> tuple[bool, float, int]:
    return (photo.taken_at is None, photo.taken_at or 0.0, photo.id)


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


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
        self._photos: dict[int, PhotoRecord] = {}
        self._content: dict[int, str] = {}
        self._by_size: dict[int, list[int]] = {}
        self._by_content: dict[tuple[int, str], int] = {}
        self._kinds = {kind: _Kind() for kind in KINDS}
        self._hashes = HammingIndex(self.settings.same_radius)
        # Capture-time index of photos that may be "similar": parallel sorted lists.
        self._times: list[float] = []
        self._time_ids: list[int] = []
        self._vectors: dict[int, np.ndarray | None] = {}  # None: the loader has none for it

    # ---- queries -------------------------------------------------------------------------

    def groups(self, kind: str | None = None) -> list[Group]:
        kinds = KINDS if kind is None else (kind,)
        out = []
        for k in kinds:
            for members in self._kinds[k].members.values():
                out.append(Group(k, tuple(members)))
        return out

    def group_of(self, photo_id: int, kind: str) -> Group | None:
        seed = self._kinds[kind].group_of.get(photo_id)
        return None if seed is None else Group(kind, tuple(self._kinds[kind].members[seed]))

    def photo(self, photo_id: int) -> PhotoRecord:
        return self._photos[photo_id]

    # ---- placing one photo ---------------------------------------------------------------

    def add(self, photo: PhotoRecord) -> None:
        """Place a new photo against the photos already here, without re-scanning them."""
        self._add(photo, None)

    def _add(self, photo: PhotoRecord, hash_neighbours: list[int] | None) -> None:
        """hash_neighbours: the placed photos within the hash radius, best first, when the
        caller found them already (find_groups); else the hash index is asked."""
        if photo.id in self._photos:
            raise ValueError(f"photo {photo.id} is already placed")
        self._photos[photo.id] = photo
        if self._place_exact(photo):
            return
        if photo.phash is not None:
            if hash_neighbours is None:
                near = self._hashes.near_any_orientation(photo.phash)
                hash_neighbours = sorted(near, key=lambda cid: (near[cid], _order_key(self._photos[cid])))
            if self._place_same(photo, hash_neighbours):
                return
            self._hashes.add(photo.id, photo.phash)
        self._kinds[SIMILAR].place(photo.id, self._similar_candidates(photo))

    def _place_exact(self, photo: PhotoRecord) -> bool:
        """True when the photo is a byte-for-byte copy of one placed before it."""
        same_size = self._by_size.setdefault(photo.size, [])
        same_size.append(photo.id)
        if len(same_size) == 1:
            return False
        for pid in same_size:
            if pid not in self._content:
                digest = self._content_of(self._photos[pid])
                if digest is None:
                    continue
                self._content[pid] = digest
                self._by_content.setdefault((photo.size, digest), pid)
        digest = self._content.get(photo.id)
        if digest is None:
            return False
        original = self._by_content[(photo.size, digest)]
        return original != photo.id and self._kinds[EXACT].place(photo.id, [original])

    def _content_of(self, photo: PhotoRecord) -> str | None:
        if photo.content_hash is not None:
            return photo.content_hash
        if self._content_hasher is None:
            return None
        try:
            return self._content_hasher(photo)
        except OSError:  # gone or unreadable since it was indexed: cannot be judged a copy
            return None

    def _same_allowed(self, a: PhotoRecord, b: PhotoRecord) -> bool:
        """The hashes are close; do the pictures' shapes and capture times allow one picture?"""
        ratio_a = max(a.width, a.height) / max(1, min(a.width, a.height))
        ratio_b = max(b.width, b.height) / max(1, min(b.width, b.height))
        if abs(math.log(ratio_a / ratio_b)) > math.log1p(self.settings.aspect_tolerance):
            return False
        if a.taken_at is not None and b.taken_at is not None:
            # Captured a second or more apart but within a burst's window: two shots, however
            # alike. (Hours apart is a copy whose clock was corrected, so still one picture.)
            apart = abs(a.taken_at - b.taken_at)
            if 1.0 <= apart <= self.settings.burst_window_s:
                return False
        return True

    def _place_same(self, photo: PhotoRecord, candidates: Sequence[int]) -> bool:
        kind = self._kinds[SAME]
        exact = self._kinds[EXACT]
        allowed = [
            c
            for c in candidates
            if not kind.follower(c) and not exact.follower(c) and self._same_allowed(photo, self._photos[c])
        ]
        return kind.place(photo.id, allowed)

    def _similar_candidates(self, photo: PhotoRecord) -> list[int]:
        """Photos within the time window whose embedding is close enough, best first; also
        records the photo in the capture-time index."""
        if photo.taken_at is None:
            return []  # no capture time: cannot tell a burst from a photo of the same place years later
        if photo.embedding is None and (self._vector_loader is None or self._neighbours is not None):
            return []
        window = self.settings.burst_window_s
        scored: list[tuple[float, int]] = []
        if self._neighbours is not None:
            assert photo.embedding is not None
            vector = _unit(photo.embedding)
            for cid, cosine in self._neighbours(vector, self.settings.neighbours_k):
                other = self._photos.get(cid)
                if other is None or other.taken_at is None or cid == photo.id:
                    continue
                if abs(other.taken_at - photo.taken_at) <= window:
                    scored.append((float(cosine), cid))
        else:
            lo = bisect.bisect_left(self._times, photo.taken_at - window)
            hi = bisect.bisect_right(self._times, photo.taken_at + window)
            if photo.embedding is not None:
                self._vectors[photo.id] = _unit(photo.embedding)
            ids = self._time_ids[lo:hi]
            if ids:
                self._load_vectors([photo.id, *ids])
                own = self._vectors.get(photo.id)
                known = [(c, v) for c in ids if (v := self._vectors.get(c)) is not None]
                if own is not None and known:
                    cosines = np.stack([v for _, v in known]) @ own
                    scored = [(float(x), cid) for x, (cid, _) in zip(cosines, known, strict=True)]
        at = bisect.bisect_right(self._times, photo.taken_at)
        self._times.insert(at, photo.taken_at)
        self._time_ids.insert(at, photo.id)
        threshold = self.settings.similar_cosine
        scored = [(c, cid) for c, cid in scored if c >= threshold and self._may_be_similar(cid)]
        scored.sort(key=lambda item: (-item[0], _order_key(self._photos[item[1]])))
        return [cid for _, cid in scored]

    def _load_vectors(self, ids: Sequence[int]) -> None:
        missing = [pid for pid in ids if pid not in self._vectors]
        if not missing or self._vector_loader is None:
            return
        loaded = self._vector_loader(missing)
        for pid in missing:
            vector = loaded.get(pid)
            self._vectors[pid] = None if vector is None else _unit(vector)

    def _may_be_similar(self, photo_id: int) -> bool:
        return not (
            self._kinds[EXACT].follower(photo_id)
            or self._kinds[SAME].follower(photo_id)
            or self._kinds[SIMILAR].follower(photo_id)
        )


def find_groups(
    photos: Iterable[PhotoRecord],
    settings: DuplicateSettings | None = None,
    content_hasher: ContentHasher | None = None,
    neighbours: Neighbours | None = None,
    vectors: VectorLoader | None = None,
) -> DuplicateFinder:
    """Group a whole library: the same placement as adding the photos one by one in capture
    order, with the hash neighbours of all photos found in one vectorised pass. The finder
    returned takes further photos with `add`."""
    finder = DuplicateFinder(settings, content_hasher, neighbours, vectors)
    ordered = sorted(photos, key=_order_key)
    hashed = [p for p in ordered if p.phash is not None]
    near: dict[int, list[tuple[int, int]]] = {}
    if hashed:
        position = {p.id: n for n, p in enumerate(ordered)}
        hashes = np.array([p.phash for p in hashed], dtype=np.uint64)
        first, second, distance = pairs_within(hashes, finder.settings.same_radius)
        for i, j, d in zip(first.tolist(), second.tolist(), distance.tolist(), strict=True):
            a, b = hashed[i], hashed[j]
            earlier, later = (a, b) if position[a.id] < position[b.id] else (b, a)
            near.setdefault(later.id, []).append((d, position[earlier.id]))
    for photo in ordered:
        neighbours_before = [ordered[at].id for _, at in sorted(near.get(photo.id, ()))]
        finder._add(photo, neighbours_before)
    return finder
