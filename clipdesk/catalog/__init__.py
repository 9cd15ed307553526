"""Catalog and storage: SQLite, the source of truth."""

from .catalog import Catalog, EncodedImage, FailedImage, ImageRecord, Root, ScanEntry
from .filters import Filters

__all__ = ["Catalog", "EncodedImage", "FailedImage", "Filters", "ImageRecord", "Root", "ScanEntry"]
