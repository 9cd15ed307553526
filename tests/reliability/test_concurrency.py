"""Searching continuously from several threads (and reading the catalog from another process)
while 10,000 images are indexed: no crash, no "database is locked", every result consistent."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import zlib
from pathlib import Path

import numpy as np

from clipdesk.search import Filters, SearchRequest

from .util import run_cli

N = 10_000


def _png(pixels: np.ndarray) -> bytes:
    """A minimal RGB PNG (much faster than Pillow for 10,000 tiny files)."""
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def make_tiny_library(root: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    blocks = rng.integers(0, 255, (n, 8, 8, 3), dtype=np.uint8)
    for i in range(n):
        folder = root / f"f{i % 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"i{i:05d}.png").write_bytes(_png(blocks[i]))


def test_searching_from_many_threads_while_10000_images_are_indexed(tmp_path, engine_factory, ro_view, monkeypatch):
    monkeypatch.setenv("CLIPDESK_THREADS", "1")  # a tiny model on a shared 2-core machine
    source = tmp_path / "library"
    t0 = time.monotonic()
    make_tiny_library(source, N)
    print(f"\ngenerated in {time.monotonic() - t0:.1f}s")
    photos = ro_view(source)
    engine = engine_factory(batch_size=128)
    engine.add_root(photos)
    engine.load_model()

    failures: list[str] = []
    searches = {"n": 0}
    done = threading.Event()
    words = ["sunset", "a dog", "beach", "mountain -snow", "city at night", "red", "cat", "tree"]

    def check(request: SearchRequest, page, seen_max: dict) -> None:
        ids = [h.id for h in page.hits]
        scores = [h.score for h in page.hits]
        if len(ids) != len(set(ids)):
            failures.append(f"duplicate ids for {request}")
        if any(b > a + 1e-5 for a, b in itertools.pairwise(scores)):
            failures.append(f"scores out of order for {request}")
        records = engine.catalog.images(ids)
        if any(records.get(i) is None or records[i].status != "indexed" for i in ids):
            failures.append(f"a hit that is not an indexed image for {request}")
        for folder in request.filters.folders:
            if any(not h.path.startswith(folder + "/") for h in page.hits):
                failures.append(f"a hit outside the folder filter {folder}")
        key = (request.text, request.filters, request.limit)
        if request.image is None and len(ids) < seen_max.get(key, 0):
            failures.append(f"results shrank while only additions happen: {len(ids)} < {seen_max[key]}")
        seen_max[key] = max(seen_max.get(key, 0), len(ids))

    def searcher(seed: int) -> None:
        rng = random.Random(seed)
        seen_max: dict = {}
        while not done.is_set():
            try:
                kind = rng.randrange(4)
                if kind == 0:
                    request = SearchRequest(text=rng.choice(words), limit=rng.choice([10, 50, 200]))
                elif kind == 1:
                    request = SearchRequest(
                        text=rng.choice(words),
                        limit=30,
                        filters=Filters(folders=(str(photos / f"f{rng.randrange(50):02d}"),)),
                    )
                elif kind == 2:
                    live = engine.store.index.ids() if engine.store.index is not None else set()
                    if not live:
                        continue
                    target = rng.choice(sorted(live)[:200])
                    request = SearchRequest(image=target, limit=5)
                else:
                    request = SearchRequest(text=f"query {rng.randrange(10_000)}", limit=20)  # new text: encodes
                page = engine.search(request)
                check(request, page, seen_max)
                if kind == 2 and (not page.hits or page.hits[0].score < 0.999):
                    failures.append(f"an indexed photo is not its own best match: {page.hits[:1]}")
                searches["n"] += 1
                time.sleep(0.04)  # continuous (dozens of searches a second in all), leaving the indexer its share
            except Exception as exc:  # "database is locked" and any crash end up here
                failures.append(f"{type(exc).__name__}: {exc}")
                return

    def status_reader() -> None:
        last = 0
        while not done.is_set():
            try:
                c = engine.status(error_limit=10).counts
                if c["indexed"] < last or c["indexed"] + c["pending"] + c["error"] != c["total"]:
                    failures.append(f"inconsistent counts {c} after {last}")
                last = c["indexed"]
            except Exception as exc:
                failures.append(f"status: {type(exc).__name__}: {exc}")
                return
            time.sleep(0.1)

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(3)]
    threads.append(threading.Thread(target=status_reader))
    for t in threads:
        t.start()
    started = time.monotonic()
    other_process: list = []

    def index() -> None:
        try:
            engine.index()
        except Exception as exc:
            failures.append(f"indexing: {type(exc).__name__}: {exc}")

    indexer = threading.Thread(target=index)
    indexer.start()
    # Another process reads the same catalog meanwhile (the CLI while the app indexes).
    while indexer.is_alive() and len(other_process) < 2:
        time.sleep(2)
        r = run_cli(["status", "--json"], engine.data_dir, None)
        counts = json.loads(r.stdout)["counts"] if r.returncode == 0 else {}
        other_process.append((r.returncode, r.stderr[-300:], counts))
    indexer.join()
    seconds = time.monotonic() - started
    time.sleep(0.3)  # a few more searches over the finished index
    done.set()
    for t in threads:
        t.join(30)

    assert not failures, failures[:10]
    assert searches["n"] > 50, searches
    assert other_process and all(rc == 0 and c["indexed"] <= c["total"] <= N for rc, _, c in other_process), (
        other_process
    )
    counts = engine.catalog.counts()
    assert counts["indexed"] == N and counts["error"] == 0, counts
    assert engine.store.index.ids() == set(engine.catalog.live_vector_ids(engine.model_id).tolist())
    everything = engine.search(SearchRequest(text="anything", limit=N + 5))
    assert len({h.id for h in everything.hits}) == N and not everything.has_more
    assert engine.catalog.integrity_check() == "ok"
    print(f"\n{N} images indexed in {seconds:.1f}s with {searches['n']} searches alongside")
