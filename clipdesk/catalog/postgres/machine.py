"""This machine's stable id for the shared library: a uuid kept in the local data dir.

A hostname can change or repeat; the id does not. The hostname is stored beside it for display.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

FILE_NAME = "machine-id"


def machine_id(data_dir: str | os.PathLike[str]) -> str:
    path = Path(data_dir) / FILE_NAME
    try:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = str(uuid.uuid4())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{FILE_NAME}.{value}.tmp")
    tmp.write_text(value + "\n", encoding="ascii")
    try:
        os.link(tmp, path)  # never replaces: of two processes starting at once, the first id stays
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
