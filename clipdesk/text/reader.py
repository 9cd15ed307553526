"""Read the text in a photo with RapidOCR (PP-OCR detection + recognition, Chinese and English, ONNX).

Out of the box RapidOCR spends 0.7-4 s of CPU on a photo, most of it detecting text at up to 2,000
px and running the angle classifier. Photos mostly hold no text, so the cost that matters is the
no-text one. Here:

- the detector gets the photo decoded DCT-scaled (a 12 MP JPEG at 1/4: 1000 x 750, ~15 ms instead of a
  full decode) and reduced to `det_side` px on its long side (640: 640 x 480 for 4:3);
- only the boxes found are recognised, each cut from a larger decode (a 12 MP JPEG at 1/2: 2000 x 1500)
  that is made only for photos with boxes, so small text found at the reduced size is read sharp;
- big square blobs the detector offers (a ball, a window) are not sent to the recogniser;
- the angle classifier is skipped: EXIF orientation is applied first, and tall boxes are turned before
  recognition (upside-down text is not read);
- ONNX Runtime runs one thread per reader, with its memory arena (one reader per worker thread).
A caller that already holds a decoded picture passes it to `read`.

Why the text pass decodes again instead of reusing the CLIP pass's decode (as issue 12 asked): that
decode is at 1/8 (500 x 375 for 12 MP, for 224-px model pixels and 320-px thumbnails), too small for
640-px detection; and the text pass runs later, so the picture would have to wait on disk. Keeping it
means a 1/4 decode in the CLIP pass (+6 ms of a 48-54 ms decode, measured on a noisy 12 MP JPEG) plus a
640 x 480 JPEG written (~3 ms, ~28-34 KB) for every photo in the backlog: ~3 GB of spool during a first
index of 100,000 photos, and ~8% more CPU per photo in the pass that first search waits for, to save the
text pass ~50 ms of its ~190 ms per 12 MP photo. First search comes first, so the decode is made again.

Cost (bench/text_ocr.py, CPU time of the reading thread, quiet 2-core Zen 4, load 0.7): photos without
text, the budget's case: 12 MP camera scenes (corpus photos enlarged to 4000 x 3000) 118 ms, the corpus's
own camera photos 81 ms, the synthetic noise-textured 12 MP set (the worst case: slow to decode, false
boxes) 178 ms; with text ~190-230 ms. What the reduced size costs on small text: at 640 px the smallest
text read on a 4000-px-wide photo is 40 px (font size; at 736 px: 26 px, for +20% CPU; at 576 or 608 px,
no faster on 12 MP, 80 px or nothing).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from ..imaging.decode import open_image

log = logging.getLogger(__name__)

DET_SIDE = 640  # detection input, long side (px): see the module's notes and bench/indexing.py --text
DECODE_SIDE = 1000  # DCT-scaled decode target: a 12 MP JPEG comes out at 2000 x 1500
CROP_SIDE_MAX = 2048  # larger decodes (PNG, HEIC) are reduced to this before boxes are cut
MIN_SCORE = 0.6  # recognition confidence below this is noise (foliage, textures read as letters)


@dataclass(frozen=True)
class TextLine:
    """One line of text and where it is: four corners (clockwise from top left) as fractions of the
    photo's width and height, so the box fits the photo at any display size."""

    text: str
    box: tuple[tuple[float, float], ...]
    score: float

    def to_json(self) -> dict[str, Any]:
        box = [[round(x, 4), round(y, 4)] for x, y in self.box]
        return {"text": self.text, "box": box, "score": round(self.score, 3)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> TextLine:
        return TextLine(str(data["text"]), tuple((float(x), float(y)) for x, y in data["box"]), float(data["score"]))


def decode_for_text(path: str | os.PathLike[str], side: int = DECODE_SIDE) -> tuple[Image.Image, bool]:
    """The photo, oriented and RGB, DCT-scaled towards `side` for JPEGs; and whether a larger decode
    would hold more detail (a DCT-scaled JPEG). Raises clipdesk's DecodeError."""
    image, _format, _taken, (full_w, full_h) = open_image(path, draft_to=side)
    return image, max(image.size) < max(full_w, full_h)


class TextReader:
    """One RapidOCR engine; `read` is serialised, so give each worker thread its own reader."""

    def __init__(self, det_side: int = DET_SIDE, min_score: float = MIN_SCORE, threads: int = 1) -> None:
        self.det_side = det_side
        self.min_score = min_score
        self.threads = threads
        self._lock = threading.Lock()
        self._det: Any = None
        self._rec: Any = None

    def _load(self) -> None:
        if self._det is not None:
            return
        from rapidocr import RapidOCR  # onnxruntime and the models load only when text is read

        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # The detector gets an image already reduced to det_side; "max" keeps it from growing it.
            # A memory arena: buffers are reused between photos (~20% less CPU per detection than allocating).
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
            "Det.limit_type": "max",
            "Det.limit_side_len": self.det_side,
        }
        ocr = RapidOCR(params=params)
        self._det = ocr._load_det_model()
        self._rec = ocr._load_rec_model()

    def read_file(self, path: str | os.PathLike[str]) -> list[TextLine]:
        """Decode small for the detector; a JPEG is decoded again, larger, only if it holds text."""
        image, reduced = decode_for_text(path, side=self.det_side)
        larger = (lambda: decode_for_text(path)[0]) if reduced else None
        return self.read(image, larger)

    def read(self, image: Image.Image, larger: Callable[[], Image.Image] | None = None) -> list[TextLine]:
        """The text lines in an RGB image, top to bottom, left to right. `larger`, if given, decodes
        the same photo at a higher resolution to cut the boxes from (called only when there are boxes)."""
        with self._lock:
            self._load()
            return self._read(image, larger)

    def _read(self, image: Image.Image, larger: Callable[[], Image.Image] | None) -> list[TextLine]:
        from rapidocr.ch_ppocr_rec import TextRecInput
        from rapidocr.utils.process_img import get_rotate_crop_image

        small = _fit(image, self.det_side)
        det = self._det(_bgr(small))
        boxes = _likely_text(det.boxes, small.size)
        if not len(boxes):
            return []
        big = _fit(larger() if larger is not None else image, CROP_SIDE_MAX)
        width, height = big.size
        # Boxes to the large image's pixels; each is cut from there for the recogniser.
        boxes = boxes * np.array([width / small.size[0], height / small.size[1]], dtype=np.float32)
        big_pixels = _bgr(big)
        crops = [get_rotate_crop_image(big_pixels, box.copy()) for box in boxes]
        rec = self._rec(TextRecInput(img=crops))
        lines: list[TextLine] = []
        for box, text, score in zip(boxes, rec.txts or (), rec.scores, strict=False):
            text = text.strip()
            if not text or score < self.min_score:
                continue
            corners = tuple((float(x) / width, float(y) / height) for x, y in box)
            lines.append(TextLine(text, corners, float(score)))
        return lines


def _fit(image: Image.Image, side: int) -> Image.Image:
    """RGB, its long side at most `side`."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    if max(width, height) <= side:
        return image
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _likely_text(boxes: Any, size: tuple[int, int]) -> np.ndarray:
    """The detector's boxes minus big square blobs: a box over a third of the photo's short side
    in both directions is a shape (a ball, a window), not a line of text, and recognising it costs
    ~20 ms for nothing."""
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), dtype=np.float32)
    boxes = np.asarray(boxes, dtype=np.float32)
    extent = boxes.max(axis=1) - boxes.min(axis=1)  # (n, 2): width, height
    short, long = extent.min(axis=1), extent.max(axis=1)
    blob = (short > min(size) / 3) & (long < 2 * short)
    return boxes[~blob]


def _bgr(image: Image.Image) -> np.ndarray:
    """PP-OCR models were trained on OpenCV's channel order."""
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
