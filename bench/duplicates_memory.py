"""What a kept duplicate grouping costs in memory per photo, and how long it takes to build.

bench/duplicates.py's synthetic library (default 100,000 photos, with planted copies and bursts)
is grouped the way the engine does it: records without embeddings, vectors read through a loader
(standing in for the catalog) only for photos taken near another. tracemalloc measures what the
finder still holds afterwards (the records it was given are made inside the measurement and
dropped by the caller, as the engine drops its catalog rows) and the peak while grouping.
Runs against whatever `clipdesk` is on the path, so an older checkout can be measured the same way:

    PYTHONPATH=/tmp/old .venv/bin/python bench/duplicates_memory.py
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from dataclasses import replace

import _common as c
from duplicates import make_library

from clipdesk.duplicates import KINDS, DuplicateSettings, find_groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="photos (default 100,000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    records, _ = make_library(args.n, args.seed)
    vectors = {r.id: r.embedding for r in records if r.embedding is not None}
    bare = [(r.id, r.path, r.size, r.width, r.height, r.format, r.taken_at, r.content_hash, r.phash) for r in records]
    template = replace(records[0], embedding=None)
    del records
    reads = [0]

    def loader(ids):
        reads[0] += len(ids)
        return {i: vectors[i] for i in ids if i in vectors}

    gc.collect()
    tracemalloc.start()
    t0, cpu0 = time.perf_counter(), time.process_time()
    photos = [
        replace(template, id=i, path=p, size=s, width=w, height=h, format=f, taken_at=t, content_hash=ch, phash=ph)
        for i, p, s, w, h, f, t, ch, ph in bare
    ]
    finder = find_groups(photos, DuplicateSettings(), vectors=loader)
    del photos
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    groups = {kind: len(finder.groups(kind)) for kind in KINDS}
    result = {
        "n": args.n,
        "machine": c.machine(),
        "grouping_s": seconds,
        "grouping_cpu_s": cpu,
        "held_bytes": held,
        "held_bytes_per_photo": held / args.n,
        "peak_bytes_per_photo": peak / args.n,
        "vectors_read": reads[0],
        "groups": groups,
    }
    print(
        f"{args.n:,} photos grouped in {seconds:.1f} s ({cpu:.1f} s CPU; tracemalloc slows this ~2x): "
        f"the finder holds {held / 1e6:.1f} MB = {held / args.n:.0f} B/photo (peak while grouping "
        f"{peak / args.n:.0f} B/photo), {reads[0]:,} vectors read, groups {groups}"
    )
    print("wrote", c.write_json("duplicates_memory", result))


if __name__ == "__main__":
    main()
