"""Find a model's files on this computer, downloading a hub model once if needed.

A model already in the local cache loads with no network access at all. Only a hub model
that is not cached yet is downloaded, with visible progress; with no network that fails
in seconds with a clear message instead of minutes of retries.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

# Formats we never fetch: other frameworks' weights and, when safetensors exist, pickles.
_IGNORE_ALWAYS = ["*.h5", "*.msgpack", "*.onnx", "*.ot", "*.tflite", "onnx/*", "openvino/*", "*.mlmodel"]


class ModelNotFound(Exception):
    """Neither cached nor downloadable; the message says which and why."""


def is_local(model_id: str) -> bool:
    return Path(model_id).is_absolute() or model_id.startswith((".", "~"))


def hub_cache_dir() -> str | None:
    """The hub cache as the environment says now (huggingface_hub reads it only at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub")
    return None


def cached_path(model_id: str) -> str | None:
    """The local snapshot of a hub model, if it was downloaded before: what decides whether
    a model is cached (see needs_download)."""
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(model_id, local_files_only=True, cache_dir=hub_cache_dir())
    except Exception:
        return None


def needs_download(model_id: str) -> bool:
    """Is this model missing from the local cache? The one answer, for both the loader
    (`resolve`) and the app, which says "downloading" instead of "loading" when True."""
    if is_local(model_id):
        return False
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(model_id)
    except Exception:  # not a hub id at all: no download would help, the load says why
        return False
    return cached_path(model_id) is None


def _endpoint_reachable(timeout: float = 5.0) -> bool:
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    host, port = parsed.hostname or "huggingface.co", parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolve(model_id: str, tqdm_class=None) -> str:
    """A local folder holding the model. `tqdm_class` receives download progress."""
    if is_local(model_id):
        return str(Path(model_id).expanduser())
    cached = cached_path(model_id)  # the same test as needs_download, keeping the path it finds
    if cached:
        return cached
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise ModelNotFound("not in the local model cache, and downloads are switched off (HF_HUB_OFFLINE)")
    if not _endpoint_reachable():
        raise ModelNotFound("not in the local model cache, and there is no network connection to download it")
    from huggingface_hub import HfApi, snapshot_download

    ignore = list(_IGNORE_ALWAYS)
    try:
        files = HfApi().list_repo_files(model_id)
        if any(f.endswith(".safetensors") for f in files):
            ignore += ["*.bin", "*.pt", "*.pth", "*.ckpt"]  # safetensors only: nothing to unpickle
    except Exception as exc:
        raise ModelNotFound(f"the model hub could not be reached ({type(exc).__name__})") from exc
    kwargs = {"tqdm_class": tqdm_class} if tqdm_class is not None else {}
    return snapshot_download(model_id, ignore_patterns=ignore, cache_dir=hub_cache_dir(), **kwargs)
