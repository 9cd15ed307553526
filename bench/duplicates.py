"""Duplicate grouping at library scale on synthetic records with planted groups.

100,000 records (by default): random 64-bit perceptual hashes and CLIP-like 512-d vectors over
5 years of capture times, with planted groups of each kind:
- exact: byte-identical copies (same size and content hash);
- same: copies whose hash differs by 0-6 bits, a third of them stored another way up
  (the hash's bit algebra for EXIF orientations), half at half size, some without a date;
- similar: bursts of 3-8 frames 0.5-3 s apart, cosine ~0.91-0.99 to their first frame, hashes
  12-20 bits apart (subject motion);
plus hard negatives: "events" of 10-40 distinct shots of one scene minutes apart (cosine
~0.80-0.90 to each other), which must not be grouped.

Prints the time to group the whole library at once, the time per photo added one at a time
afterwards, pair precision/recall per kind, and for similar shots at each strictness.
Results also go to bench/out/duplicates.json.
"""

from __future__ import annotations

import argparse
import itertools
import time

import _common as c
import numpy as np

from clipdesk.duplicates import EXACT, KINDS, SAME, SIMILAR, DuplicateSettings, PhotoRecord, find_groups
from clipdesk.duplicates.fingerprint import dihedral_variants

DIM = 512
YEARS = 5 * 365 * 86400.0


def _flip_bits(h: int, count: int, rng: np.random.Generator) -> int:
    for bit in rng.choice(64, size=count, replace=False):
        h ^= 1 << int(bit)
    return h


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def make_library(n: int, seed: int) -> tuple[list[PhotoRecord], dict[str, list[list[int]]]]:
    rng = np.random.default_rng(seed)
    records: list[PhotoRecord] = []
    planted: dict[str, list[list[int]]] = {kind: [] for kind in KINDS}
    scenes = _unit(rng.standard_normal((2000, DIM)).astype(np.float32))

    def photo(**kw) -> int:
        pid = len(records)
        base = {"path": f"/photos/{pid:06d}.jpg", "format": "JPEG", "content_hash": None}
        base.update(kw)
        records.append(PhotoRecord(id=pid, **base))  # type: ignore[arg-type]
        return pid

    def fresh(t: float | None = None, vector: np.ndarray | None = None) -> dict:
        if vector is None:
            vector = _unit(scenes[rng.integers(len(scenes))] * 0.6 + rng.standard_normal(DIM) * 0.8 / np.sqrt(DIM))
        return {
            "size": int(rng.integers(1_000_000, 6_000_000)),
            "width": 4032,
            "height": 3024,
            "taken_at": float(rng.uniform(0, YEARS)) if t is None else t,
            "phash": int(rng.integers(0, 2**63)) * 2 + int(rng.integers(2)),
            "embedding": vector.astype(np.float32),
        }

    budget = n
    planted_exact = n // 100  # 1% of photos have byte copies
    planted_same = n // 50
    planted_bursts = n // 60
    events = n // 400
    for _ in range(planted_exact):
        original = fresh()
        digest = f"{rng.integers(2**62):x}"
        ids = [photo(**original, content_hash=digest) for _ in range(int(rng.integers(2, 4)))]
        planted[EXACT].append(ids)
    for _ in range(planted_same):
        original = fresh()
        ids = [photo(**original)]
        for _ in range(int(rng.integers(1, 3))):
            copy = dict(original)
            copy["size"] = int(rng.integers(300_000, 9_000_000))  # another format or quality
            copy["phash"] = _flip_bits(original["phash"], int(rng.integers(0, 7)), rng)
            if rng.random() < 0.33:  # stored another way up: the picture is rotated as displayed
                orientation = int(rng.integers(1, 8))
                copy["phash"] = dihedral_variants(copy["phash"])[orientation]
                if orientation >= 4:
                    copy["width"], copy["height"] = copy["height"], copy["width"]
            if rng.random() < 0.5:
                copy["width"], copy["height"] = copy["width"] // 2, copy["height"] // 2
            if rng.random() < 0.3:
                copy["taken_at"] = None  # EXIF stripped by the converter
            ids.append(photo(**copy))
        planted[SAME].append(ids)
    for _ in range(planted_bursts):
        first = fresh()
        ids = [photo(**first)]
        t = first["taken_at"]
        for _ in range(int(rng.integers(2, 8))):
            t += float(rng.uniform(0.5, 3.0))
            vector = _unit(
                first["embedding"]
                + rng.standard_normal(DIM).astype(np.float32) * rng.uniform(0.15, 0.45) / np.sqrt(DIM)
            )
            frame = fresh(t, vector)
            frame["phash"] = _flip_bits(first["phash"], int(rng.integers(12, 21)), rng)
            ids.append(photo(**frame))
        planted[SIMILAR].append(ids)
    for _ in range(events):  # hard negatives: many shots of one scene, minutes apart
        scene = scenes[rng.integers(len(scenes))]
        t = float(rng.uniform(0, YEARS))
        for _ in range(int(rng.integers(10, 41))):
            t += float(rng.uniform(20, 300))
            vector = _unit(scene + rng.standard_normal(DIM).astype(np.float32) * rng.uniform(0.25, 0.5) / np.sqrt(DIM))
            photo(**fresh(t, vector.astype(np.float32)))
    while len(records) < budget:
        photo(**fresh())
    return records, planted


def pairs_of(groups: list[list[int]] | list[tuple[int, ...]]) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for g in groups for a, b in itertools.combinations(g, 2)}


def scores(found: set[tuple[int, int]], planted: set[tuple[int, int]]) -> dict:
    hit = len(found & planted)
    return {
        "found_pairs": len(found),
        "planted_pairs": len(planted),
        "precision": hit / len(found) if found else 1.0,
        "recall": hit / len(planted) if planted else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="records (default 100,000)")
    parser.add_argument("--added", type=int, default=2_000, help="photos then added one at a time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--strictness", type=float, nargs="*", default=[0.0, 0.25, 0.75, 1.0], help="also try these")
    args = parser.parse_args()

    t0 = time.perf_counter()
    records, planted = make_library(args.n, args.seed)
    print(f"made {len(records):,} records in {time.perf_counter() - t0:.1f} s")
    settings = DuplicateSettings()

    t0 = time.perf_counter()
    finder = find_groups(records, settings)
    whole = time.perf_counter() - t0

    rows, result = [], {"n": len(records), "machine": c.machine(), "whole_s": whole, "kinds": {}}
    for kind in KINDS:
        s = scores(pairs_of([g.ids for g in finder.groups(kind)]), pairs_of(planted[kind]))
        result["kinds"][kind] = s
        rows.append([kind, s["planted_pairs"], s["found_pairs"], f"{s['precision']:.4f}", f"{s['recall']:.4f}"])

    # Incremental: the library minus a random sample, then the sample added one photo at a time.
    rng = np.random.default_rng(args.seed + 1)
    later = set(rng.choice(len(records), size=min(args.added, len(records) // 2), replace=False).tolist())
    t0 = time.perf_counter()
    incremental = find_groups([r for r in records if r.id not in later], settings)
    base_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for pid in sorted(later):
        incremental.add(records[pid])
    per_add = (time.perf_counter() - t0) / max(1, len(later))
    for kind in KINDS:
        s = scores(pairs_of([g.ids for g in incremental.groups(kind)]), pairs_of(planted[kind]))
        result["kinds"][kind]["incremental"] = s
        rows.append(
            [f"{kind} (incr.)", s["planted_pairs"], s["found_pairs"], f"{s['precision']:.4f}", f"{s['recall']:.4f}"]
        )
    result.update({"incremental_base_s": base_s, "per_add_ms": per_add * 1000, "added": len(later)})

    sweep = []
    for strictness in args.strictness:
        tried = find_groups(records, DuplicateSettings(strictness=strictness))
        s = scores(pairs_of([g.ids for g in tried.groups(SIMILAR)]), pairs_of(planted[SIMILAR]))
        sweep.append({"strictness": strictness, "cosine": tried.settings.similar_cosine, **s})
    result["similar_by_strictness"] = sweep

    print(f"whole library: {whole:.1f} s for {len(records):,} photos ({whole / len(records) * 1e6:.0f} µs/photo)")
    print(f"then {len(later):,} added one at a time: {per_add * 1000:.2f} ms each")
    print(c.table(rows, ["kind", "planted pairs", "found pairs", "precision", "recall"]))
    print("similar shots by strictness (default 0.5 above):")
    print(
        c.table(
            [
                [
                    f"{r['strictness']:.2f}",
                    f"{r['cosine']:.3f}",
                    r["found_pairs"],
                    f"{r['precision']:.4f}",
                    f"{r['recall']:.4f}",
                ]
                for r in sweep
            ],
            ["strictness", "cosine >=", "found pairs", "precision", "recall"],
        )
    )
    print("wrote", c.write_json("duplicates", result))


if __name__ == "__main__":
    main()
