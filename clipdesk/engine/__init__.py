"""The engine: ties the catalog, index, encoder, pipeline and watcher together for the CLI and the GUI.

The names below load on first use, so `clipdesk.engine.worker` (the worker primitive the app
uses for all its background work) can be imported at the app's first paint without pulling in
the catalog, numpy or the encoder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Engine, FolderError
    from .listeners import Listener
    from .lock import IndexingBusy
    from .status import EngineStatus

_EXPORTS = {
    "Engine": "core",
    "FolderError": "core",
    "Listener": "listeners",
    "IndexingBusy": "lock",
    "EngineStatus": "status",
}

__all__ = ["Engine", "EngineStatus", "FolderError", "IndexingBusy", "Listener"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
