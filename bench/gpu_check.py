"""The CUDA path, checked end to end: index ~500 photos on the GPU in fp16 with the overlapped
schedule, then encode the same photos through the same pipeline on the CPU in fp32, and
compare the embeddings (PASS: mean cosine >= 0.99). Reports indexing img/s, the encoder-alone
rate on the GPU, the CPU's flags and the GPU's name.

    .venv/bin/python bench/gpu_check.py                      # on a CUDA machine (a few minutes)
    .venv/bin/python bench/gpu_check.py --require-cuda       # exit 2 when there is no CUDA
    .venv/bin/python bench/gpu_check.py --device cpu --precision bf16 --photos 4 --batch 4 \\
        --no-corpus --ref-photos 4                           # a dry run of the logic on a CPU

Material and machinery as bench/indexing.py: generated 12 MP JPEGs (made once under
bench/out/) plus the shared corpus, the full-size ViT-B/32 architecture with random weights,
and the real Engine/Indexer, configured the way a user would: CLIPDESK_DEVICE,
CLIPDESK_PRECISION and CLIPDESK_SCHEDULE. The CPU reference is slow (fp32, every file
decoded again), so it covers an evenly spread subset (--ref-photos, default 100; 0: all).
Without CUDA it says so and exits 0 (2 with --require-cuda); PASS exits 0, FAIL 1.
Results: stdout and bench/out/gpu_check.json.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import indexing
import numpy as np

MIN_MEAN_COS = 0.99


@contextlib.contextmanager
def clipdesk_env(**values: str) -> Iterator[None]:
    """CLIPDESK_<NAME> variables set for the Engine built inside, then put back."""
    names = {f"CLIPDESK_{k.upper()}": v for k, v in values.items()}
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def gpu_facts(device: str) -> dict:
    import torch

    facts: dict = {"torch": torch.__version__, "torch_cuda": torch.version.cuda}
    if not device.startswith("cuda"):
        return facts
    props = torch.cuda.get_device_properties(torch.device(device))
    facts.update(
        name=props.name,
        memory_gib=round(props.total_memory / 2**30, 1),
        compute_capability=f"{props.major}.{props.minor}",
    )
    try:
        smi = ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"]
        facts["driver"] = subprocess.run(smi, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return facts


def library(files: list[tuple[str, Path]], folder: Path) -> Path:
    """`folder` holding the given files under their keys (hard links where possible)."""
    for key, src in files:
        c.link_or_copy(src, folder / key)
    return folder


def vectors_by_key(run: dict, root: Path) -> dict[str, np.ndarray]:
    real_root = os.path.realpath(root)
    return {os.path.relpath(os.path.realpath(p), real_root): v for p, v in run["vectors"].items()}


def encoder_alone(model_dir: Path, device: str, precision: str, batch: int, seconds: float) -> dict:
    """The encoder on pre-made tensors: what the device could do if decoding were free."""
    import torch

    from clipdesk.encoder import ClipEncoder

    encoder = ClipEncoder(str(model_dir), device=device, precision=precision)
    encoder.load()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    rate = indexing.ceiling(encoder, batch, seconds=seconds)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    return {"images_per_s": rate, "batch": batch, "peak_gpu_memory_mb": peak}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu for a dry run (default cuda)")
    ap.add_argument("--precision", default="fp16", help="of the image tower on --device (default fp16)")
    ap.add_argument("--schedule", default="overlap", help="indexing schedule on --device (default overlap)")
    ap.add_argument("--photos", type=int, default=400, help="12 MP JPEGs, plus the corpus (default 400)")
    ap.add_argument("--no-corpus", action="store_true", help="leave the shared corpus out")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--ref-photos", type=int, default=100, help="files re-encoded on CPU in fp32 (0: all)")
    ap.add_argument("--ceiling-seconds", type=float, default=5.0, help="how long to time the encoder alone")
    ap.add_argument("--require-cuda", action="store_true", help="exit 2 when CUDA is not available")
    args = ap.parse_args()

    import torch

    machine = c.machine()
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores, flags: {' '.join(machine['isa']) or 'none of note'}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            f"CUDA is not available on this machine (torch {torch.__version__}, CUDA build: "
            f"{torch.version.cuda or 'none'}): nothing measured, the CUDA path stays untested here. "
            "Run this on a machine with an NVIDIA GPU and a CUDA build of torch, or add --device cpu "
            "for a dry run of the check itself."
        )
        return 2 if args.require_cuda else 0
    gpu = gpu_facts(args.device)
    if "name" in gpu:
        print(
            f"GPU: {gpu['name']}, {gpu['memory_gib']} GiB, compute {gpu['compute_capability']}, "
            f"driver {gpu.get('driver', '?')}; torch {gpu['torch']}, CUDA {gpu['torch_cuda']}"
        )
    else:
        print(f"no GPU: a dry run on {args.device} (torch {gpu['torch']})")

    model_dir = c.model_folder()
    photos = [(f"12mp/{f.name}", f) for f in c.photo_files(c.make_12mp_folder(args.photos), args.photos)]
    corpus = [] if args.no_corpus else [(f"corpus/{f.relative_to(c.CORPUS)}", f) for f in c.corpus_files()]
    files = photos + corpus
    step = max(1, len(files) // args.ref_photos) if args.ref_photos else 1
    subset = files[::step][: args.ref_photos or None]
    work = Path(tempfile.mkdtemp(prefix="clipdesk-gpu-check-"))
    everything, sample = library(files, work / "all"), library(subset, work / "ref")
    print(f"{len(files)} files: {len(photos)} x 12 MP JPEG + {len(corpus)} corpus photos", flush=True)

    # -- the device run: what the app does with CLIPDESK_DEVICE/PRECISION/SCHEDULE set -----------
    with clipdesk_env(device=args.device, precision=args.precision, schedule=args.schedule):
        if args.device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        run = indexing.run_pipeline(
            "device",
            [everything],
            model_dir,
            schedule=args.schedule,
            mode="process",
            workers=None,
            threads=None,
            precision=args.precision,
            batch=args.batch,
        )
        on_gpu = args.device.startswith("cuda")
        run["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20 if on_gpu else None
    print(
        f"indexing on {run['device']} ({run['precision']}, {args.schedule}): {run['encoded']} files in "
        f"{run['seconds']:.1f} s = {run['images_per_s']:.1f} img/s ({run['errors']} errors)",
        flush=True,
    )
    alone = encoder_alone(model_dir, args.device, args.precision, args.batch, args.ceiling_seconds)
    print(f"encoder alone on {args.device} ({args.precision}, batch {args.batch}): {alone['images_per_s']:.1f} img/s")

    # -- the reference: CPU fp32 through the same pipeline, on the subset ------------------------
    with clipdesk_env(device="cpu", precision="fp32", schedule="phased"):
        ref_run = indexing.run_pipeline(
            "cpu-fp32",
            [sample],
            model_dir,
            schedule="phased",
            mode="process",
            workers=None,
            threads=None,
            precision="fp32",
            batch=args.batch,
        )
    print(
        f"reference on cpu (fp32, phased): {ref_run['encoded']} of the {len(files)} files "
        f"({'all' if step == 1 else f'one in {step}'}) in {ref_run['seconds']:.1f} s = "
        f"{ref_run['images_per_s']:.1f} img/s ({ref_run['errors']} errors)",
        flush=True,
    )

    got, ref = vectors_by_key(run, everything), vectors_by_key(ref_run, sample)
    keys = sorted(set(got) & set(ref))
    agree = indexing.agreement(np.stack([ref[k] for k in keys]), np.stack([got[k] for k in keys])) if keys else {}
    right_place = run["device"] == args.device and run["precision"] == args.precision
    passed = bool(keys) and right_place and agree["mean_cos"] >= MIN_MEAN_COS
    if keys:
        print(
            f"agreement over {len(keys)} files: mean cos {agree['mean_cos']:.5f}, min cos {agree['min_cos']:.5f}, "
            f"top-10 overlap {agree['top10_overlap']:.3f}"
        )
    if not right_place:
        print(f"the encoder ran on {run['device']} in {run['precision']}, not {args.device} in {args.precision}")
    verdict = "PASS" if passed else "FAIL"
    print(f"{verdict}: mean cos {agree.get('mean_cos', float('nan')):.5f} (needs >= {MIN_MEAN_COS})")

    for r in (run, ref_run):
        r.pop("vectors")
    path = c.write_json(
        "gpu_check",
        {
            "verdict": verdict,
            "dry_run": not args.device.startswith("cuda"),
            "gpu": gpu,
            "files": len(files),
            "photos_12mp": len(photos),
            "batch": args.batch,
            "device_run": run,
            "encoder_alone": alone,
            "reference_run": ref_run,
            "compared": len(keys),
            "agreement": agree,
            "min_mean_cos": MIN_MEAN_COS,
        },
    )
    shutil.rmtree(work, ignore_errors=True)
    print(f"written: {path}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
