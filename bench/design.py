"""The measurements behind the pipeline's settings, side by side in one run:

encoder: precision (fp32, bf16 weights, bf16 autocast) x batch size x torch threads
decode:  full decode vs DCT-scaled (draft) decode of 12 MP JPEGs, thumbnail cost
decode throughput alone: threads vs worker processes, 1-3 workers

  .venv/bin/python bench/design.py [--quick] [--only encoder|decode]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import numpy as np


def encoder_sweep(quick: bool) -> list[dict]:
    import torch

    from clipdesk.encoder import ClipEncoder

    model_dir = c.model_folder()
    rows = []
    fp32 = ClipEncoder(str(model_dir), precision="fp32", text_precision="model")
    fp32.load()
    bf16 = ClipEncoder(str(model_dir), precision="bf16")
    bf16.load()
    x = np.random.default_rng(0).standard_normal((64, 3, 224, 224)).astype(np.float32)
    ref = fp32.encode_pixels(x[:32])

    def autocast_encode(pixels):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return fp32.encode_pixels(pixels)

    variants = {"fp32": fp32.encode_pixels, "bf16 weights": bf16.encode_pixels, "bf16 autocast": autocast_encode}
    batches = (32,) if quick else (8, 16, 32, 64)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, fn in variants.items():
            for batch in batches:
                if name != "bf16 weights" and batch != 32:
                    continue
                fn(x[:batch])
                reps = []
                for _ in range(2 if quick else 3):
                    t0 = time.perf_counter()
                    fn(x[:batch])
                    reps.append(time.perf_counter() - t0)
                rate = batch / min(reps)
                cos = float(np.mean(np.sum(fn(x[:32]) * ref, axis=1))) if batch == 32 else None
                rows.append(
                    {"variant": name, "threads": threads, "batch": batch, "images_per_s": rate, "cos_vs_fp32": cos}
                )
                print(
                    f"  {name:14s} threads={threads} batch={batch:3d}: {rate:6.1f} img/s"
                    + (f"  cos vs fp32 {cos:.5f}" if cos is not None else ""),
                    flush=True,
                )
    # Every core on one batch: torch threads inside each operation, or the batch split into one
    # single-threaded slice per core (what the phased indexer does), interleaved, best of 5.
    cores = os.cpu_count() or 1
    ways = {
        "1 thread": dict(threads=1),
        f"{cores} torch threads": dict(threads=cores),
        f"{cores} single-thread slices": dict(threads=cores, split=True),
    }
    best: dict[str, float] = {}
    for _ in range(2 if quick else 5):
        for name, kw in ways.items():
            t0 = time.perf_counter()
            bf16.encode_pixels(x[:32], **kw)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
    for name, seconds in best.items():
        rate = 32 / seconds
        rows.append(
            {"variant": f"bf16, batch 32, {name}", "images_per_s": rate, "vs_1_thread": best["1 thread"] / seconds}
        )
        print(
            f"  bf16 batch 32, {name:24s}: {rate:6.1f} img/s ({best['1 thread'] / seconds:.2f}x one thread)", flush=True
        )
    torch.set_num_threads(os.cpu_count() or 1)
    # A text query (6 words), each text-tower precision, interleaved: latency and cosine to fp32.
    towers = {
        "fp32": fp32,
        "bf16": ClipEncoder(str(model_dir), precision="bf16", text_precision="model"),
        "int8 (shipped on CPU)": bf16,
    }
    texts = [f"a photo of a dog on a beach {i}" for i in range(30)]
    ref_t = fp32.encode_texts(texts)
    lat: dict[str, list[float]] = {k: [] for k in towers}
    for enc in towers.values():
        for i in range(3):
            enc.encode_texts([f"warm up {i}"])
    for text in texts:
        for name, enc in towers.items():
            t0 = time.perf_counter()
            enc.encode_texts([text + " x"])
            lat[name].append((time.perf_counter() - t0) * 1000)
    for name, enc in towers.items():
        cos = np.sum(enc.encode_texts(texts) * ref_t, axis=1)
        rows.append(
            {
                "variant": f"text query, text tower {name}",
                "p50_ms": c.median(lat[name]),
                "p95_ms": c.pct(lat[name], 95),
                "cos_vs_fp32_mean": float(cos.mean()),
                "cos_vs_fp32_min": float(cos.min()),
            }
        )
        print(
            f"  text query, tower {name:22s}: p50 {c.median(lat[name]):.1f} ms, p95 {c.pct(lat[name], 95):.1f} ms, "
            f"cos vs fp32 mean {cos.mean():.4f} min {cos.min():.4f}",
            flush=True,
        )
    return rows


def _decode_full(path):
    from PIL import Image

    with Image.open(path) as im:
        im.load()
    return im.size


def _submit(pool, path: Path, spec, thumbs: str):
    from clipdesk.imaging.pool import prepare_file

    return pool.submit(prepare_file, str(path), os.path.getsize(path), spec, 320, thumbs)


def decode_sweep(quick: bool) -> list[dict]:
    import tempfile

    from clipdesk.imaging.decode import ModelInput, _to_model_pixels, make_thumbnail, open_image
    from clipdesk.imaging.pool import DecodePool

    files = c.photo_files(c.make_12mp_folder(40), 16 if quick else 40)
    rows = []
    spec = ModelInput()
    for name, fn in [
        ("full decode (Image.load)", lambda f: _decode_full(f)),
        ("DCT-scaled decode (draft 1/8)", lambda f: open_image(f, draft_to=320)),
        ("draft decode + model pixels", lambda f: _to_model_pixels(open_image(f, draft_to=320)[0], spec)),
    ]:
        fn(files[0])
        t0 = time.perf_counter()
        for f in files[:12]:
            fn(f)
        ms = (time.perf_counter() - t0) / 12 * 1000
        rows.append({"variant": name, "ms_per_image": ms})
        print(f"  {name:32s} {ms:6.1f} ms/image", flush=True)
    im = open_image(files[0], draft_to=320)[0]
    t0 = time.perf_counter()
    for _ in range(20):
        make_thumbnail(im, 320).save("/tmp/_thumb.jpg", "JPEG", quality=85)
    ms = (time.perf_counter() - t0) / 20 * 1000
    rows.append({"variant": "thumbnail from the draft (resize + JPEG write)", "ms_per_image": ms})
    print(f"  {'thumbnail from the draft':32s} {ms:6.1f} ms/image", flush=True)

    # Decode throughput alone (no encoder): threads vs processes.
    for workers in (2,) if quick else (1, 2, 3):
        for mode in ("thread", "process"):
            pool = ThreadPoolExecutor(workers) if mode == "thread" else DecodePool(workers)
            thumbs = tempfile.mkdtemp(prefix="thumbs-")
            list(f.result() for f in [_submit(pool, f, spec, thumbs) for f in files[:workers]])  # start-up
            t0 = time.perf_counter()
            list(f.result() for f in [_submit(pool, f, spec, thumbs) for f in files])
            rate = len(files) / (time.perf_counter() - t0)
            pool.shutdown(wait=True)
            rows.append({"variant": f"decode alone, {workers} {mode}(s)", "images_per_s": rate})
            print(f"  decode alone, {workers} {mode}{'s' if workers > 1 else ''}: {rate:6.1f} img/s", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["encoder", "decode"])
    args = ap.parse_args()
    out = {}
    if args.only in (None, "decode"):
        print("decode:", flush=True)
        out["decode"] = decode_sweep(args.quick)
    if args.only in (None, "encoder"):
        print("encoder (ViT-B/32, random weights):", flush=True)
        out["encoder"] = encoder_sweep(args.quick)
    rows = []
    for section, items in out.items():
        for r in items:
            value = (
                f"{r['images_per_s']:.1f} img/s"
                if "images_per_s" in r
                else f"{r['ms_per_image']:.1f} ms/img"
                if "ms_per_image" in r
                else f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms"
            )
            extra = f"threads {r['threads']}, batch {r['batch']}" if "threads" in r else ""
            cos = f"{r['cos_vs_fp32']:.5f}" if r.get("cos_vs_fp32") is not None else ""
            rows.append([section, r["variant"], extra, value, cos])
    print()
    print(c.table(rows, ["stage", "variant", "setting", "speed", "cos vs fp32"]))
    print(f"\nwritten: {c.write_json('design', out)}")


if __name__ == "__main__":
    main()
