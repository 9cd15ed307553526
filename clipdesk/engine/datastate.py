"""The catalog's health for the app, before an Engine exists: an Engine cannot open a damaged
catalog, so the app asks here first and, when it is damaged, offers the two ways back.

    state = catalog_state()            # CatalogState: .state "ok" | "damaged", .message, .backups
    if state.state == "damaged":
        result = recover("backup")     # or recover("salvage"); then open the Engine as usual

Both block for as long as the disk needs (a salvage reads every page): call them off the GUI
thread. Neither deletes anything: the damaged file is moved aside.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import config
from ..catalog.recovery import DAMAGED, FROM_BACKUP, OK, SALVAGE, CatalogState, RecoveryResult
from ..catalog.recovery import catalog_state as _catalog_state
from ..catalog.recovery import recover as _recover

__all__ = ["DAMAGED", "FROM_BACKUP", "OK", "SALVAGE", "CatalogState", "RecoveryResult", "catalog_state", "recover"]


def catalog_state(data_dir: str | os.PathLike[str] | None = None, full: bool = False) -> CatalogState:
    """ok, or damaged with the message to show and the backups (newest first, with what each
    holds) that could replace it. `full` reads every page (seconds per GB)."""
    return _catalog_state(config.data_dir(data_dir), full=full)


def recover(
    choice: str, backup: str | os.PathLike[str] | None = None, data_dir: str | os.PathLike[str] | None = None
) -> RecoveryResult:
    """choice "backup" (`backup`, default the latest) or "salvage"; the next indexing run
    re-indexes whatever is missing and the search index is rebuilt from the catalog. Raises
    IndexingBusy while another clipdesk (`clipdesk index`, an indexing `serve`) holds the library:
    its writes would go to the file being moved aside."""
    from .lock import IndexLock

    folder = config.data_dir(data_dir)
    lock = IndexLock(folder)
    lock.require()
    try:
        return _recover(folder, choice, Path(backup) if backup is not None else None)
    finally:
        lock.release()
