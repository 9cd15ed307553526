"""Thumbnails for the grid, read off the GUI thread.

Worker threads read the engine's cached JPEG thumbnails (or, when a thumbnail is missing,
decode the original) into QImages; the GUI thread turns them into QPixmaps and keeps them
in an LRU cache bounded in bytes. Requests from painting (visible rows) go first;
prefetch requests for rows about to scroll in wait behind them, and a scroll drops what
was queued for rows no longer on screen.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from PIL import Image

Resolver = Callable[[str], Path | None]  # content key -> cached thumbnail file


def pil_to_qimage(im: Image.Image) -> QImage:
    """A deep copy in the pixel layout QPixmap uses natively, so the GUI thread's
    QPixmap.fromImage() is a plain copy, not a conversion."""
    opaque = im.mode != "RGBA"
    if im.mode != "RGBA":
        im = im.convert("RGBA")  # alpha 255 everywhere: premultiplied and straight are the same
    data = im.tobytes("raw", "BGRA" if sys.byteorder == "little" else "ARGB")
    fmt = QImage.Format.Format_ARGB32_Premultiplied if opaque else QImage.Format.Format_ARGB32
    return QImage(data, im.width, im.height, 4 * im.width, fmt).copy()


def read_scaled(path: str | os.PathLike[str], width: int, height: int) -> QImage:
    """A cached thumbnail (already upright, small JPEG) scaled to fit width x height.
    Pillow, not QImageReader: it lets go of the GIL while decoding and resizing, so the GUI
    thread keeps painting."""
    from PIL import Image

    with Image.open(path) as im:
        im.draft("RGB", (width, height))  # JPEG: decode at a reduced scale when that is enough
        im = im.convert("RGB")
    if im.width > width or im.height > height:
        im.thumbnail((width, height), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return pil_to_qimage(im)


def decode_scaled(path: str, width: int, height: int | None = None) -> QImage:
    """Decode an original photo (EXIF orientation applied) to fit width x height; raises if unreadable."""
    from PIL import Image

    from ..imaging import open_image

    height = height or width
    im, *_ = open_image(path, draft_to=max(width, height))
    im.thumbnail((width, height), Image.Resampling.LANCZOS)
    return pil_to_qimage(im)


class ThumbnailLoader(QObject):
    thumbnailReady = Signal(str)  # a content key whose thumbnail just arrived
    _loaded = Signal(str, int, int, object)  # key, width, height, QImage or None (worker -> GUI thread)

    def __init__(
        self,
        resolve: Resolver | None = None,
        *,
        workers: int | None = None,
        budget_bytes: int = 192 * 1024 * 1024,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._resolve = resolve
        self._budget = budget_bytes
        self._cache: OrderedDict[tuple[str, int, int], QPixmap] = OrderedDict()
        self._sizes: dict[str, set[tuple[int, int]]] = {}
        self._bytes = 0
        self._failed: set[str] = set()
        self._cond = threading.Condition()
        self._visible: deque[tuple[str, str, int, int]] = deque()
        self._prefetch: deque[tuple[str, str, int, int]] = deque()
        self._queued: set[tuple[str, int, int]] = set()
        self._stop = False
        self._loaded.connect(self._on_loaded)
        # Leave a core to the GUI thread: on a 2-core laptop one reader keeps up with scrolling.
        workers = workers or (1 if (os.cpu_count() or 1) <= 2 else 2)
        self._threads = [
            threading.Thread(target=self._work, name=f"clipdesk-thumbs-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()
        # Coalesce many arrivals into one repaint.
        self._notify_keys: set[str] = set()
        self._notify = QTimer(self, singleShot=True, interval=15)
        self._notify.timeout.connect(self._flush_notify)

    def set_resolver(self, resolve: Resolver | None) -> None:
        self._resolve = resolve

    # -- GUI thread API -----------------------------------------------------------------------------

    def pixmap(self, key: str, source: str, width: int, height: int | None = None) -> QPixmap | None:
        """The cached pixmap fitting width x height (device pixels), else queue it and return the
        nearest size cached (or None)."""
        height = height or width
        exact = self._cache.get((key, width, height))
        if exact is not None:
            self._cache.move_to_end((key, width, height))
            return exact
        if key not in self._failed:
            self.request(key, source, width, height)
        sizes = self._sizes.get(key)
        if sizes:
            # Prefer a bigger one (scaled down looks fine) closest in size.
            best = min(sizes, key=lambda s: (s[0] < width, abs(s[0] - width) + abs(s[1] - height)))
            return self._cache.get((key, *best))
        return None

    def failed(self, key: str) -> bool:
        return key in self._failed

    def request(self, key: str, source: str, width: int, height: int | None = None, prefetch: bool = False) -> None:
        height = height or width
        if (key, width, height) in self._cache or key in self._failed:
            return
        with self._cond:
            if (key, width, height) in self._queued:
                return
            self._queued.add((key, width, height))
            (self._prefetch if prefetch else self._visible).append((key, source, width, height))
            self._cond.notify()

    def drop_queued(self) -> None:
        """The view scrolled: what was queued is probably off screen now; painting re-asks."""
        with self._cond:
            for key, _source, width, height in list(self._visible) + list(self._prefetch):
                self._queued.discard((key, width, height))
            self._visible.clear()
            self._prefetch.clear()

    def clear_cache(self) -> None:
        self._cache.clear()
        self._sizes.clear()
        self._bytes = 0
        self._failed.clear()

    def shutdown(self, wait: float = 1.0) -> None:
        """Stop the readers. Waiting for them (one small decode at most) means no thread is left
        holding this object, so it is never destroyed from a worker thread."""
        with self._cond:
            self._stop = True
            self._visible.clear()
            self._prefetch.clear()
            self._cond.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(wait)

    @property
    def cached_bytes(self) -> int:
        """What the cached pixmaps take (kept under the budget)."""
        return self._bytes

    @property
    def budget_bytes(self) -> int:
        return self._budget

    def cached(self, key: str, width: int, height: int | None = None) -> bool:
        """This thumbnail at exactly this size is in memory (painting it is a blit)."""
        return (key, width, height or width) in self._cache

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queued)

    # -- worker threads -------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._visible and not self._prefetch:
                    self._cond.wait()
                if self._stop:
                    return
                # Newest visible request first: it is what the user is looking at right now.
                key, source, width, height = self._visible.pop() if self._visible else self._prefetch.popleft()
            image = self._load(key, source, width, height)
            if self._stop:
                return
            try:
                self._loaded.emit(key, width, height, image)
            except RuntimeError:  # deleted at exit
                return

    def _load(self, key: str, source: str, width: int, height: int) -> QImage | None:
        resolve = self._resolve
        try:
            is_content_key = bool(key) and os.sep not in key and "/" not in key  # else it is the photo's path
            path = resolve(key) if resolve is not None and is_content_key else None
            if path is not None and os.path.exists(path):
                return read_scaled(path, width, height)
            if source and os.path.exists(source):
                return decode_scaled(source, width, height)
        except Exception as exc:  # an unreadable file shows as a broken tile, never an error storm
            log.debug("thumbnail for %s failed: %s", source, exc)
        return None

    # -- back on the GUI thread --------------------------------------------------------------------------

    @Slot(str, int, int, object)
    def _on_loaded(self, key: str, width: int, height: int, image: QImage | None) -> None:
        with self._cond:
            self._queued.discard((key, width, height))
        if image is None or image.isNull():
            self._failed.add(key)
        else:
            pixmap = QPixmap.fromImage(image)
            old = self._cache.pop((key, width, height), None)
            if old is not None:
                self._bytes -= _cost(old)
            self._cache[(key, width, height)] = pixmap
            self._sizes.setdefault(key, set()).add((width, height))
            self._bytes += _cost(pixmap)
            self._evict()
        self._notify_keys.add(key)
        if not self._notify.isActive():
            self._notify.start()

    def _evict(self) -> None:
        while self._bytes > self._budget and len(self._cache) > 1:
            (key, width, height), pixmap = self._cache.popitem(last=False)
            self._bytes -= _cost(pixmap)
            sizes = self._sizes.get(key)
            if sizes is not None:
                sizes.discard((width, height))
                if not sizes:
                    del self._sizes[key]

    def _flush_notify(self) -> None:
        keys, self._notify_keys = self._notify_keys, set()
        for key in keys:
            self.thumbnailReady.emit(key)


def _cost(pixmap: QPixmap) -> int:
    return max(1, pixmap.width() * pixmap.height() * 4)
