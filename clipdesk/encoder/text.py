"""Text encoders for queries: CLIP's own text tower, or a multilingual student aligned with it.

`TextEncoder` is what a query needs from either: an id (for the query cache and for saying which
encoder answered) and `encode_texts`. `ClipEncoder` is one as it is. `StudentTextEncoder` loads a
sentence-transformers text model (a Transformer, Pooling, and a Dense projection to the image
model's width, like sentence-transformers/clip-ViT-B-32-multilingual-v1) lazily, through the same
model-file machinery as the main model: a hub id is read from the local cache with no network,
downloaded once with progress when missing, or a local folder is used as it is. Before it answers
anything it must pass clipdesk.encoder.pairing's check against the image model.

Precision follows CLIP's text tower (CLIPDESK_TEXT_PRECISION): on CPU its linear layers run with
int8 weights (dynamic quantization); "model" keeps the image tower's precision (bf16 where the CPU
has it). The embedding table stays float: a lookup reads only the query's rows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .. import config
from . import model_files
from .clip import QUERY_THREADS, ModelUnavailableError, pick_device, pick_precision, pick_text_precision
from .pairing import UnalignedModelsError, check_pairing

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# How big the default student is on disk, for the message that asks for a download.
STUDENT_DOWNLOAD_SIZE = "about 540 MB"


class TextEncoder(Protocol):
    """What a text query needs from an encoder."""

    @property
    def model_id(self) -> str: ...

    @property
    def loaded(self) -> bool: ...

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...


class MultilingualModelUnavailableError(ModelUnavailableError):
    """The multilingual text model cannot be loaded; English queries still work."""


def student_unavailable_message(model_id: str | None, image_model: str, exc: BaseException | None) -> str:
    if model_id is None:
        return (
            f"No multilingual text model is known for the image model {image_model}, so only English queries "
            "can be answered. Set CLIPDESK_MULTILINGUAL_MODEL to a text model distilled for it, or set query "
            "languages to English only."
        )
    tail = " English queries keep working meanwhile."
    if model_files.is_local(model_id):
        if not Path(model_id).expanduser().exists():
            return f"The multilingual text model folder {model_id} does not exist.{tail}"
        return (
            f"The folder {model_id} does not hold a usable sentence-transformers text model "
            f"({type(exc).__name__}: {exc}).{tail}"
        )
    reason = str(exc) if isinstance(exc, model_files.ModelNotFound) else type(exc).__name__
    return (
        f"The multilingual text model '{model_id}' is not on this computer and could not be downloaded "
        f"({reason}). Connect to the internet once so clipdesk can fetch it ({STUDENT_DOWNLOAD_SIZE}, cached "
        f"afterwards), or point CLIPDESK_MULTILINGUAL_MODEL at a folder that holds it.{tail}"
    )


class StudentTextEncoder:
    """A multilingual text student, loaded on first use; thread-safe (one forward pass at a time).

    `image_model` / `image_dim`: the model whose vectors the index holds; the student is refused
    (UnalignedModelsError) unless it is aligned with it."""

    def __init__(
        self,
        model_id: str,
        image_model: str,
        image_dim: Callable[[], int],
        *,
        device: str | None = None,
        precision: str | None = None,
        text_precision: str | None = None,
    ) -> None:
        env = config.settings()
        self.model_id = model_id
        self.image_model = image_model
        self._image_dim = image_dim
        self.requested_device = device or env.device
        self.requested_precision = precision or env.precision
        self.requested_text_precision = text_precision or env.text_precision
        self.device: str | None = None
        self.precision: str | None = None  # resolved at load: int8, bf16, fp16 or fp32
        self.dim: int | None = None
        self.download_progress = None  # a tqdm class that receives download progress, as ClipEncoder's
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def needs_download(self) -> bool:
        return model_files.needs_download(self.model_id)

    def load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            try:
                from sentence_transformers import SentenceTransformer

                device = pick_device(self.requested_device)
                local = Path(self.model_id).expanduser()
                if model_files.is_local(self.model_id) and not local.is_dir():
                    raise FileNotFoundError(self.model_id)
                folder = model_files.resolve(self.model_id, tqdm_class=self.download_progress)
                model = SentenceTransformer(folder, device=device, local_files_only=True)
                dim = _output_dim(model)
            except Exception as exc:  # network, missing files, not a text model...
                log.debug("multilingual model load failed", exc_info=True)
                raise MultilingualModelUnavailableError(
                    student_unavailable_message(self.model_id, self.image_model, exc)
                ) from exc
            # Before any tuning: an unaligned pair is refused however it would run.
            check_pairing(self.image_model, self._image_dim(), self.model_id, Path(folder), dim)
            model.eval()
            self.precision = _set_precision(model, device, self.requested_precision, self.requested_text_precision)
            model.encode(["a photo"], convert_to_numpy=True, show_progress_bar=False)  # warm the kernels
            self._model, self.device, self.dim = model, device, dim
            log.info("multilingual text model %s on %s in %s", self.model_id, device, self.precision)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        model = self._model
        assert model is not None  # load() sets it or raises
        with self._run_lock, _query_threads(self.device, len(texts)):
            out = model.encode(list(texts), convert_to_numpy=True, show_progress_bar=False)
        vectors = np.asarray(out, dtype=np.float32)
        return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _output_dim(model: Any) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension; either says the output width.
    getter = getattr(model, "get_embedding_dimension", None) or getattr(model, "get_sentence_embedding_dimension", None)
    dim = getter() if getter is not None else None
    if not dim:  # a module list that does not say: ask it
        dim = int(np.asarray(model.encode(["a"], convert_to_numpy=True)).shape[-1])
    return int(dim)


def _set_precision(model: Any, device: str, requested: str, requested_text: str) -> str:
    """int8 linear layers on CPU where torch has the kernels, else the image tower's precision."""
    import torch

    if pick_text_precision(requested_text, device) == "int8":
        try:
            _quantize_linear_layers(model)
            return "int8"
        except Exception:  # no quantized kernels for this CPU after all
            log.warning("int8 multilingual text model unavailable", exc_info=True)
    precision = pick_precision(requested, device)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    if dtype is not torch.float32:
        model.to(dtype)
    return precision


def _quantize_linear_layers(model: Any) -> None:
    import warnings

    import torch
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        for module in model:  # Transformer, Pooling, Dense: quantize_dynamic swaps children in place
            quantize_dynamic(module, {torch.nn.Linear: default_dynamic_qconfig}, dtype=torch.qint8, inplace=True)


@contextmanager
def _query_threads(device: str | None, batch: int) -> Iterator[None]:
    """One torch thread for a query or two (see clipdesk.encoder.clip.QUERY_THREADS)."""
    import torch

    previous = torch.get_num_threads()
    if device == "cpu" and batch <= 4 and previous != QUERY_THREADS:
        torch.set_num_threads(QUERY_THREADS)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


__all__ = [
    "MultilingualModelUnavailableError",
    "StudentTextEncoder",
    "TextEncoder",
    "UnalignedModelsError",
    "student_unavailable_message",
]
