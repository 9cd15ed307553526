"""Open, show in the file manager, copy path, copy image: desktop integration per platform."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QProcess, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage


def open_file(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def show_in_folder(path: str) -> bool:
    """Reveal the file selected in the file manager; falls back to opening its folder."""
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", path])[0]
    if sys.platform == "win32":
        return QProcess.startDetached("explorer", ["/select,", os.path.normpath(path)])[0]
    if _freedesktop_show_items(path):
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))


def _freedesktop_show_items(path: str) -> bool:
    """org.freedesktop.FileManager1.ShowItems (Nautilus, Dolphin, Nemo, Thunar...), only if a
    file manager provides it, so that the fallback still opens the folder everywhere else."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusMessage
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    service = "org.freedesktop.FileManager1"
    names: list[str] = []
    for method in ("ListNames", "ListActivatableNames"):
        call = QDBusMessage.createMethodCall(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", method
        )
        reply = bus.call(call, timeout=500)
        if reply.type() == QDBusMessage.MessageType.ReplyMessage and reply.arguments():
            names += list(reply.arguments()[0])
    if service not in names:
        return False
    dbus_send = QStandardPaths.findExecutable("dbus-send") or QStandardPaths.findExecutable("gdbus")
    if not dbus_send:
        return False
    uri = QUrl.fromLocalFile(path).toString()
    if dbus_send.endswith("gdbus"):
        args = [
            "call",
            "--session",
            "--dest",
            service,
            "--object-path",
            "/org/freedesktop/FileManager1",
            "--method",
            f"{service}.ShowItems",
            f"['{uri}']",
            "''",
        ]
    else:
        args = [
            "--session",
            "--type=method_call",
            f"--dest={service}",
            "/org/freedesktop/FileManager1",
            f"{service}.ShowItems",
            f"array:string:{uri}",
            "string:",
        ]
    return QProcess.startDetached(dbus_send, args)[0]


# The clipboard keeps what we give it after the window is gone. A QMimeData made in Python is
# destroyed by Qt at process exit, after the interpreter, and crashes there; setText() and
# setImage() let Qt make the QMimeData itself.
def copy_paths(paths: list[str]) -> None:
    QGuiApplication.clipboard().setText("\n".join(paths))


def copy_image(image: QImage) -> None:
    """The pixels, for editors, documents and chat apps."""
    QGuiApplication.clipboard().setImage(image)
