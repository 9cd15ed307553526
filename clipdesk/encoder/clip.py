"""CLIP through sentence-transformers: texts and images into one normalised float32 space.

torch and sentence-transformers are imported only when the model is first needed, so
`clipdesk status` and the GUI's first paint never pay for them.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ..imaging.decode import ModelInput, pixels_for

log = logging.getLogger(__name__)


class ModelUnavailableError(RuntimeError):
    """The model cannot be loaded; the message tells the user what to do."""


def pick_device(requested: str | None = None) -> str:
    import torch

    if requested and requested != "auto":
        return requested
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _unavailable_message(model_id: str, exc: BaseException) -> str:
    local = Path(model_id)
    if local.is_absolute() or model_id.startswith((".", "~")):
        if not local.exists():
            return (f"The model folder {model_id} does not exist. Choose a folder that holds a CLIP model "
                    "(config.json and weights), or unset CLIPDESK_MODEL / --model to use the default model.")
        return (f"The folder {model_id} does not hold a usable CLIP model ({type(exc).__name__}: {exc}). "
                "Point --model or CLIPDESK_MODEL at a sentence-transformers or Hugging Face CLIP model folder.")
    return (f"The CLIP model '{model_id}' is not on this computer and could not be downloaded "
            f"({type(exc).__name__}). Connect to the internet once so clipdesk can fetch it (about 600 MB, "
            "cached afterwards), or use a model folder you already have: --model /path/to/model or "
            "CLIPDESK_MODEL=/path/to/model.")


class ClipEncoder:
    """Loads lazily and is safe to call from several threads (one forward pass at a time)."""

    def __init__(self, model_id: str, device: str | None = None, text_cache_size: int = 512) -> None:
        self.model_id = model_id
        self.requested_device = device or os.environ.get("CLIPDESK_DEVICE")
        self.device: str | None = None
        self._model = None
        self._clip = None  # the transformers CLIPModel inside
        self._spec = ModelInput()
        self._dim: int | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._text_cache_size = text_cache_size
        self.image_encode_calls = 0  # files encoded; tests use it to prove moves are free

    # -- loading -------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            try:
                import torch
                from sentence_transformers import SentenceTransformer

                device = pick_device(self.requested_device)
                local = Path(self.model_id)
                if (local.is_absolute() or self.model_id.startswith((".", "~"))) and not local.is_dir():
                    raise FileNotFoundError(self.model_id)
                model = SentenceTransformer(self.model_id, device=device)
                clip = _find_clip(model)
            except ModelUnavailableError:
                raise
            except Exception as exc:  # network, missing files, wrong architecture...
                log.debug("model load failed", exc_info=True)
                raise ModelUnavailableError(_unavailable_message(self.model_id, exc)) from exc
            model.eval()
            self._model, self._clip, self.device = model, clip, device
            self._spec = _model_input_spec(model)
            with torch.inference_mode():
                probe = self._image_features(torch.zeros(1, 3, self._spec.crop, self._spec.crop))
            self._dim = int(probe.shape[-1])

    @property
    def dim(self) -> int:
        self.load()
        assert self._dim is not None
        return self._dim

    @property
    def input_spec(self) -> ModelInput:
        self.load()
        return self._spec

    # -- encoding ------------------------------------------------------------------------------

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 3, crop, crop) preprocessed pixels -> (N, dim) normalised float32."""
        import torch

        self.load()
        with self._run_lock, torch.inference_mode():
            batch = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))
            features = self._image_features(batch)
            self.image_encode_calls += len(pixels)
        return _normalise(features.float().cpu().numpy())

    def encode_images(self, images: Sequence[Image.Image | str | Path]) -> np.ndarray:
        """Query images (in memory or files), preprocessed exactly as the indexer does."""
        spec = self.input_spec
        return self.encode_pixels(np.stack([pixels_for(im, spec) for im in images]))

    def encode_text(self, text: str) -> np.ndarray:
        """One query; repeated queries come from an LRU cache."""
        cached = self._text_cache.get(text)
        if cached is not None:
            self._text_cache.move_to_end(text)
            return cached
        vec = self.encode_texts([text])[0]
        self._text_cache[text] = vec
        while len(self._text_cache) > self._text_cache_size:
            self._text_cache.popitem(last=False)
        return vec

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        with self._run_lock:
            out = self._model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    def _image_features(self, batch):
        batch = batch.to(self.device)
        out = self._clip.get_image_features(pixel_values=batch)
        # transformers >= 5 returns a model output whose pooler_output is the projection.
        return out if hasattr(out, "shape") else out.pooler_output


def _find_clip(model):
    """The transformers CLIPModel inside a sentence-transformers model."""
    for module in model.modules():
        if hasattr(module, "get_image_features") and hasattr(module, "get_text_features"):
            return module
    raise ValueError("not a CLIP model (it has no image encoder)")


def _model_input_spec(model) -> ModelInput:
    processor = getattr(model[0], "processor", None)
    image_processor = getattr(processor, "image_processor", processor)
    if image_processor is None:
        return ModelInput()
    size = getattr(image_processor, "size", None) or {}
    crop = getattr(image_processor, "crop_size", None) or {}
    shortest = size.get("shortest_edge") or size.get("height") or 224
    crop_px = crop.get("height") or shortest
    return ModelInput(
        size=int(shortest),
        crop=int(crop_px),
        mean=tuple(getattr(image_processor, "image_mean", ModelInput.mean)),
        std=tuple(getattr(image_processor, "image_std", ModelInput.std)),
    )


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
