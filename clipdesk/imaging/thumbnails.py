"""On-disk thumbnail cache, keyed by content key so renames and moves keep their thumbnail."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image


class ThumbnailCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path_for(self, content_key: str) -> Path:
        return self.folder / content_key[:2] / f"{content_key}.jpg"

    def has(self, content_key: str) -> bool:
        return self.path_for(content_key).exists()

    def store(self, content_key: str, thumb: Image.Image) -> Path:
        """Write via a temp file and rename, so a kill never leaves half a JPEG behind."""
        target = self.path_for(content_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        thumb.save(tmp, "JPEG", quality=85, optimize=False)
        os.replace(tmp, target)
        return target
