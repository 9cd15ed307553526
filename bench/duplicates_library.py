"""Duplicates through the real engine on a real SQLite catalog: 100,000 photos grouped "after indexing".

The catalog is filled with bench/duplicates.py's synthetic library (random 64-bit perceptual hashes and
CLIP-like 512-d vectors over 5 years, with planted exact copies, same pictures and bursts, and hard
negatives), written the way the pipeline writes them (commit_batch, then the batch's hashes). Then a
fresh Engine on that catalog answers `duplicate_groups()` (what the app's background job and
`clipdesk duplicates` do): catalog reads, vectors loaded only for photos taken near another, the
grouping, keepers. Then photos are "indexed" in batches and each batch's `duplicate_groups()` places
only them. Prints times, peak memory and pair precision/recall; results in bench/out/duplicates_library.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import _common as c
import numpy as np
from duplicates import make_library, pairs_of, scores

from clipdesk.catalog import Catalog, EncodedImage
from clipdesk.duplicates import KINDS, PhotoRecord
from clipdesk.engine import Engine

ROOT = "/photos"
MODEL = "bench-model"


def write_batch(catalog: Catalog, root_id: int, batch: list[PhotoRecord]) -> None:
    """As the pipeline commits a batch: rows with embeddings, then the batch's perceptual hashes."""
    encoded = [
        EncodedImage(r.path, root_id, r.size, 1, f"key{r.id}", r.width, r.height, r.taken_at, r.format, r.embedding)
        for r in batch
    ]
    ids = catalog.commit_batch(encoded, [], MODEL)
    catalog.store_phashes([(ids[r.path], r.phash) for r in batch])
    # Planted byte copies: the bench has no files to read, so their full-file hashes are known up front
    # (the engine reads a file whole only when another photo has its size and no hash is stored).
    catalog.store_file_hashes([(ids[r.path], r.content_hash) for r in batch if r.content_hash])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="photos (default 100,000)")
    parser.add_argument("--later", type=int, default=1_000, help="photos indexed after the first grouping")
    parser.add_argument("--batch", type=int, default=32, help="photos per indexing batch afterwards")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="data folder to use and keep (default: a temporary one)")
    args = parser.parse_args()

    records, planted = make_library(args.n, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    later = set(rng.choice(len(records), size=min(args.later, len(records) // 2), replace=False).tolist())
    first = [r for r in records if r.id not in later]
    records = [replace(r, path=f"{ROOT}/{r.id // 1000:03d}/{r.id:06d}.jpg") for r in records]
    first = [records[r.id] for r in first]
    with tempfile.TemporaryDirectory(prefix="clipdesk-dup-") as tmp:
        data = args.keep or Path(tmp) / "data"
        data.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        catalog = Catalog(data / "catalog.sqlite3")
        root = catalog.add_root(ROOT)
        for start in range(0, len(first), 2000):
            write_batch(catalog, root.id, first[start : start + 2000])
        catalog.set_meta("model_id", MODEL)
        catalog.close()
        print(f"catalog of {len(first):,} photos written in {time.perf_counter() - t0:.1f} s")

        engine = Engine(data, MODEL)
        engine.index_lock.acquire()
        vectors_read = [0]
        read_vectors = engine.catalog.embeddings

        def counted(ids):  # what the grouping reads of the wide rows
            vectors_read[0] += len(ids)
            return read_vectors(ids)

        engine.catalog.embeddings = counted  # type: ignore[method-assign]  # counting only, same reads
        try:
            rss0 = c.rss_mb()
            t0, cpu0 = time.perf_counter(), time.process_time()
            groups = engine.duplicate_groups()
            whole, whole_cpu = time.perf_counter() - t0, time.process_time() - cpu0
            rss1 = c.rss_mb()
            finder = engine.duplicates.update()
            print(
                f"first grouping of {len(first):,} photos: {whole:.1f} s ({whole_cpu:.1f} s of CPU), "
                f"{len(groups):,} groups, {vectors_read[0]:,} vectors read, resident +{rss1 - rss0:.0f} MB, "
                f"finder's columns and indexes {finder.nbytes / len(first):.0f} B a photo"
            )
            t0 = time.perf_counter()
            engine.duplicate_groups()
            again = time.perf_counter() - t0

            # Photos indexed afterwards, batch by batch: each grouping places only the new ones.
            added = [records[pid] for pid in sorted(later)]
            per_batch = []
            for start in range(0, len(added), args.batch):
                write_batch(engine.catalog, root.id, added[start : start + args.batch])
                t0 = time.perf_counter()
                groups = engine.duplicate_groups()
                per_batch.append(time.perf_counter() - t0)
            full = engine.duplicates.full_groupings
            one_by_one = engine.duplicates.placed_one_by_one
        finally:
            engine.close()

    by_path = {r.path: r.id for r in records}
    result: dict = {
        "n": len(first),
        "machine": c.machine(),
        "first_grouping_s": whole,
        "first_grouping_cpu_s": whole_cpu,
        "load_average": os.getloadavg()[0],
        "again_nothing_new_s": again,
        "vectors_read": vectors_read[0],
        "finder_bytes_per_photo": finder.nbytes / len(first),
        "rss_added_mb": rss1 - rss0,
        "later": len(later),
        "batch": args.batch,
        "per_batch_s": {"median": c.median(per_batch), "p95": c.pct(per_batch, 95), "max": max(per_batch)},
        "full_groupings": full,
        "placed_one_by_one": one_by_one,
        "kinds": {},
    }
    rows = []
    for kind in KINDS:
        found = pairs_of([[by_path[p.path] for p in g.photos] for g in groups if g.kind == kind])
        s = scores(found, pairs_of(planted[kind]))
        result["kinds"][kind] = s
        rows.append([kind, s["planted_pairs"], s["found_pairs"], f"{s['precision']:.4f}", f"{s['recall']:.4f}"])
    print(f"nothing new: {again * 1000:.0f} ms")
    print(
        f"then {len(later):,} photos in batches of {args.batch}: grouping after each batch "
        f"median {result['per_batch_s']['median'] * 1000:.0f} ms, p95 {result['per_batch_s']['p95'] * 1000:.0f} ms "
        f"(whole groupings: {full}, photos placed one at a time: {one_by_one:,})"
    )
    print(c.table(rows, ["kind", "planted pairs", "found pairs", "precision", "recall"]))
    print("wrote", c.write_json("duplicates_library", result))


if __name__ == "__main__":
    main()
