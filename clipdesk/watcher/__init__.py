"""Folder watching (watchdog), debounced into settled paths."""

from .watcher import FolderWatcher

__all__ = ["FolderWatcher"]
