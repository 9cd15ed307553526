"""`clipdesk serve`: a local HTTP API (FastAPI) over the engine, for scripts and other programs.

Above the engine and beside the UI: it never imports Qt.
"""

from .app import create_app
from .library import FOLLOWER, INDEXER, ModelMismatch, ServedLibrary
from .token import load_or_create_token, token_path

__all__ = ["FOLLOWER", "INDEXER", "ModelMismatch", "ServedLibrary", "create_app", "load_or_create_token", "token_path"]
