"""Small line icons drawn from inline SVG in the palette's text colour.

Theme icons are missing on many desktops (and in the offscreen test platform), and the
style's standard icons look different everywhere; these stay crisp in light and dark.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

APP_ID = "io.github.clipdesk.Clipdesk"

# 24x24 outlines, stroke="C" is replaced by the wanted colour.
_PATHS: dict[str, str] = {
    "search": '<circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5 L21 21"/>',
    "image": '<rect x="3" y="4.5" width="18" height="15" rx="2.5"/><circle cx="8.5" cy="9.5" r="1.8"/>'
    '<path d="M3.5 17.5 L9.5 12 L13.5 15.5 L16 13.5 L20.5 17.5"/>',
    "folder": '<path d="M3 7 V18 A1.5 1.5 0 0 0 4.5 19.5 H19.5 A1.5 1.5 0 0 0 21 18 V9 A1.5 1.5 0 0 0 19.5 7.5'
    ' H11.5 L9.5 5 H4.5 A1.5 1.5 0 0 0 3 6.5 Z"/>',
    "close": '<path d="M6.5 6.5 L17.5 17.5 M17.5 6.5 L6.5 17.5"/>',
    "pause": '<path d="M9 6 V18 M15 6 V18"/>',
    "play": '<path d="M8 5.5 L18.5 12 L8 18.5 Z"/>',
    "back": '<path d="M19 12 H5 M11 6 L5 12 L11 18"/>',
    "prev": '<path d="M15 5 L8 12 L15 19"/>',
    "next": '<path d="M9 5 L16 12 L9 19"/>',
    "warning": '<path d="M12 3.5 L21.5 20 H2.5 Z"/><path d="M12 10 V14.5 M12 17 V17.2"/>',
    "error": '<circle cx="12" cy="12" r="9"/><path d="M12 7.5 V13 M12 16 V16.2"/>',
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 11 V16.5 M12 7.8 V8"/>',
    "small": '<rect x="8" y="8" width="8" height="8" rx="1.5"/>',
    "large": '<rect x="4" y="4" width="16" height="16" rx="2.5"/>',
    "similar": '<rect x="3" y="6" width="11" height="11" rx="2"/><rect x="10" y="10" width="11" height="11" rx="2"/>',
    "open": '<path d="M14 4 H20 V10 M20 4 L11 13"/><path d="M18 14 V19 A1 1 0 0 1 17 20 H5 A1 1 0 0 1 4 19 V7'
    ' A1 1 0 0 1 5 6 H10"/>',
    "copy": '<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8 V5 A1 1 0 0 0 15 4 H5 A1 1 0 0 0 4 5'
    ' V15 A1 1 0 0 0 5 16 H8"/>',
    "menu": '<path d="M4 7 H20 M4 12 H20 M4 17 H20"/>',
    "tag": '<path d="M3.5 12.5 V4.5 A1 1 0 0 1 4.5 3.5 H12.5 L20.5 11.5 L11.5 20.5 Z"/><circle cx="8" cy="8" r="1.5"/>',
    "album": '<rect x="4" y="3.5" width="16" height="17" rx="2"/><path d="M8 3.5 V20.5 M11 9 H17 M11 12.5 H15"/>',
    "calendar": '<rect x="3.5" y="5" width="17" height="15" rx="2"/><path d="M3.5 10 H20.5 M8 3 V7 M16 3 V7"/>',
    "library": '<rect x="3.5" y="3.5" width="7" height="7" rx="1.5"/><rect x="13.5" y="3.5" width="7" height="7"'
    ' rx="1.5"/><rect x="3.5" y="13.5" width="7" height="7" rx="1.5"/><rect x="13.5" y="13.5" width="7" height="7"'
    ' rx="1.5"/>',
}


def _svg(name: str, color: str, stroke: float = 1.8) -> bytes:
    body = _PATHS[name]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" '
        f'stroke="{color}" stroke-width="{stroke}" stroke-linecap="round" stroke-linejoin="round">{body}</svg>'
    ).encode()


def _render(data: bytes, size: int, dpr: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(data))
    image = QImage(int(size * dpr), int(size * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(dpr)
    return pixmap


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """A line icon in `color` (default: the palette's button text), with a dimmed disabled state."""
    palette = QApplication.palette()
    base = QColor(color) if color is not None else palette.color(QPalette.ColorRole.ButtonText)
    disabled = QColor(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText))
    result = QIcon()
    for size in (16, 20, 24, 32, 48):
        for dpr in (1.0, 2.0):
            result.addPixmap(_render(_svg(name, base.name()), size, dpr), QIcon.Mode.Normal)
            result.addPixmap(_render(_svg(name, disabled.name()), size, dpr), QIcon.Mode.Disabled)
    return result


def app_icon_path() -> Path | None:
    """The app's SVG: bundled (PyInstaller), beside the package (source or editable install), or installed."""
    here = Path(__file__).resolve()
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources" / "clipdesk.svg")
    candidates.append(here.parents[2] / "resources" / "clipdesk.svg")
    prefix = Path(sys.prefix)
    candidates.append(prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg")
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    candidates.append(data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg")
    for path in candidates:
        if path.is_file():
            return path
    return None


def app_icon() -> QIcon:
    path = app_icon_path()
    if path is not None:
        result = QIcon()
        data = path.read_bytes()
        for size in (16, 24, 32, 48, 64, 128, 256):
            result.addPixmap(_render(data, size, 1.0))
        return result
    return QIcon.fromTheme(APP_ID)


def app_pixmap(size: int, dpr: float = 1.0) -> QPixmap:
    path = app_icon_path()
    if path is not None:
        return _render(path.read_bytes(), size, dpr)
    return QIcon.fromTheme(APP_ID).pixmap(QSize(size, size))
