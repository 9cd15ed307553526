"""Moving files to the desktop's Trash: the only way clipdesk ever changes a photo folder, and only
after the user confirmed it (the Duplicates view). Never a delete: the Trash can give them back."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from PySide6.QtCore import QFile

log = logging.getLogger(__name__)


def move_to_trash(paths: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(moved, [(path, why not)]). Qt's own Trash first (freedesktop.org spec, macOS, Windows);
    send2trash where Qt cannot (a mount with no Trash Qt finds). Safe off the GUI thread."""
    moved: list[str] = []
    failed: list[tuple[str, str]] = []
    for path in paths:
        if not os.path.lexists(path):
            failed.append((path, "gone"))
            continue
        if QFile.moveToTrash(path):
            moved.append(path)
            continue
        try:
            from send2trash import send2trash

            send2trash(path)
        except Exception as exc:  # a read-only folder, no Trash on that disk: the file stays
            log.warning("could not move %s to the Trash: %s", path, exc)
            failed.append((path, str(exc) or type(exc).__name__))
        else:
            moved.append(path)
    return moved, failed


def move_others_to_trash(plan: Sequence[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """(path kept, path to trash) pairs: each file goes only while the photo kept in its place is
    still on disk, so a keeper deleted or moved since the groups were read never leaves a picture
    with no copy at all outside the Trash."""
    moved: list[str] = []
    failed: list[tuple[str, str]] = []
    for keeper, path in plan:
        if not os.path.exists(keeper):
            failed.append((path, f"the photo to keep, {keeper}, is gone"))
            continue
        if _same_file(keeper, path):  # a link to the kept photo (or it to this one): trashing it loses both
            failed.append((path, f"it is the same file as the photo to keep, {keeper}"))
            continue
        done, not_done = move_to_trash([path])
        moved += done
        failed += not_done
    return moved, failed


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b) or os.path.samefile(a, b)
    except OSError:
        return False
