"""CLIP through sentence-transformers: texts and images into one normalised float32 space.

torch and sentence-transformers are imported only when the model is first needed, so
`clipdesk status` and the GUI's first paint never pay for them.

Precision (`precision=` / CLIPDESK_PRECISION: auto, fp32, bf16, fp16) applies to both
towers; outputs are always float32. auto: fp16 on CUDA, bf16 on CPUs with native bfloat16
(AVX512-BF16 or AMX), else fp32. bench/indexing.py and bench/design.py check bf16 against
fp32 (image embeddings: mean cosine 0.9999; text: 0.9998).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PIL import Image

from .. import config
from ..imaging.decode import ModelInput, pixels_for
from . import model_files

if TYPE_CHECKING:  # imported for real only when the model loads
    import torch
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class _ClipModule(Protocol):
    """What the encoder calls on transformers' CLIPModel; its image features come back as a
    tensor before transformers 5 and as a model output after, hence Any."""

    def get_image_features(self, pixel_values: torch.Tensor) -> Any: ...


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


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: bfloat16 matmuls run natively (elsewhere torch emulates them, slowly)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def pick_precision(requested: str | None, device: str) -> str:
    requested = (requested or "auto").lower()
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
    if requested != "auto":
        return requested
    if device.startswith("cuda"):
        return "fp16"
    if device == "cpu" and cpu_has_native_bf16():
        return "bf16"
    return "fp32"


TEXT_PRECISIONS = ("auto", "int8", "model")


def pick_text_precision(requested: str | None, device: str) -> str:
    """The text tower's weights. A query is a handful of tokens, so encoding one reads every
    weight of the text tower once for little arithmetic: its time is memory traffic, and int8
    weights (dynamically quantized linear layers) halve it against bf16. "auto": int8 on CPU
    where torch has a quantized engine, else the image tower's precision ("model")."""
    requested = (requested or "auto").lower()
    if requested not in TEXT_PRECISIONS:
        raise ValueError(f"text precision must be one of {', '.join(TEXT_PRECISIONS)}, not {requested!r}")
    if requested != "auto":
        return requested if device == "cpu" or requested == "model" else "model"
    if device != "cpu":
        return "model"
    import torch

    engines = set(torch.backends.quantized.supported_engines) - {"none"}
    return "int8" if engines & {"x86", "fbgemm", "onednn", "qnnpack"} else "model"


def default_threads() -> int:
    """Torch threads for the encoder's big batches: one per core (the indexer asks for fewer,
    leaving cores to decoding; see clipdesk.pipeline)."""
    return max(1, os.cpu_count() or 1)


# One query (a short text, one photo) is too small to split across threads: on a busy
# 2-core machine 2 threads made a text query 6x slower at the median (247 vs 41 ms).
QUERY_THREADS = 1


def _unavailable_message(model_id: str, exc: BaseException) -> str:
    local = Path(model_id)
    if local.is_absolute() or model_id.startswith((".", "~")):
        if not local.exists():
            return (
                f"The model folder {model_id} does not exist. Choose a folder that holds a CLIP model "
                "(config.json and weights), or unset CLIPDESK_MODEL / --model to use the default model."
            )
        return (
            f"The folder {model_id} does not hold a usable CLIP model ({type(exc).__name__}: {exc}). "
            "Point --model or CLIPDESK_MODEL at a sentence-transformers or Hugging Face CLIP model folder."
        )
    reason = str(exc) if isinstance(exc, model_files.ModelNotFound) else type(exc).__name__
    return (
        f"The CLIP model '{model_id}' is not on this computer and could not be downloaded "
        f"({reason}). Connect to the internet once so clipdesk can fetch it (about 600 MB, "
        "cached afterwards), or use a model folder you already have: --model /path/to/model or "
        "CLIPDESK_MODEL=/path/to/model."
    )


class ClipEncoder:
    """Loads lazily and is safe to call from several threads (one forward pass at a time)."""

    def __init__(
        self,
        model_id: str,
        device: str | None = None,
        text_cache_size: int = 512,
        *,
        precision: str | None = None,
        threads: int | None = None,
        text_precision: str | None = None,
    ) -> None:
        self.model_id = model_id
        env = config.settings()  # CLIPDESK_* variables, parsed and checked in one place
        self.requested_device = device or env.device
        self.requested_precision = precision or env.precision
        self.requested_text_precision = text_precision or env.text_precision
        if self.requested_precision.lower() not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.requested_precision!r}")
        self.threads = threads or env.threads
        self.device: str | None = None
        self.precision: str | None = None  # resolved at load: fp32, bf16 or fp16
        self.text_precision: str | None = None  # resolved at load: int8 or the model's precision
        self._dtype: torch.dtype | None = None  # of the image tower
        self._model: SentenceTransformer | None = None
        self._clip: _ClipModule | None = None  # the transformers CLIPModel inside
        self._spec = ModelInput()
        self._dim: int | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._text_cache_size = text_cache_size
        self.image_encode_calls = 0  # files encoded; tests use it to prove moves are free
        self.download_progress = None  # a tqdm class that receives model download progress
        self._lanes: tuple[int, ThreadPoolExecutor] | None = None  # encode threads for split batches
        self._tower_files: list[Path] = []  # where the image tower's weights can be read back from
        self._tower_shapes: dict | None = None  # the image tower's weight shapes while it is released
        self._last_image_use = 0.0

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
                precision = pick_precision(self.requested_precision, device)
                text_precision = pick_text_precision(self.requested_text_precision, device)
                if device == "cpu":
                    torch.set_num_threads(self.threads or default_threads())
                local = Path(self.model_id)
                if (local.is_absolute() or self.model_id.startswith((".", "~"))) and not local.is_dir():
                    raise FileNotFoundError(self.model_id)
                # A cached hub model loads with no network access; only a missing one downloads.
                folder = model_files.resolve(self.model_id, tqdm_class=self.download_progress)
                model = SentenceTransformer(folder, device=device, local_files_only=True)
                clip = _find_clip(model)
            except ModelUnavailableError:
                raise
            except Exception as exc:  # network, missing files, wrong architecture...
                log.debug("model load failed", exc_info=True)
                raise ModelUnavailableError(_unavailable_message(self.model_id, exc)) from exc
            model.eval()
            dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
            if text_precision == "int8":
                try:
                    _quantize_text_tower(clip)
                except Exception:  # no quantized kernels for this CPU after all: keep the model's precision
                    log.warning("int8 text tower unavailable; using %s", precision, exc_info=True)
                    text_precision = "model"
            if dtype is not torch.float32:
                # A text tower left in float is converted too: ~4x faster in bf16 than fp32.
                towers = _image_towers(clip).values() if text_precision == "int8" else [clip]
                for module in towers:
                    module.to(dtype)
            if dtype is not torch.float32 or text_precision == "int8":
                _settle_memory(model)
            self.text_precision = precision if text_precision == "model" else text_precision
            self._model, self._clip, self.device = model, clip, device
            self._tower_files = _image_tower_files(Path(folder))
            self._last_image_use = time.monotonic()
            self.precision, self._dtype = precision, dtype
            self._spec = _model_input_spec(model)
            with torch.inference_mode():
                probe = self._image_features(torch.zeros(1, 3, self._spec.crop, self._spec.crop))
            self._dim = int(probe.shape[-1])
            _cut_long_texts(model, clip)
            # Warm the text path too (kernel selection, allocator): the first real query is not slower.
            model.encode(["a photo"], convert_to_numpy=True, show_progress_bar=False)
            log.info(
                "model %s on %s, image tower in %s, text tower in %s, %d torch threads",
                self.model_id,
                device,
                precision,
                self.text_precision,
                torch.get_num_threads(),
            )

    @property
    def dim(self) -> int:
        self.load()
        assert self._dim is not None
        return self._dim

    @property
    def input_spec(self) -> ModelInput:
        self.load()
        return self._spec

    @property
    def logit_scale(self) -> float:
        """CLIP's learned temperature, exp of the stored parameter (100 for the released models):
        zero-shot scores are softmax(logit_scale * cosine). Read in float32; a text tower cast to
        bf16 rounds it by under 1%."""
        self.load()
        param = getattr(self._clip, "logit_scale", None)
        return float(param.detach().float().exp()) if param is not None else 100.0

    # -- encoding ------------------------------------------------------------------------------

    def encode_pixels(self, pixels: np.ndarray, threads: int | None = None, *, split: bool = False) -> np.ndarray:
        """(N, 3, crop, crop) preprocessed pixels -> (N, dim) normalised float32.
        `threads`: torch threads for this call on CPU (the indexer leaves cores to decoding).
        `split`: on CPU, give each of the `threads` cores its own slice of the batch to encode
        single-threaded, instead of running every layer on all of them: the cores never wait
        for each other between operations (2 cores, ViT-B/32 bf16, batch 32: 1.85x one core,
        against 1.76x for two torch threads on the whole batch; bench/design.py)."""
        import torch

        self.load()
        lanes = min(threads or 1, len(pixels)) if split and self.device == "cpu" else 1
        with self._run_lock, torch.inference_mode():
            previous = torch.get_num_threads()
            wanted = 1 if lanes > 1 else threads
            if wanted and self.device == "cpu" and wanted != previous:
                torch.set_num_threads(wanted)
            try:
                self._restore_image_tower()
                self._last_image_use = time.monotonic()
                batch = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))
                if lanes > 1:
                    features = torch.cat(
                        list(self._lane_pool(lanes).map(self._lane_features, batch.tensor_split(lanes)))
                    )
                else:
                    features = self._image_features(batch)
            finally:
                if torch.get_num_threads() != previous:
                    torch.set_num_threads(previous)
            self.image_encode_calls += len(pixels)
        return _normalise(features.float().cpu().numpy())

    # -- the image tower, released while idle ----------------------------------------------------

    @property
    def image_tower_loaded(self) -> bool:
        return self._clip is not None and self._tower_shapes is None

    def release_image_tower(self, idle_s: float = 0.0) -> bool:
        """Free the image tower's weights (ViT-B/32: ~170 MB in bf16) once no image has been
        encoded for `idle_s` seconds. Text queries and searches by an indexed photo do not
        use it; the next image to encode reads it back from the model file (0.5-0.9 s), as
        Immich unloads its models after an idle while. True if it was released."""
        import torch

        with self._run_lock:
            if not self.image_tower_loaded or not self._tower_files or self.device != "cpu":
                return False
            if time.monotonic() - self._last_image_use < idle_s:
                return False
            # Each weight keeps its place, dtype and device, with no storage behind it (a meta
            # tensor would make sentence-transformers try to move the model).
            self._tower_shapes = {}
            with torch.no_grad():
                for prefix, module in _image_towers(self._clip).items():
                    for name, param in module.named_parameters():
                        self._tower_shapes[f"{prefix}.{name}"] = param.shape
                        param.data = param.data.new_empty(0)
            _give_back_memory()
            log.info("image tower released after %.0f s without images to encode", idle_s)
            return True

    def _restore_image_tower(self) -> None:
        """Called under the run lock before any image encoding."""
        if self._tower_shapes is None:
            return
        import torch
        from safetensors import safe_open

        params = {
            f"{prefix}.{name}": param
            for prefix, module in _image_towers(self._clip).items()
            for name, param in module.named_parameters()
        }
        with torch.no_grad():
            for key, param in params.items():
                param.data = param.data.new_empty(self._tower_shapes[key])
            found = set()
            for path in self._tower_files:
                with safe_open(str(path), framework="pt") as fh:
                    for key in params.keys() & set(fh.keys()):  # a safe_open is not iterable itself
                        params[key].data.copy_(fh.get_tensor(key))  # float32 -> the tower's dtype
                        found.add(key)
        if len(found) != len(params):
            raise ModelUnavailableError(f"the model file lacks {sorted(set(params) - found)[0]}")
        self._tower_shapes = None
        _give_back_memory()
        log.info("image tower read back from %s", ", ".join(p.name for p in self._tower_files))

    def _lane_pool(self, lanes: int) -> ThreadPoolExecutor:
        if self._lanes is None or self._lanes[0] != lanes:
            if self._lanes is not None:
                self._lanes[1].shutdown(wait=False)
            self._lanes = (lanes, ThreadPoolExecutor(lanes, thread_name_prefix="clipdesk-encode"))
        return self._lanes[1]

    def _lane_features(self, batch: torch.Tensor) -> torch.Tensor:
        import torch

        # Each lane thread runs its operations inline, on its own core.
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)
        with torch.inference_mode():
            return self._image_features(batch)

    def encode_images(self, images: Sequence[Image.Image | str | Path]) -> np.ndarray:
        """Query images (in memory or files), preprocessed exactly as the indexer does."""
        spec = self.input_spec
        return self.encode_pixels(
            np.stack([pixels_for(im, spec) for im in images]), threads=QUERY_THREADS if len(images) <= 2 else None
        )

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
        import torch

        self.load()
        model = self._model
        assert model is not None  # load() sets it or raises
        with self._run_lock:
            previous = torch.get_num_threads()
            if self.device == "cpu" and len(texts) <= 4 and previous != QUERY_THREADS:
                torch.set_num_threads(QUERY_THREADS)
            try:
                out = model.encode(
                    list(texts), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
                )
            finally:
                if torch.get_num_threads() != previous:
                    torch.set_num_threads(previous)
        return _normalise(np.asarray(out, dtype=np.float32))  # normalised in float32, not in the model dtype

    def _image_features(self, batch: torch.Tensor) -> torch.Tensor:
        assert self._clip is not None  # only called once loaded
        batch = batch.to(self.device, dtype=self._dtype)
        out = self._clip.get_image_features(pixel_values=batch)
        # transformers >= 5 returns a model output whose pooler_output is the projection.
        return out if hasattr(out, "shape") else out.pooler_output


def _settle_memory(model) -> None:
    """After a precision change: the weights were memory-mapped from the model file, and the
    mapping stays resident while any tensor still points into it. Copying the remaining
    (text tower) weights out lets the whole mapping go (~300 MB less resident for ViT-B/32),
    and freed float32 buffers are handed back to the OS (glibc would keep them)."""
    import torch

    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.data = tensor.data.clone()
    _give_back_memory()


def _quantize_text_tower(clip) -> None:
    """int8 weights for the text tower's linear layers, activations quantized per call
    (torch's dynamic quantization): a 6-word query 1.7x faster than bf16 (21 against 36 ms
    at the median), cosine to float32 0.998 (bf16: 0.9999); bench/design.py."""
    import warnings

    import torch
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    with torch.no_grad():  # the packed layers keep their float bias: out of the model file's mapping first
        for param in list(clip.text_model.parameters()) + list(clip.text_projection.parameters()):
            param.data = param.data.clone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        quantize_dynamic(clip.text_model, {torch.nn.Linear: default_dynamic_qconfig}, dtype=torch.qint8, inplace=True)
        # The projection is a bare Linear attribute: quantize_dynamic swaps children only.
        wrapped = quantize_dynamic(
            torch.nn.Sequential(clip.text_projection), {torch.nn.Linear: default_dynamic_qconfig}, dtype=torch.qint8
        )
        clip.text_projection = wrapped[0]


def _image_towers(clip) -> dict:
    """The modules only image encoding uses, by their key prefix in the model file."""
    return {"vision_model": clip.vision_model, "visual_projection": clip.visual_projection}


def _image_tower_files(folder: Path) -> list[Path]:
    """The safetensors file(s) holding the image tower's weights under their usual names
    (transformers' CLIPModel layout, also inside a sentence-transformers folder), or []
    when they are not found: then the tower is never released."""
    from safetensors import safe_open

    for where in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        files = sorted(where.glob("*.safetensors"))
        keys: set[str] = set()
        for path in files:
            try:
                with safe_open(str(path), framework="pt") as fh:
                    keys.update(fh.keys())
            except Exception:  # not readable as safetensors: look elsewhere
                keys.clear()
                break
        if "visual_projection.weight" in keys and any(k.startswith("vision_model.") for k in keys):
            return files
    return []


def _give_back_memory() -> None:
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


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


def _cut_long_texts(model: Any, clip: Any) -> None:
    """CLIP's text tower reads at most 77 tokens and raises on more; sentence-transformers leaves
    such models with no limit, so a long pasted description would fail the search. Cut it instead
    (what CLIP's own tokenizer does with truncate=True)."""
    limit = getattr(getattr(getattr(clip, "config", None), "text_config", None), "max_position_embeddings", None)
    first = model[0] if len(model) else None
    if isinstance(limit, int) and first is not None and hasattr(first, "max_seq_length"):
        first.max_seq_length = min(int(first.max_seq_length or limit), limit)
