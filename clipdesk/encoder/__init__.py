"""The CLIP encoder (sentence-transformers on torch, loaded lazily)."""

from .clip import ClipEncoder, ModelUnavailableError

__all__ = ["ClipEncoder", "ModelUnavailableError"]
