"""Library settings and pass watermarks kept as meta rows: the same on every catalog (SQLite or a
shared PostgreSQL library), written once here on top of their get_meta/set_meta."""

from __future__ import annotations

from .labels import WATERMARK as LABELS_WATERMARK
from .text import TEXT_SETTING


class MetaSettings:
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        raise NotImplementedError

    def set_meta(self, key: str, value: str | None) -> None:
        raise NotImplementedError

    def labels_watermark(self, set_id: int) -> int:
        """The change sequence up to which every photo is labelled with label set `set_id` (-1: none)."""
        owner, _, seq = (self.get_meta(LABELS_WATERMARK) or "").partition(":")
        return int(seq) if owner == str(set_id) and seq else -1

    def set_labels_watermark(self, set_id: int, seq: int) -> None:
        self.set_meta(LABELS_WATERMARK, f"{set_id}:{seq}")

    def text_reading_enabled(self) -> bool:
        return self.get_meta(TEXT_SETTING) != "off"

    def set_text_reading(self, enabled: bool) -> None:
        self.set_meta(TEXT_SETTING, "on" if enabled else "off")
