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
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QImageReader, QPixmap

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from PIL import Image

Resolver = Callable[[str], Path | None]  # content key -> cached thumbnail file


def pil_to_qimage(im: "Image.Image") -> QImage:
    """A deep copy, so the QImage owns its pixels once the PIL image is gone."""
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGB")
    fmt = QImage.Format.Format_RGBA8888 if im.mode == "RGBA" else QImage.Format.Format_RGB888
    data = im.tobytes("raw", im.mode)
    stride = len(im.mode) * im.width
    return QImage(data, im.width, im.height, stride, fmt).copy()


def read_scaled(path: str | os.PathLike[str], px: int) -> QImage:
    """Read an image file with Qt and scale it to fit px x px (smoothly); null QImage on failure."""
    reader = QImageReader(os.fspath(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        return image
    if image.width() > px or image.height() > px:
        image = image.scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image.convertToFormat(QImage.Format.Format_RGB32)


def decode_scaled(path: str, px: int) -> QImage:
    """Decode an original photo (EXIF orientation applied) down to px; raises on unreadable files."""
    from PIL import Image

    from ..imaging import open_image

    im, *_ = open_image(path, draft_to=px)
    im.thumbnail((px, px), Image.Resampling.LANCZOS)
    return pil_to_qimage(im)


class ThumbnailLoader(QObject):
    thumbnailReady = Signal(str)  # a content key whose thumbnail just arrived
    _loaded = Signal(str, int, object)  # key, px, QImage or None (worker thread -> GUI thread)

    def __init__(
        self,
        resolve: Resolver | None = None,
        *,
        workers: int = 2,
        budget_bytes: int = 192 * 1024 * 1024,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._resolve = resolve
        self._budget = budget_bytes
        self._cache: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._sizes: dict[str, set[int]] = {}
        self._bytes = 0
        self._failed: set[str] = set()
        self._cond = threading.Condition()
        self._visible: deque[tuple[str, str, int]] = deque()
        self._prefetch: deque[tuple[str, str, int]] = deque()
        self._queued: set[tuple[str, int]] = set()
        self._stop = False
        self._loaded.connect(self._on_loaded)
        self._threads = [threading.Thread(target=self._work, name=f"clipdesk-thumbs-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()
        # Coalesce many arrivals into one repaint.
        self._notify_keys: set[str] = set()
        self._notify = QTimer(self, singleShot=True, interval=15)
        self._notify.timeout.connect(self._flush_notify)

    def set_resolver(self, resolve: Resolver | None) -> None:
        self._resolve = resolve

    # -- GUI thread API -----------------------------------------------------------------------------

    def pixmap(self, key: str, source: str, px: int) -> QPixmap | None:
        """The cached pixmap at px, else queue it and return the nearest size cached (or None)."""
        exact = self._cache.get((key, px))
        if exact is not None:
            self._cache.move_to_end((key, px))
            return exact
        if key not in self._failed:
            self.request(key, source, px)
        sizes = self._sizes.get(key)
        if sizes:
            best = min(sizes, key=lambda s: (s < px, abs(s - px)))  # prefer a bigger one, scaled down
            return self._cache.get((key, best))
        return None

    def failed(self, key: str) -> bool:
        return key in self._failed

    def request(self, key: str, source: str, px: int, prefetch: bool = False) -> None:
        if (key, px) in self._cache or key in self._failed:
            return
        with self._cond:
            if (key, px) in self._queued:
                return
            self._queued.add((key, px))
            (self._prefetch if prefetch else self._visible).append((key, source, px))
            self._cond.notify()

    def drop_queued(self) -> None:
        """The view scrolled: what was queued is probably off screen now; painting re-asks."""
        with self._cond:
            for key, _source, px in list(self._visible) + list(self._prefetch):
                self._queued.discard((key, px))
            self._visible.clear()
            self._prefetch.clear()

    def clear_cache(self) -> None:
        self._cache.clear()
        self._sizes.clear()
        self._bytes = 0
        self._failed.clear()

    def shutdown(self) -> None:
        with self._cond:
            self._stop = True
            self._visible.clear()
            self._prefetch.clear()
            self._cond.notify_all()

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
                key, source, px = self._visible.pop() if self._visible else self._prefetch.popleft()
            image = self._load(key, source, px)
            if self._stop:
                return
            try:
                self._loaded.emit(key, px, image)
            except RuntimeError:  # deleted at exit
                return

    def _load(self, key: str, source: str, px: int) -> QImage | None:
        resolve = self._resolve
        try:
            is_content_key = bool(key) and os.sep not in key and "/" not in key  # else it is the photo's path
            path = resolve(key) if resolve is not None and is_content_key else None
            if path is not None and os.path.exists(path):
                image = read_scaled(path, px)
                if not image.isNull():
                    return image
            if source and os.path.exists(source):
                return decode_scaled(source, px).convertToFormat(QImage.Format.Format_RGB32)
        except Exception as exc:  # an unreadable file shows as a broken tile, never an error storm
            log.debug("thumbnail for %s failed: %s", source, exc)
        return None

    # -- back on the GUI thread --------------------------------------------------------------------------

    @Slot(str, int, object)
    def _on_loaded(self, key: str, px: int, image: QImage | None) -> None:
        with self._cond:
            self._queued.discard((key, px))
        if image is None or image.isNull():
            self._failed.add(key)
        else:
            pixmap = QPixmap.fromImage(image)
            old = self._cache.pop((key, px), None)
            if old is not None:
                self._bytes -= _cost(old)
            self._cache[(key, px)] = pixmap
            self._sizes.setdefault(key, set()).add(px)
            self._bytes += _cost(pixmap)
            self._evict()
        self._notify_keys.add(key)
        if not self._notify.isActive():
            self._notify.start()

    def _evict(self) -> None:
        while self._bytes > self._budget and len(self._cache) > 1:
            (key, px), pixmap = self._cache.popitem(last=False)
            self._bytes -= _cost(pixmap)
            sizes = self._sizes.get(key)
            if sizes is not None:
                sizes.discard(px)
                if not sizes:
                    del self._sizes[key]

    def _flush_notify(self) -> None:
        keys, self._notify_keys = self._notify_keys, set()
        for key in keys:
            self.thumbnailReady.emit(key)


def _cost(pixmap: QPixmap) -> int:
    return max(1, pixmap.width() * pixmap.height() * 4)
