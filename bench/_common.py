"""Shared helpers for the benchmarks: machine facts, test material, tables, JSON output.

Every benchmark compares its variants side by side in one run (the machine is shared and
noisy, so only ratios measured together mean much) and writes its results to bench/out/.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
REPO = BENCH.parent
CORPUS = Path(os.environ.get("CLIPDESK_CORPUS", REPO.parent / "shared" / "corpus" / "exif-samples"))
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus/exif-samples")
sys.path.insert(0, str(REPO))


def machine() -> dict:
    flags = ""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags") and not flags:
                    flags = line
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8") if f" {f}" in flags]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "isa": isa,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def model_folder(size: str = "vit-b-32") -> Path:
    """The full-size ViT-B/32 architecture with random weights (same speed as the real model)."""
    folder = OUT / "models" / size
    if not (folder / "config.json").exists():
        from clipdesk.encoder.random_model import build_random_clip

        build_random_clip(folder, size=size)
    return folder


def _photo(path: Path, seed: int, size=(4000, 3000), quality: int | None = None) -> Path:
    """A photo-like 12 MP JPEG: sky gradient, horizon, smooth shapes, multi-scale texture and
    sensor grain, with camera EXIF (date taken; some portraits stored rotated, orientation 6)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    w, h = size
    lw, lh = w // 8, h // 8
    y, x = np.mgrid[0:lh, 0:lw].astype(np.float32)
    sky = rng.uniform(60, 230, 3)
    ground = rng.uniform(20, 160, 3)
    horizon = lh * rng.uniform(0.3, 0.7) + 8 * np.sin(x / lw * rng.uniform(2, 9) + rng.uniform(0, 6))
    t = np.clip((y - horizon) / 6 + 0.5, 0, 1)[..., None]
    img = (1 - t) * (sky + (y / lh)[..., None] * rng.uniform(-60, 40, 3)) + t * ground
    for _ in range(rng.integers(3, 9)):  # objects: shaded ellipses
        cx, cy = rng.uniform(0, lw), rng.uniform(lh * 0.2, lh)
        rx, ry = rng.uniform(10, lw / 4), rng.uniform(10, lh / 4)
        d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
        colour = rng.uniform(0, 255, 3)
        shade = np.clip(1.2 - 0.5 * d, 0.4, 1.2)[..., None]
        img = np.where((d < 1)[..., None], colour * shade, img)
    low = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    arr = np.asarray(low, dtype=np.int16)
    texture = np.zeros((h, w), dtype=np.float32)
    for factor, amp in ((16, 16.0), (4, 10.0), (2, 7.0)):  # foliage, gravel, fine detail
        small = rng.standard_normal((h // factor, w // factor), dtype=np.float32)
        small_im = Image.fromarray(small, "F").resize((w, h), Image.Resampling.BILINEAR)
        texture += amp * np.asarray(small_im)
    mask = np.clip((np.arange(h, dtype=np.float32)[:, None] - h * 0.35) / (h * 0.2), 0.15, 1.0)  # sky is smoother
    grain = rng.integers(-5, 6, (h, w, 3), dtype=np.int16)
    arr = arr + (texture * mask).astype(np.int16)[..., None] + grain
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "BenchCam", "Model 12"
    exif[0x0132] = f"2023:{1 + seed % 12:02d}:{1 + seed % 28:02d} 12:{seed % 60:02d}:00"
    if seed % 5 == 4:
        exif[0x0112] = 6  # a portrait stored sideways, as cameras do
    exif.get_ifd(0x8769)[0x9003] = exif[0x0132]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    quality = quality or 90 + seed % 6  # 2.3-3.5 MB, like phone and camera JPEGs
    out.save(tmp, "JPEG", quality=quality, exif=exif.tobytes())
    os.replace(tmp, path)
    return path


def _photo_job(args):
    return _photo(*args)


def make_12mp_folder(n: int, folder: Path | None = None) -> Path:
    """n realistic 12 MP JPEGs (4000x3000, 2-5 MB), generated once and reused."""
    folder = folder or OUT / "photos-12mp"
    todo = [(folder / f"IMG_{i:05d}.jpg", i) for i in range(n) if not (folder / f"IMG_{i:05d}.jpg").exists()]
    if todo:
        from concurrent.futures import ProcessPoolExecutor

        print(f"generating {len(todo)} 12 MP JPEGs in {folder} (once)...", flush=True)
        with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
            list(pool.map(_photo_job, todo, chunksize=4))
    return folder


def photo_files(folder: Path, n: int) -> list[Path]:
    return sorted(folder.glob("IMG_*.jpg"))[:n]


def link_or_copy(src: Path, dst: Path) -> None:
    """A hard link where the filesystem allows one (no copy of a 3 MB photo), else a copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # another filesystem, or a file we may not link to
        shutil.copy2(src, dst)


def corpus_files() -> list[Path]:
    from clipdesk.imaging import IMAGE_EXTENSIONS

    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)


def pct(values, q: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    i = min(len(v) - 1, max(0, round(q / 100 * (len(v) - 1))))
    return v[i]


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[list], header: list[str]) -> str:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def rss_mb(pid: int | None = None) -> float:
    """Resident memory (VmRSS) in MB."""
    return _status_mb("VmRSS", pid)


def _status_mb(field: str, pid: int | None) -> float:
    with open(f"/proc/{pid or 'self'}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident memory (VmHWM) in MB."""
    return _status_mb("VmHWM", pid)


def write_json(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    data = {"bench": name, "when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **data}
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=float))
    return path
