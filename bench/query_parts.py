"""What the query-understanding parts add to a search: the multilingual student's query latency and
the best-matches background (sample draw and per-query scores).

    .venv/bin/python bench/query_parts.py                        # student (full size), background on 20k synthetic
    .venv/bin/python bench/query_parts.py --index DATA/index/vectors-50  # background on a saved index (e.g. 1M)

Measured (2-core VM, loaded): full-size student int8 7.6 ms a query at the median (fp32 31 ms; int8 vs fp32
cosine >= 0.999); at 1,000,000 photos the sample draw takes 36 ms once, then 0.035 ms a query + 0.09 ms
for the cutoff.

Student: a random multilingual DistilBERT of the real student's shape (6 layers, 768 wide, 119,547
tokens) + Dense 768->512, built from a config (random weights run at the real model's speed; the
tokenizer is the small test vocabulary, so token counts differ slightly from the real one), loaded
through StudentTextEncoder as users get it, timed per query in int8 (the CPU default) and fp32.
Background: BackgroundSample's draw (ids, choice, copying 1,024 vectors out of hnswlib) and the
per-query product (1,024 x dim), plus the cutoff itself.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clipdesk.encoder.random_model import build_random_student
from clipdesk.encoder.text import StudentTextEncoder
from clipdesk.index import VectorIndex
from clipdesk.search.background import BackgroundSample
from clipdesk.search.cutoff import best_match_count

QUERIES = [
    "a dog on the beach at sunset",
    "海滩上的狗",
    "iPhone 截图",
    "chien sur la plage",
    "birthday cake with candles",
    "去年夏天的聚会",
    "perro en la playa",
    "red car in the snow",
]


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_student(repeats: int) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        folder = build_random_student(Path(tmp) / "student", output_dim=512, size="full", image_model="bench-image")
        out["build_s"] = round(time.perf_counter() - started, 1)
        for name, kwargs in {
            "int8": {"text_precision": "int8"},
            "fp32": {"precision": "fp32", "text_precision": "model"},
        }.items():
            encoder = StudentTextEncoder(str(folder), "bench-image", lambda: 512, device="cpu", **kwargs)
            started = time.perf_counter()
            encoder.load()
            load_s = time.perf_counter() - started
            per_query = {q: _median_ms(lambda q=q, e=encoder: e.encode_texts([q]), repeats) for q in QUERIES}
            out[name] = {
                "precision": encoder.precision,
                "load_s": round(load_s, 2),
                "median_ms": round(statistics.median(per_query.values()), 1),
                "max_query_median_ms": round(max(per_query.values()), 1),
            }
            print(f"student {name}: load {load_s:.1f} s, query median {out[name]['median_ms']} ms", flush=True)
        a = StudentTextEncoder(str(folder), "bench-image", lambda: 512, device="cpu", text_precision="int8")
        b = StudentTextEncoder(
            str(folder), "bench-image", lambda: 512, device="cpu", precision="fp32", text_precision="model"
        )
        cos = np.sum(a.encode_texts(QUERIES) * b.encode_texts(QUERIES), axis=1)
        out["int8_vs_fp32_cos_min"] = round(float(cos.min()), 4)
    return out


def bench_background(index: VectorIndex, repeats: int) -> dict:
    sample = BackgroundSample()
    started = time.perf_counter()
    sample.vectors(index, "bench")
    draw_ms = (time.perf_counter() - started) * 1000
    rng = np.random.default_rng(0)
    queries = rng.standard_normal((repeats, index.dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    top = np.sort(rng.uniform(0.2, 0.35, 51))[::-1]
    times, cut_times = [], []
    for q in queries:
        started = time.perf_counter()
        background = sample.scores(index, "bench", q)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        best_match_count(top, background, len(index))
        cut_times.append((time.perf_counter() - started) * 1000)
    out = {
        "library": len(index),
        "draw_ms": round(draw_ms, 1),
        "scores_median_ms": round(statistics.median(times), 3),
        "cutoff_median_ms": round(statistics.median(cut_times), 3),
        "draws": sample.draws,
    }
    print(
        f"background at {len(index):,}: draw {draw_ms:.1f} ms, per query {out['scores_median_ms']} ms "
        f"+ cutoff {out['cutoff_median_ms']} ms",
        flush=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="stem of a saved index (vectors-N) for the background timing")
    parser.add_argument("--synthetic", type=int, default=20000, help="photos in the synthetic index otherwise")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--skip-student", action="store_true")
    args = parser.parse_args()
    result: dict = {}
    if args.index:
        started = time.perf_counter()
        index, _ = VectorIndex.load(args.index)
        print(f"loaded {len(index):,} vectors in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        rng = np.random.default_rng(1)
        vectors = rng.standard_normal((args.synthetic, 512)).astype(np.float32)
        index = VectorIndex(512, capacity=args.synthetic)
        index.add(np.arange(args.synthetic), vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    result["background"] = bench_background(index, repeats=200)
    if not args.skip_student:
        result["student"] = bench_student(args.repeats)
    out = Path(__file__).resolve().parent / "out" / "query_parts.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
