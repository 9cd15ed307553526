"""On-disk thumbnail cache, keyed by content key so renames and moves keep their thumbnail."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PIL import Image

from ..datadisk import DataDiskProblem, disk_problem

log = logging.getLogger(__name__)


class ThumbnailCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path_for(self, content_key: str) -> Path:
        return self.folder / content_key[:2] / f"{content_key}.jpg"

    def has(self, content_key: str) -> bool:
        return self.path_for(content_key).exists()

    def made_from(self, content_key: str, source: str | os.PathLike[str], size: int = 320) -> Path | None:
        """The cached thumbnail, made now from the photo if this computer has none: on a shared library
        another machine may have encoded it, and thumbnails stay in each machine's own cache.
        None when the photo cannot be read here (offline, gone, unreadable)."""
        target = self.path_for(content_key)
        if target.exists():
            return target
        from .decode import DecodeError, make_thumbnail, open_image

        try:
            image, *_ = open_image(source, draft_to=size)
        except DecodeError:
            return None
        return self.store_if_room(content_key, make_thumbnail(image, size))

    def store(self, content_key: str, thumb: Image.Image) -> Path:
        """Write via a temp file and rename, so a kill never leaves half a JPEG behind."""
        target = self.path_for(content_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            thumb.save(tmp, "JPEG", quality=85, optimize=False)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            problem = disk_problem(exc, self.folder)
            if problem is None:
                raise
            raise problem from exc
        return target

    def store_if_room(self, content_key: str, thumb: Image.Image) -> Path | None:
        """Store, or skip on a full or read-only disk: a thumbnail is a cache (the app draws
        a missing one from the photo), and the photo itself must still be indexed, not
        marked unreadable. The catalog's own writes on such a disk pause indexing."""
        try:
            return self.store(content_key, thumb)
        except DataDiskProblem as exc:
            log.warning("thumbnail not cached: %s", exc.user_message)
            return None
