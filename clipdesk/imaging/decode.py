"""Decode a photo once into everything the pipeline needs: facts, a thumbnail and the
model's input. JPEGs are DCT-scaled while decoding so a 12 MP photo is never fully decoded.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF (iPhone photos); AVIF is built into Pillow itself.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - declared dependency, but never fatal: HEIC files then fail alone
    pass

# Pillow raises DecompressionBombError past twice this; a 200 MP panorama still opens.
Image.MAX_IMAGE_PIXELS = 200_000_000

IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".gif",
        ".webp",
        ".bmp",
        ".dib",
        ".tif",
        ".tiff",
        ".heic",
        ".heif",
        ".hif",
        ".avif",
    }
)
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_DATETIME = 0x0132


class DecodeError(Exception):
    """A file that cannot be turned into an image; the message is for the user."""


@dataclass(frozen=True)
class ModelInput:
    """How the model wants its pixels, read from the model's image processor."""

    size: int = 224  # resize shortest edge to this, then center crop
    crop: int = 224
    mean: tuple[float, float, float] = (0.48145466, 0.4578275, 0.40821073)
    std: tuple[float, float, float] = (0.26862954, 0.26130258, 0.27577711)


@dataclass
class DecodedImage:
    width: int  # as displayed, after EXIF orientation
    height: int
    format: str
    taken_at: float | None
    thumbnail: Image.Image
    pixels: np.ndarray  # float32, 3 x crop x crop, normalised for the model


def content_key(path: str | os.PathLike[str], size: int | None = None, chunk: int = 65536) -> str:
    """Cheap identity of a file's content: its size plus its first and last 64 KiB.
    Moves and renames keep it; any edit that changes the size, header or tail changes it."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        if size is None:
            size = os.fstat(fh.fileno()).st_size
        h.update(size.to_bytes(8, "little"))
        h.update(fh.read(chunk))
        if size > chunk:
            fh.seek(max(chunk, size - chunk))
            h.update(fh.read(chunk))
    return h.hexdigest()


def exif_taken_at(im: Image.Image) -> float | None:
    """EXIF DateTimeOriginal (else DateTime) as unix seconds; local time unless an offset is given."""
    try:
        exif = im.getexif()
    except Exception:  # broken EXIF must not make a good photo fail
        return None
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:
        sub = {}
    for value, offset in ((sub.get(_DATETIME_ORIGINAL), sub.get(_OFFSET_TIME_ORIGINAL)), (exif.get(_DATETIME), None)):
        if not isinstance(value, str):
            continue
        text = value.strip().rstrip("\x00")
        try:
            stamp = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue
        if stamp.year < 1800:
            continue
        if isinstance(offset, str) and len(offset) >= 6:
            try:
                stamp = datetime.strptime(text[:19] + offset.strip()[:6], "%Y:%m:%d %H:%M:%S%z")
            except ValueError:
                pass
        try:
            return stamp.timestamp()
        except (OverflowError, OSError, ValueError):
            continue
    return None


def to_rgb(im: Image.Image) -> Image.Image:
    """Any mode to 8-bit RGB: palette with transparency and alpha go onto white,
    16-bit and float greyscale are scaled down rather than clipped."""
    if im.mode == "RGB":
        return im
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float32)
        hi = float(arr.max()) if arr.size else 0.0
        scale = 255.0 / hi if hi > 255 else 1.0
        im = Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def _to_model_pixels(im: Image.Image, spec: ModelInput) -> np.ndarray:
    w, h = im.size
    scale = spec.size / min(w, h)
    rw, rh = max(spec.crop, round(w * scale)), max(spec.crop, round(h * scale))
    left, top = (rw - spec.crop) // 2, (rh - spec.crop) // 2
    if rw * rh <= 16 * spec.crop * spec.crop:
        resized = im.resize((rw, rh), Image.Resampling.BICUBIC)
        cropped = resized.crop((left, top, left + spec.crop, top + spec.crop))
    else:
        # An extreme strip (a 1 x 1,000,000 px PNG is a few KB) would need gigabytes resized
        # whole: resize only the box the center crop keeps (the same pixels, mapped alike).
        box = (left * w / rw, top * h / rh, (left + spec.crop) * w / rw, (top + spec.crop) * h / rh)
        cropped = im.resize((spec.crop, spec.crop), Image.Resampling.BICUBIC, box=box)
    # Scale and normalise in place: float32 throughout, no temporaries per step.
    arr = np.asarray(cropped, dtype=np.float32) * np.float32(1.0 / 255.0)
    arr -= np.asarray(spec.mean, dtype=np.float32)
    arr /= np.asarray(spec.std, dtype=np.float32)
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


def open_image(
    source: str | os.PathLike[str] | Image.Image, draft_to: int | None = None
) -> tuple[Image.Image, str, float | None, tuple[int, int]]:
    """Open, first frame, DCT-scaled if asked, oriented, RGB.
    Returns (image, format, taken_at, displayed full size)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = source if isinstance(source, Image.Image) else Image.open(source)
            fmt = (im.format or "").upper() or "UNKNOWN"
            full_w, full_h = im.size
            taken_at = exif_taken_at(im)
            orientation = 1
            try:
                orientation = int(im.getexif().get(0x0112, 1) or 1)
            except Exception:
                pass
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)  # animations: the first frame stands for the file
            if draft_to and fmt == "JPEG":
                im.draft("RGB", (draft_to, draft_to))
            im.load()
            try:
                im = ImageOps.exif_transpose(im)
            except Exception:
                pass  # a broken orientation tag: show the pixels as stored
            im = to_rgb(im)
    except Image.DecompressionBombError as exc:
        raise DecodeError(f"image too large to decode safely ({exc})") from exc
    except Image.DecompressionBombWarning as exc:
        raise DecodeError(f"image too large to decode safely ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise DecodeError("not an image, or a format clipdesk cannot read") from exc
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except FileNotFoundError as exc:
        raise DecodeError("file disappeared before it could be read") from exc
    except IsADirectoryError as exc:
        raise DecodeError("is a folder, not an image file") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        message = str(exc) or type(exc).__name__
        if "truncated" in message:
            raise DecodeError("the file is truncated (incomplete download or copy?)") from exc
        raise DecodeError(f"corrupt or unreadable image data: {message}") from exc
    except MemoryError as exc:
        raise DecodeError("not enough memory to decode this image") from exc
    if orientation in (5, 6, 7, 8):
        full_w, full_h = full_h, full_w
    return im, fmt, taken_at, (full_w, full_h)


def decode(path: str | os.PathLike[str], spec: ModelInput, thumb_size: int = 320) -> DecodedImage:
    """Decode once; derive both the thumbnail and the model input from that one decode."""
    if os.path.getsize(path) == 0:
        raise DecodeError("empty file (0 bytes)")
    im, fmt, taken_at, (width, height) = open_image(path, draft_to=max(spec.size, thumb_size))
    return DecodedImage(
        width=width,
        height=height,
        format=fmt,
        taken_at=taken_at,
        thumbnail=make_thumbnail(im, thumb_size),
        pixels=_to_model_pixels(im, spec),
    )


def pixels_for(image: Image.Image | str | Path, spec: ModelInput) -> np.ndarray:
    """Model input for a query image (a file or an in-memory picture); nothing is stored."""
    im, *_ = open_image(image, draft_to=spec.size)
    return _to_model_pixels(im, spec)


def make_thumbnail(im: Image.Image, size: int) -> Image.Image:
    thumb = im.copy()
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return thumb
