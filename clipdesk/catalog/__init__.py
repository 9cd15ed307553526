"""Catalog and storage: SQLite, the source of truth."""

from .catalog import Catalog, EncodedImage, FailedImage, ImageRecord, Root, ScanEntry

__all__ = ["Catalog", "EncodedImage", "FailedImage", "ImageRecord", "Root", "ScanEntry"]
