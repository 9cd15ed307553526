"""Per-user UI settings (QSettings). Folders and the model choice live in the catalog
itself (Engine.add_root / Engine.set_model), so the CLI and the app always agree."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

THUMB_MIN, THUMB_MAX, THUMB_STEP, THUMB_DEFAULT = 96, 320, 16, 176
SORT_MODES = ("relevance", "newest", "oldest")
LANGUAGES = ("system", "en", "zh_CN")


class Settings:
    def __init__(self, path: str | None = None) -> None:
        # An explicit ini file keeps tests (and portable setups) away from the user's settings.
        self.q = QSettings(path, QSettings.Format.IniFormat) if path else QSettings()

    def _int(self, key: str, default: int) -> int:
        try:
            return int(self.q.value(key, default))
        except (TypeError, ValueError):
            return default

    @property
    def thumb_size(self) -> int:
        size = self._int("view/thumb_size", THUMB_DEFAULT)
        return max(THUMB_MIN, min(THUMB_MAX, size))

    @thumb_size.setter
    def thumb_size(self, value: int) -> None:
        self.q.setValue("view/thumb_size", int(value))

    @property
    def sort_mode(self) -> str:
        mode = str(self.q.value("view/sort", "relevance"))
        return mode if mode in SORT_MODES else "relevance"

    @sort_mode.setter
    def sort_mode(self, value: str) -> None:
        self.q.setValue("view/sort", value)

    @property
    def geometry(self) -> QByteArray | None:
        value = self.q.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.q.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        value = self.q.value("window/state")
        return value if isinstance(value, QByteArray) else None

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self.q.setValue("window/state", value)

    @property
    def sidebar_collapsed(self) -> bool:
        return str(self.q.value("window/sidebar_collapsed", "false")).lower() in ("true", "1")

    @sidebar_collapsed.setter
    def sidebar_collapsed(self, value: bool) -> None:
        self.q.setValue("window/sidebar_collapsed", "true" if value else "false")

    @property
    def language(self) -> str:
        """system | en | zh_CN: read once at start (the window's texts are built in that language)."""
        value = str(self.q.value("view/language", "system"))
        return value if value in LANGUAGES else "system"

    @language.setter
    def language(self, value: str) -> None:
        self.q.setValue("view/language", value if value in LANGUAGES else "system")

    def last_dir(self, kind: str) -> str:
        return str(self.q.value(f"dirs/{kind}", "") or "")

    def set_last_dir(self, kind: str, path: str) -> None:
        self.q.setValue(f"dirs/{kind}", path)

    def sync(self) -> None:
        self.q.sync()
