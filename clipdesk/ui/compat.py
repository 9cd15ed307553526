"""Work around a PySide6 bug that would crash the app on Python 3.11.

Some PySide6 builds (seen with 6.12.0, an abi3 wheel that still installs on Python 3.10/3.11)
return None from every void method without taking a reference to it. On Python 3.12+ None is
immortal (PEP 683) and nothing happens; on 3.10/3.11 each QPainter.setPen(), QTimer.stop()...
drops None's reference count by one, and after a few thousand paints the interpreter aborts
with "none_dealloc: deallocating None".

The same build also drops references to True and False (e.g. from Signal.emit()).
`protect_none()` detects the leak with a probe and, only if it is there, gives None, True and
False a huge reference count: what Python 3.12 does for every interpreter.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_IMMORTAL = 1 << 40
_done = False


def pyside_leaks_none() -> bool:
    from PySide6.QtCore import QRect

    rect = QRect()
    before = sys.getrefcount(None)
    for _ in range(64):
        rect.setX(0)  # a void method
    return sys.getrefcount(None) < before - 32


def protect_none() -> bool:
    """Returns True if the workaround was applied."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not pyside_leaks_none():
        _done = True
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _IMMORTAL  # ob_refcnt is the first field
    _done = True
    log.info("PySide6 leaks references to None/True/False on this Python; made them immortal as on 3.12")
    return True
