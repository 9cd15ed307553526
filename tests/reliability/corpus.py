"""A generated corpus of broken and odd files, each with what must become of it.

`build(folder)` returns {path: Expect}. Good-but-odd files (16-bit, CMYK, palette with alpha,
animations, extreme shapes, unicode and very long names) must be indexed; broken ones must be
recorded as errors with a reason mentioning `reason`; some entries are not photos at all
(folders, links out of the root) and must simply not be catalogued."""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

import clipdesk.imaging  # noqa: F401  (registers the HEIF plugin)


@dataclass(frozen=True)
class Expect:
    status: str  # indexed | error | absent
    reason: str = ""  # for errors: a word the recorded reason must contain (lower case)


def _photo(seed: int, size=(64, 48)) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = rng.uniform(0, 255, 3)
    img = np.stack([base[c] + rng.uniform(-3, 3) * x + rng.uniform(-3, 3) * y for c in range(3)], axis=-1)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _bytes(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def jpeg_bomb(width: int, height: int) -> bytes:
    """A small JPEG whose SOF header claims width x height pixels."""
    data = bytearray(_bytes(_photo(1), "JPEG", quality=80))
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5 : i + 9] = struct.pack(">HH", height, width)
            break
        i += 2 + length
    return bytes(data)


def build(folder: Path, *, with_long_path: bool = True) -> dict[str, Expect]:
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Expect] = {}

    def put(rel: str, content: bytes | Image.Image, expect: Expect, **save) -> Path:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Image.Image):
            content.save(path, **save)
        else:
            path.write_bytes(content)
        out[str(path)] = expect
        return path

    ok = Expect("indexed")
    # Good photos beside the bad ones, in every folder.
    for i, sub in enumerate(["", "broken", "odd", "links", "x.jpg", "names"]):
        put(os.path.join(sub, f"good_{i}.jpg"), _photo(100 + i), ok)
        put(os.path.join(sub, f"good_{i}.png"), _photo(200 + i), ok)

    # -- broken: each gets a recorded reason --------------------------------------------------
    jpeg = _bytes(_photo(7, (400, 300)), "JPEG", quality=90)
    png = _bytes(_photo(8, (200, 150)), "PNG")
    heic = _bytes(_photo(9, (256, 192)), "HEIF", quality=80)
    put("broken/zero.jpg", b"", Expect("error", "empty"))
    put("broken/zero.heic", b"", Expect("error", "empty"))
    put("broken/truncated.jpg", jpeg[: len(jpeg) // 2], Expect("error", "truncated"))
    put("broken/truncated.png", png[: len(png) // 2], Expect("error", ""))
    put("broken/truncated.heic", heic[: len(heic) // 2], Expect("error", ""))
    put("broken/header_only.jpg", jpeg[:300], Expect("error", ""))
    put("broken/random.jpg", np.random.default_rng(3).bytes(5000), Expect("error", "not an image"))
    put("broken/random.heic", np.random.default_rng(4).bytes(5000), Expect("error", ""))
    put("broken/text.png", b"this is a text file, not a picture\n" * 20, Expect("error", "not an image"))
    put("broken/html.jpg", b"<html><body>404 Not Found</body></html>", Expect("error", "not an image"))
    put("broken/bomb.png", png_bomb(100_000, 100_000), Expect("error", "too large"))
    put("broken/bomb.jpg", jpeg_bomb(60_000, 60_000), Expect("error", "too large"))
    put("broken/bomb_just_over.png", png_bomb(20_001, 20_001), Expect("error", "too large"))

    # -- odd but good: must be indexed ---------------------------------------------------------
    grad = np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20
    sixteen = Image.frombytes("I;16", (64, 48), grad.astype("<u2").tobytes())
    put("odd/sixteen_bit.png", sixteen, ok)
    put("odd/sixteen_bit.tif", sixteen, ok)
    put("odd/cmyk.jpg", _photo(11).convert("CMYK"), ok, format="JPEG")
    put("odd/cmyk.tif", _photo(12).convert("CMYK"), ok, format="TIFF")
    pal = _photo(13).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    put("odd/palette_alpha.png", pal, ok, transparency=0)
    put("odd/palette_alpha.gif", pal, ok, transparency=0)
    put("odd/la.png", _photo(14).convert("LA"), ok)
    put("odd/rgba.webp", _photo(15).convert("RGBA"), ok)
    put("odd/grey.jpg", _photo(16).convert("L"), ok)
    put("odd/one_bit.png", _photo(17).convert("1"), ok)
    frames = [_photo(20 + i) for i in range(4)]
    put("odd/animated.gif", frames[0], ok, save_all=True, append_images=frames[1:], duration=100, loop=0)
    put("odd/animated.webp", frames[0], ok, save_all=True, append_images=frames[1:], duration=100, loop=0)
    put("odd/animated.png", frames[0], ok, save_all=True, append_images=frames[1:], duration=100)
    put("odd/tiny_1x1.png", Image.new("RGB", (1, 1), (10, 200, 30)), ok)
    # Extreme shapes: a small file whose naive resize to the model's input would be enormous.
    put("odd/strip_1x1000000.png", Image.new("L", (1, 1_000_000), 128), ok)
    put("odd/strip_1000000x1.png", Image.new("L", (1_000_000, 1), 128), ok)
    put("odd/real.heic", Image.open(io.BytesIO(heic)), ok, format="HEIF")
    put("odd/upper_case.JPG", _photo(30), ok, format="JPEG")

    # -- not files at all ----------------------------------------------------------------------
    (folder / "x.jpg").mkdir(exist_ok=True)  # a folder named like a photo: its photos count
    put("x.jpg/inside.jpg", _photo(31), ok)
    (folder / "y.png" / "deeper.jpg").mkdir(parents=True, exist_ok=True)
    put("y.png/deeper.jpg/inner.png", _photo(32), ok)
    fifo = folder / "broken" / "pipe.jpg"
    os.mkfifo(fifo)  # opening it would block forever: it must never be opened
    out[str(fifo)] = Expect("error", "not a regular file")

    # -- symlinks: loops and dangling links are recorded, nothing outside the root is followed --
    links = folder / "links"
    os.symlink("loop_b.jpg", links / "loop_a.jpg")
    os.symlink("loop_a.jpg", links / "loop_b.jpg")
    os.symlink("loop_self.jpg", links / "loop_self.jpg")
    out[str(links / "loop_a.jpg")] = Expect("error", "link")
    out[str(links / "loop_b.jpg")] = Expect("error", "link")
    out[str(links / "loop_self.jpg")] = Expect("error", "link")
    os.symlink("missing_target.jpg", links / "dangling.jpg")
    out[str(links / "dangling.jpg")] = Expect("error", "link")
    os.symlink("..", links / "up")  # a folder loop: visited once, never forever
    os.symlink(".", links / "here")
    os.symlink("/", links / "slash")  # outside the root: never followed
    os.symlink("/etc/hostname", links / "outside.jpg")
    out[str(links / "outside.jpg")] = Expect("absent")
    os.symlink("good_3.jpg", links / "alias.jpg")  # inside the root: the same photo, reused
    out[str(links / "alias.jpg")] = Expect("indexed")

    # -- names -----------------------------------------------------------------------------------
    names = [
        "café_ünïcödé.jpg",
        "日本語の写真.png",
        "emoji_📷🌅.jpg",
        "rtl_שלום.jpg",
        "combining_e\u0301.jpg",
        "spaces  and\ttab.jpg",
        "new\nline.jpg",
        "quote'\"`$(x).jpg",
        "-leading-dash.jpg",
        "%s%n%x.jpg",
    ]
    for i, name in enumerate(names):
        put(os.path.join("names", name), _photo(40 + i), ok, format="JPEG")
    long_name = ("long_" + "ü" * 122)[:125] + ".jpg"  # 255 bytes in UTF-8: the longest a name can be
    assert len(long_name.encode()) <= 255
    put(os.path.join("names", long_name), _photo(60), ok, format="JPEG")
    if with_long_path:
        deep = os.path.join("names", *[f"level_{i:02d}_" + "d" * 40 for i in range(40)])  # ~2 KB of path
        put(os.path.join(deep, "deep.jpg"), _photo(61), ok, format="JPEG")
    return out
