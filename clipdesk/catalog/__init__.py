"""Catalog and storage: SQLite, the source of truth. All of clipdesk's SQL lives here."""

from . import meta
from .catalog import Catalog
from .errors import CatalogError
from .filters import Filters
from .records import EncodedImage, FailedImage, ImageRecord, NewPath, Root, ScanEntry

__all__ = [
    "Catalog",
    "CatalogError",
    "EncodedImage",
    "FailedImage",
    "Filters",
    "ImageRecord",
    "NewPath",
    "Root",
    "ScanEntry",
    "meta",
]
