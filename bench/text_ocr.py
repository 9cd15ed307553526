"""The text pass's cost (issue 12's budget: <= 150 ms per photo without text, on average) and what the
reduced detection size costs on small text. Run through bench/indexing.py --text (or alone).

Per photo: the reading thread's CPU time (time.thread_time: what the photo costs a core, whatever else the
shared machine runs) and wall time, through TextReader.read_file exactly as the pass reads a photo (DCT-scaled
decode, detection at the reduced size, recognition of the boxes found), split into photos where text was
found and photos without. Small text: "Receipt 1357 发票" rendered at growing letter sizes on a 12 MP JPEG;
the smallest size still read, per detection size.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
HEIGHTS = (20, 26, 32, 40, 50, 64, 80)  # font size in px on a 4000 x 3000 photo


def _mean_ms(values: list[float]) -> float | None:
    return round(statistics.mean(values) * 1000, 1) if values else None


def read_costs(files: list[Path], det_side: int) -> dict:
    from clipdesk.text import TextReader

    reader = TextReader(det_side=det_side)
    reader.read_file(files[0])  # the models load once, not counted
    cpu = {"text": [], "none": []}
    wall = {"text": [], "none": []}
    for path in files:
        t_wall, t_cpu = time.perf_counter(), time.thread_time()
        try:
            lines = reader.read_file(path)
        except Exception:
            continue
        kind = "text" if lines else "none"
        cpu[kind].append(time.thread_time() - t_cpu)
        wall[kind].append(time.perf_counter() - t_wall)
    everything = cpu["text"] + cpu["none"]
    return {
        "photos": len(everything),
        "without_text": len(cpu["none"]),
        "with_text": len(cpu["text"]),
        "cpu_ms_without_text": _mean_ms(cpu["none"]),
        "cpu_ms_with_text": _mean_ms(cpu["text"]),
        "cpu_ms_all": _mean_ms(everything),
        "wall_ms_without_text": _mean_ms(wall["none"]),
        "wall_ms_with_text": _mean_ms(wall["text"]),
    }


def smallest_text(background: Path, det_side: int) -> dict:
    """The smallest font size (px on a 4000-px-wide photo) at which the English and the Chinese word are read."""
    from PIL import Image, ImageDraw, ImageFont

    from clipdesk.text import TextReader

    reader = TextReader(det_side=det_side)
    found: dict[str, int | None] = {"english": None, "chinese": None}
    with tempfile.TemporaryDirectory() as folder, Image.open(background) as im:
        base = im.convert("RGB").resize((4000, 3000))
        for height in HEIGHTS:
            photo = base.copy()
            draw = ImageDraw.Draw(photo)
            draw.rectangle((800, 1000, 800 + height * 12, 1000 + int(height * 1.6)), fill=(245, 245, 240))
            draw.text((820, 1000), "Receipt 1357 发票", font=ImageFont.truetype(str(FONT), height), fill=(20, 20, 20))
            path = Path(folder) / f"text_{height}.jpg"
            photo.save(path, quality=90)
            text = " ".join(line.text for line in reader.read_file(path)).lower()
            if found["english"] is None and "receipt" in text:
                found["english"] = height
            if found["chinese"] is None and "发票" in text:
                found["chinese"] = height
    return {f"smallest_{k}_px_of_4000": v for k, v in found.items()}


def camera_12mp(corpus: list[Path], folder: Path, count: int) -> list[Path]:
    """Corpus camera photos enlarged to 4000 x 3000 (JPEG q90): 12 MP files whose content is a real scene.
    The synthetic 12 MP set is noise-textured (its decode and detection are the worst case)."""
    from PIL import Image, ImageOps

    out: list[Path] = []
    for n, path in enumerate(p for p in corpus if p.suffix.lower() in (".jpg", ".jpeg")):
        if len(out) >= count:
            break
        try:
            with Image.open(path) as im:
                im = ImageOps.exif_transpose(im).convert("RGB")
                target = folder / f"camera_{n:03d}.jpg"
                im.resize((4000, 3000), Image.Resampling.BICUBIC).save(target, quality=90)
        except OSError:
            continue  # the corpus's broken files
        out.append(target)
    return out


def text_section(
    twelve_mp: list[Path], corpus: list[Path], sides: tuple[int, ...], camera: list[Path] | None = None
) -> dict:
    import os

    from clipdesk.text import DET_SIDE

    out: dict = {"shipped_det_side": DET_SIDE, "load_average_at_start": os.getloadavg(), "sides": {}}
    print(f"load average {os.getloadavg()[0]:.1f} (a shared machine: CPU times grow with it)", flush=True)
    for side in sides:
        row = {"12mp": read_costs(twelve_mp, side), "corpus": read_costs(corpus, side)}
        if camera:
            row["12mp-camera"] = read_costs(camera, side)
        if FONT.exists() and twelve_mp:
            row["small_text"] = smallest_text(twelve_mp[0], side)
        out["sides"][str(side)] = row
        print_row(side, row, side == DET_SIDE)
    return out


def print_row(side: int, row: dict, shipped: bool) -> None:
    mark = " (shipped)" if shipped else ""
    for name in ("12mp", "12mp-camera", "corpus"):
        if name not in row:
            continue
        r = row[name]
        print(
            f"text pass, detection at {side} px{mark}, {name}: {r['photos']} photos, "
            f"without text {r['without_text']} x {r['cpu_ms_without_text']} ms CPU "
            f"({r['wall_ms_without_text']} ms wall), "
            f"with text {r['with_text']} x {r['cpu_ms_with_text']} ms CPU; all {r['cpu_ms_all']} ms",
            flush=True,
        )
    if "small_text" in row:
        print(f"  smallest text read (font px on a 4000-px photo): {row['small_text']}", flush=True)


if __name__ == "__main__":
    import argparse
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _common as c

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photos", type=int, default=24, help="12 MP JPEGs (default 24)")
    ap.add_argument("--sides", default="640,736", help="detection sizes to compare (default 640,736)")
    args = ap.parse_args()
    twelve = c.photo_files(c.make_12mp_folder(args.photos), args.photos)
    with tempfile.TemporaryDirectory() as scratch:
        camera = camera_12mp(c.corpus_files(), Path(scratch), args.photos)
        result = text_section(twelve, c.corpus_files(), tuple(int(s) for s in args.sides.split(",")), camera)
    (c.OUT / "text_ocr.json").write_text(json.dumps(result, indent=2))
