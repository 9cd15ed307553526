"""The shared library: the catalog on PostgreSQL + pgvector. All of its SQL lives in this package."""

from .catalog import PgCatalog
from .connection import UNREACHABLE, describe, is_library_url, redact
from .machine import machine_id

__all__ = ["UNREACHABLE", "PgCatalog", "describe", "is_library_url", "machine_id", "redact"]
