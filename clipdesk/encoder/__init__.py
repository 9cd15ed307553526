"""The CLIP encoder (sentence-transformers on torch, loaded lazily) and the query text encoders."""

from .clip import ClipEncoder, ModelUnavailableError
from .pairing import KNOWN_PAIRS, UnalignedModelsError
from .queries import QueryEncoders, looks_english
from .text import MultilingualModelUnavailableError, StudentTextEncoder, TextEncoder

__all__ = [
    "KNOWN_PAIRS",
    "ClipEncoder",
    "ModelUnavailableError",
    "MultilingualModelUnavailableError",
    "QueryEncoders",
    "StudentTextEncoder",
    "TextEncoder",
    "UnalignedModelsError",
    "looks_english",
]
