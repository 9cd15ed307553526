"""Query latency, recall, index build time and resident memory at 100k and 1M images.

    .venv/bin/python bench/search.py                  # 100,000 and 1,000,000 (~25 min on 2 cores)
    .venv/bin/python bench/search.py --sizes 100000   # quick
    .venv/bin/python bench/search.py --sizes 1000000 --keep /data/bench1m   # build once (~35 min), keep
    .venv/bin/python bench/search.py --sizes 1000000 --keep /data/bench1m --app-only [--app-runs 3]
        # only the app's launch on the kept catalog, photo folder missing and present (bench/app_launch.py);
        # --code DIR runs it from another checkout (e.g. `git archive <commit> clipdesk | tar -x -C DIR`)
    .venv/bin/python bench/search.py --library postgresql://... [--sizes ...]   # the shared library beside
        # this one on the same vectors (bench/pg_search.py; `--library embedded` starts its own server)

For each size, in a child process (so memory is that size's alone): a real catalog (SQLite,
one row per photo with its 512-d embedding) is filled with synthetic CLIP-like vectors, the
real Engine opens it and builds its HNSW index from the catalog (timed: the app's own
rebuild path), then measures, through Engine.search:
  - text query end to end: text encoding (full-size ViT-B/32 text tower, random weights,
    every query a new string, so the LRU cache never helps) + HNSW + first page's rows;
  - image query of an indexed photo (by path and by id): stored vector + HNSW + rows;
  - recall@10 / @100 of the index against exact search, for "text-like" queries (cluster
    direction plus a modality offset, like CLIP's text-image gap) and held-out "image-like"
    queries, and an ef_search sweep;
  - resident memory (VmRSS) of the process: model loaded, index loaded, after the queries.

The vectors: normalised 512-d, a shared mean direction (CLIP image embeddings have a mean
pairwise cosine near 0.5), 5,000 clusters of power-law sizes, per-photo noise.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import app_launch
import numpy as np

DIM = 512
CLUSTERS = 5000


class Synth:
    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.mean = _unit(rng.standard_normal(DIM).astype(np.float32))
        self.centers = _unit(0.9 * self.mean + _unit(rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)))
        sizes = 1.0 / np.arange(1, CLUSTERS + 1) ** 0.8
        self.p = sizes / sizes.sum()
        self.text_offset = _unit(rng.standard_normal(DIM).astype(np.float32))

    def images(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        which = rng.choice(CLUSTERS, size=n, p=self.p)
        x = self.centers[which] + 0.55 * _unit(rng.standard_normal((n, DIM)).astype(np.float32))
        return _unit(x)

    def texts(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        which = rng.choice(CLUSTERS, size=n, p=self.p)
        x = self.centers[which] + 1.2 * self.text_offset + 0.6 * _unit(rng.standard_normal((n, DIM)).astype(np.float32))
        return _unit(x)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def photo_root(data: Path) -> Path:
    """The catalog's one root: a folder beside the catalog (missing unless the app run creates it)."""
    return data / "photos"


def photo_path(data: Path, i: int) -> str:
    return f"{photo_root(data)}/{i // 1000:04d}/IMG_{i:07d}.jpg"


def photo_mtime_ns(i: int) -> int:
    return 1_700_000_000_000_000_000 + i * 1_000_000_000


def fill_catalog(data: Path, model_id: str, n: int, synth: Synth) -> float:
    from clipdesk.catalog import Catalog, EncodedImage

    catalog = Catalog(data / "catalog.sqlite3")
    catalog.mark_model(model_id)
    catalog.set_meta("model_dim", str(DIM))
    root = catalog.add_root(str(photo_root(data)))
    t0 = time.perf_counter()
    chunk = 20_000
    for start in range(0, n, chunk):
        vecs = synth.images(min(chunk, n - start), seed=1000 + start // chunk)
        items = [
            EncodedImage(
                photo_path(data, start + i),
                root.id,
                3_000_000,
                photo_mtime_ns(start + i),
                f"{start + i:032x}",
                4000,
                3000,
                1.6e9 + start + i,
                "JPEG",
                vecs[i],
            )
            for i in range(len(vecs))
        ]
        catalog.commit_batch(items, [], model_id)
    seconds = time.perf_counter() - t0
    catalog.close()
    return seconds


def recall(index, queries: np.ndarray, exact_ids: np.ndarray, k: int, ef: int) -> float:
    """Through VectorIndex.search with a per-query ef, as the searcher calls it."""
    hits = 0
    saved = index._index.ef
    index._index.set_ef(min(ef, 100))  # the per-query ef (k widened to ef) decides
    for q, truth in zip(queries, exact_ids, strict=True):
        got, _ = index.search(q, k, ef=ef)
        hits += len(set(got.tolist()) & set(truth[:k].tolist()))
    index._index.set_ef(saved)
    return hits / (k * len(queries))


def exact_top(matrix: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    out = []
    for start in range(0, len(queries), 64):
        scores = queries[start : start + 64] @ matrix.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.take_along_axis(scores, top, 1).argsort(axis=1)[:, ::-1]
        out.append(ids[np.take_along_axis(top, order, 1)])
    return np.concatenate(out)


def the_app(data: Path, model_dir: Path) -> dict:
    """The whole desktop app (GUI and engine, one process, offscreen) started on this catalog:
    launch -> window drawn, a text search, and its resident memory after the search and once
    the idle image tower was freed (after CLIPDESK_IMAGE_MODEL_TTL, 5 s here)."""
    import gui

    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(c.REPO),
        BENCH_IDLE_RSS="1",
        BENCH_TIMEOUT_S="150",
        CLIPDESK_IMAGE_MODEL_TTL="5",
    )
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", gui.CHILD, repr(t0), str(data), str(model_dir), "beach sunset"],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("MARKS ")), None)
    if line is None:
        print(proc.stdout[-2000:], proc.stderr[-3000:], file=sys.stderr)
        return {"error": "no timings"}
    marks = json.loads(line[6:])
    print(
        f"    app: window drawn {marks.get('window_painted', float('nan')) * 1000:.0f} ms, engine ready "
        f"{marks.get('engine_ready', float('nan')):.1f} s, resident {marks.get('rss_result_mb', float('nan')):.0f} MB "
        f"after the search, {marks.get('rss_idle_mb', float('nan')):.0f} MB idle "
        f"(image tower freed: {marks.get('tower_released')})",
        file=sys.stderr,
        flush=True,
    )
    return marks


def the_apps(data: Path, model_dir: Path, args) -> dict:
    """The app on this catalog: launch timings with the photo folder missing and present
    (bench/app_launch.py), then its resident memory (`the_app`)."""
    n = int(data.name) if data.name.isdigit() else args.child
    # The catalog's own root: a copy of a kept folder (e.g. for an older build) still points at the original.
    with sqlite3.connect(f"file:{data / 'catalog.sqlite3'}?mode=ro", uri=True) as db:
        root = db.execute("SELECT path FROM roots").fetchone()[0]
    out: dict = {
        "launch": app_launch.cases(
            data,
            model_dir,
            n,
            lambda i: f"{root}/{i // 1000:04d}/IMG_{i:07d}.jpg",
            photo_mtime_ns,
            code=Path(args.code) if args.code else None,
            runs=args.app_runs,
            cold=args.cold,
            hosts=tuple(h or None for h in args.index_hosts.split(",")),
        )
    }
    if not args.app_only:
        out.update(the_app(data, model_dir))
    return out


def one_size(n: int, args) -> dict:
    """Runs in its own process: one catalog size, everything measured."""
    from clipdesk.engine import Engine
    from clipdesk.search import SearchRequest

    model_dir = c.model_folder()
    synth = Synth()
    if args.keep:
        data = Path(args.keep) / str(n)
        data.mkdir(parents=True, exist_ok=True)
    else:
        data = Path(tempfile.mkdtemp(prefix=f"clipdesk-search-{n}-", dir=args.tmp))
    built = data / "bench-built.json"
    out: dict = {"n": n}
    try:
        if built.exists():  # --keep: filled and built by an earlier run, reused as it is
            out.update(json.loads(built.read_text()))
            out["reused"] = str(data)
        else:
            engine = Engine(data, str(model_dir))
            engine.catalog.close()
            out["catalog_fill_s"] = fill_catalog(data, engine.model_id, n, synth)
            engine = Engine(data, str(model_dir))
            out["rss_engine_open_mb"] = c.rss_mb()
            t0 = time.perf_counter()
            engine.encoder.load()
            out["model_load_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            engine.load_model()  # no saved index yet: built from the catalog, as the app does, and saved
            out["build_s"] = time.perf_counter() - t0
            assert len(engine.store.index) == n, len(engine.store.index)
            engine.close()
            del engine
            if args.keep:
                keys = ("catalog_fill_s", "rss_engine_open_mb", "model_load_s", "build_s")
                built.write_text(json.dumps({k: out[k] for k in keys}))
        if args.app_only:
            out["app"] = the_apps(data, model_dir, args)
            return out
        # A second start: the saved index is loaded, as on every normal launch.
        engine = Engine(data, str(model_dir))
        t0 = time.perf_counter()
        engine.load_model()
        out["launch_load_s"] = time.perf_counter() - t0
        assert engine.store.last_open == "loaded", engine.store.last_open
        p = engine.store.index.params
        out["index_params"] = {
            "M": p.M,
            "ef_construction": p.ef_construction,
            "ef_search": p.ef_search,
            "ef_search_text": p.ef_search_text,
        }
        ids = engine.catalog.live_vector_ids(engine.model_id)
        paths = [photo_path(data, i) for i in range(n)]

        # -- latency, end to end through Engine.search ------------------------------------------
        words = [
            "beach",
            "dog",
            "mountain",
            "sunset",
            "birthday",
            "snow",
            "city",
            "forest",
            "cat",
            "car",
            "wedding",
            "boat",
            "flowers",
            "kids",
            "night",
            "river",
            "bridge",
            "market",
            "train",
            "cake",
        ]
        rng = np.random.default_rng(7)
        for i in range(5):  # warm-up
            engine.search(SearchRequest(text=f"warm up {i}", limit=50))
        text_ms, long_ms, image_path_ms, image_id_ms = [], [], [], []
        self_hits = 0
        for i in range(args.queries):
            # The random model's tokenizer has one token per character; CLIP's BPE makes ~8
            # tokens (start/end included) of a 3-6 word query, so queries are 6 characters.
            q = f"{words[i % 20][:3]}{i:03d}"
            t0 = time.perf_counter()
            engine.search(SearchRequest(text=f"{words[i % 20]} {words[(i * 7 + 3) % 20]} photo {i}", limit=50))
            long_ms.append((time.perf_counter() - t0) * 1000)  # ~20 tokens: a long query
            t0 = time.perf_counter()
            page = engine.search(SearchRequest(text=q, limit=50))
            text_ms.append((time.perf_counter() - t0) * 1000)
            assert len(page.hits) == 50
            j = int(rng.integers(0, n))
            t0 = time.perf_counter()
            page = engine.search(SearchRequest(image=paths[j], limit=50))
            image_path_ms.append((time.perf_counter() - t0) * 1000)
            self_hits += page.hits[0].path == paths[j]  # HNSW may miss a node; counted, not asserted
            t0 = time.perf_counter()
            engine.search(SearchRequest(image=int(ids[j]), limit=50))
            image_id_ms.append((time.perf_counter() - t0) * 1000)
        # End to end at other ef settings than the shipped ones: the trade-off, measured.
        shipped, alt = engine.store.index.params, {}
        for kind, values in (("image_id", (800, 1200, 1600)), ("text", (1200, 1600, 2000, 2400))):
            for ef in values:
                engine.store.index.params = dataclasses.replace(
                    shipped, **({"ef_search": ef} if kind == "image_id" else {"ef_search_text": ef})
                )
                engine.store.index._index.set_ef(engine.store.index.params.ef_search)
                ts = []
                for i in range(min(args.queries, 100)):
                    request = (
                        SearchRequest(image=int(ids[int(rng.integers(0, n))]), limit=50)
                        if kind == "image_id"
                        else SearchRequest(text=f"{words[i % 20][:3]}{i:03d}e{ef}", limit=50)
                    )
                    t0 = time.perf_counter()
                    engine.search(request)
                    ts.append((time.perf_counter() - t0) * 1000)
                alt[f"{kind} ef={ef}"] = {"p50_ms": round(c.pct(ts, 50), 2), "p95_ms": round(c.pct(ts, 95), 2)}
                print(
                    f"    {kind} query at ef {ef}: p50 {c.pct(ts, 50):.1f} ms, p95 {c.pct(ts, 95):.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
        engine.store.index.params = shipped
        engine.store.index._index.set_ef(shipped.ef_search)
        out["latency_by_ef"] = alt
        # the parts of a text query
        enc_ms, hnsw_ms = [], []
        index = engine.store.index
        for i in range(args.queries):
            t0 = time.perf_counter()
            vec = engine.encoder.encode_texts([f"enc{i:03d}"])[0]
            enc_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            index.search(vec, 51)
            hnsw_ms.append((time.perf_counter() - t0) * 1000)
        lat = lambda v: {"p50_ms": round(c.pct(v, 50), 2), "p95_ms": round(c.pct(v, 95), 2)}  # noqa: E731
        out["text_query"] = lat(text_ms)
        out["text_query_20_tokens"] = lat(long_ms)
        out["text_encode_only"] = lat(enc_ms)
        out["hnsw_only"] = lat(hnsw_ms)
        out["image_query_path"] = lat(image_path_ms)
        out["image_query_id"] = lat(image_id_ms)
        out["image_query_finds_itself"] = self_hits / args.queries
        out["rss_after_queries_mb"] = c.rss_mb()
        out["rss_peak_mb"] = c.peak_rss_mb()

        # -- recall against exact search -----------------------------------------------------------
        matrix = np.empty((n, DIM), dtype=np.float32)
        order = np.empty(n, dtype=np.int64)
        at = 0
        for chunk_ids, vecs in engine.catalog.iter_embeddings(engine.model_id):
            matrix[at : at + len(chunk_ids)] = vecs
            order[at : at + len(chunk_ids)] = chunk_ids
            at += len(chunk_ids)
        text_q = synth.texts(args.recall_queries, seed=99)
        image_q = synth.images(args.recall_queries, seed=98)
        exact_text = exact_top(matrix, order, text_q, 100)
        exact_image = exact_top(matrix, order, image_q, 100)
        del matrix
        sims = text_q @ _unit(synth.centers).T
        out["query_data"] = {"text_to_nearest_center_cos": float(sims.max(axis=1).mean())}
        sweep = []
        params = index.params
        for ef in sorted({100, 200, 400, 600, 800, 1200, 1600, 2400, 3200, params.ef_search, params.ef_search_text}):
            t0 = time.perf_counter()
            r10t = recall(index, text_q, exact_text, 10, ef)
            ms_t = (time.perf_counter() - t0) * 1000 / len(text_q)
            t0 = time.perf_counter()
            r10i = recall(index, image_q, exact_image, 10, ef)
            ms_i = (time.perf_counter() - t0) * 1000 / len(image_q)
            sweep.append(
                {
                    "ef": ef,
                    "recall10_text": r10t,
                    "recall10_image": r10i,
                    "hnsw_ms_mean_text": ms_t,
                    "hnsw_ms_mean_image": ms_i,
                }
            )
            print(
                f"    ef {ef:5d}: recall@10 text-like {r10t:.3f} ({ms_t:.1f} ms), image-like {r10i:.3f} "
                f"({ms_i:.1f} ms)",
                file=sys.stderr,
                flush=True,
            )
        out["ef_sweep"] = sweep
        # As shipped: text queries search with ef_search_text, queries by photo with ef_search.
        out["recall10_text"] = recall(index, text_q, exact_text, 10, params.ef_search_text)
        out["recall100_text"] = recall(index, text_q, exact_text, 100, params.ef_search_text)
        out["recall10_image"] = recall(index, image_q, exact_image, 10, params.ef_search)
        out["recall100_image"] = recall(index, image_q, exact_image, 100, params.ef_search)
        out["index_file_mb"] = sum(p.stat().st_size for p in (data / "index").glob("*.hnsw")) / 2**20
        out["catalog_file_mb"] = (data / "catalog.sqlite3").stat().st_size / 2**20
        engine.close()
        del engine, index
        gc.collect()
        if not args.no_app:
            out["app"] = the_apps(data, model_dir, args)
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=200, help="timed queries of each kind")
    ap.add_argument("--recall-queries", type=int, default=300)
    ap.add_argument("--tmp", default=None, help="where the temporary catalogs go (needs ~2.5 GB per million)")
    ap.add_argument("--no-app", action="store_true", help="skip starting the desktop app on each catalog")
    ap.add_argument(
        "--keep",
        metavar="DIR",
        default=None,
        help="fill and build each size's catalog in DIR/<size> and keep it; a later run with the same DIR reuses it",
    )
    ap.add_argument("--app-only", action="store_true", help="with --keep: only start the app on the kept catalog")
    ap.add_argument("--app-runs", type=int, default=1, help="app launches per case (folder missing, present)")
    ap.add_argument("--code", default=None, help="run the app from this clipdesk checkout (e.g. an older build)")
    ap.add_argument("--cold", action="store_true", help="drop the catalog and index from the page cache per launch")
    ap.add_argument(
        "--index-hosts",
        default="",
        help="launch the app once per CLIPDESK_INDEX_HOST listed, alternating (inline,process); default: the app's",
    )
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument(
        "--library",
        metavar="URL",
        default=None,
        help="a shared library (postgresql://..., or 'embedded'): bench/pg_search.py, beside SQLite + hnswlib",
    )
    args, rest = ap.parse_known_args()
    if args.library:  # the shared library's bench, with the other options passed on
        url = [] if args.library == "embedded" else ["--library", args.library]
        extra = ["--sizes", args.sizes, "--queries", str(args.queries), "--recall-queries", str(args.recall_queries)]
        extra += ["--tmp", args.tmp] if args.tmp else []
        raise SystemExit(
            subprocess.call([sys.executable, str(Path(__file__).with_name("pg_search.py")), *url, *extra, *rest])
        )
    if rest:
        ap.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.child:
        result = one_size(args.child, args)
        print("RESULT " + json.dumps(result), flush=True)
        return
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"{n:,} images: filling a catalog, building, measuring...", flush=True)
        cmd = (
            [
                sys.executable,
                __file__,
                "--child",
                str(n),
                "--queries",
                str(args.queries),
                "--recall-queries",
                str(args.recall_queries),
            ]
            + (["--tmp", args.tmp] if args.tmp else [])
            + (["--no-app"] if args.no_app else [])
            + (["--keep", args.keep] if args.keep else [])
            + (["--app-only"] if args.app_only else [])
            + ["--app-runs", str(args.app_runs)]
            + (["--code", args.code] if args.code else [])
            + (["--cold"] if args.cold else [])
            + ["--index-hosts", args.index_hosts]
        )
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # progress on stderr, as it comes
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(proc.stdout[-3000:])
            raise SystemExit(f"the {n} run failed")
        r = json.loads(line[7:])
        results.append(r)
        if args.app_only:
            continue
        c.write_json("search", {"results": results, "complete": False})
        print(
            f"  index build from the catalog {r['build_s']:.0f} s; "
            f"text p95 {r['text_query']['p95_ms']} ms; image p95 {r['image_query_path']['p95_ms']} ms; "
            f"recall@10 {r['recall10_text']:.3f}; RSS {r['rss_after_queries_mb']:.0f} MB",
            flush=True,
        )
    if args.app_only:
        print("\n" + app_launch.table(results))
        print(f"\nwritten: {c.write_json('search-launch', {'results': results})}")
        return
    rows = []
    for r in results:
        app = r.get("app") or {}
        rows.append(
            [
                f"{r['n']:,}",
                f"{r['text_query']['p50_ms']} / {r['text_query']['p95_ms']}",
                f"{r['text_query_20_tokens']['p50_ms']} / {r['text_query_20_tokens']['p95_ms']}",
                f"{r['text_encode_only']['p50_ms']} / {r['hnsw_only']['p50_ms']}",
                f"{r['image_query_path']['p50_ms']} / {r['image_query_path']['p95_ms']}",
                f"{r['image_query_id']['p50_ms']} / {r['image_query_id']['p95_ms']}",
                f"{r['recall10_text']:.3f} / {r['recall100_text']:.3f}",
                f"{r['recall10_image']:.3f} / {r['recall100_image']:.3f}",
                f"{r['build_s']:.0f} s",
                f"{r['launch_load_s']:.1f} s",
                f"{r['rss_after_queries_mb']:.0f} MB",
                f"{app.get('rss_result_mb', float('nan')):.0f} / {app.get('rss_idle_mb', float('nan')):.0f} MB",
            ]
        )
    print()
    print(
        c.table(
            rows,
            [
                "images",
                "text query p50/p95 ms (8 tokens)",
                "20-token query p50/p95",
                "encode/HNSW p50 ms",
                "image query (path) p50/p95",
                "image query (id) p50/p95",
                "recall@10/@100 text-like",
                "recall@10/@100 image-like",
                "build",
                "launch load",
                "RSS (bench process)",
                "app RSS after search / idle",
            ],
        )
    )
    for r in results:
        ip = r["index_params"]
        print(
            f"\nef sweep at {r['n']:,} (M={ip['M']}, ef_construction={ip['ef_construction']}; shipped: "
            f"ef_search_text={ip['ef_search_text']} for text queries, ef_search={ip['ef_search']} by photo):"
        )
        print(
            c.table(
                [
                    [
                        s["ef"],
                        f"{s['recall10_text']:.3f}",
                        f"{s['hnsw_ms_mean_text']:.2f}",
                        f"{s['recall10_image']:.3f}",
                        f"{s['hnsw_ms_mean_image']:.2f}",
                    ]
                    for s in r["ef_sweep"]
                ],
                ["ef", "recall@10 text-like", "HNSW ms", "recall@10 image-like", "HNSW ms"],
            )
        )
        if r.get("latency_by_ef"):
            print(
                c.table(
                    [[k, v["p50_ms"], v["p95_ms"]] for k, v in r["latency_by_ef"].items()],
                    ["end to end, other ef", "p50 ms", "p95 ms"],
                )
            )
        app = r.get("app") or {}
        if "window_painted" in app:
            print(
                f"app on this catalog: window drawn {app['window_painted'] * 1000:.0f} ms after launch; Enter -> "
                f"result {(app['result'] - app['enter']) * 1000:.0f} ms; result -> page painted "
                f"{(app.get('page_painted', float('nan')) - app['result']) * 1000:.0f} ms"
            )
    if any("launch" in (r.get("app") or {}) for r in results):
        print("\nthe app launched on each catalog:\n" + app_launch.table(results))
    big = max(results, key=lambda r: r["n"])
    print(
        f"\nat {big['n']:,}: text p95 {big['text_query']['p95_ms']} ms (target <= 50), image p95 "
        f"{big['image_query_path']['p95_ms']} ms (<= 10), recall@10 {big['recall10_text']:.3f} text-like / "
        f"{big['recall10_image']:.3f} image-like (>= 0.98), whole app "
        f"{big.get('app', {}).get('rss_idle_mb', float('nan')):.0f} MB idle (<= 3 GB)"
    )
    print(f"\nwritten: {c.write_json('search', {'results': results, 'complete': True})}")


if __name__ == "__main__":
    main()
