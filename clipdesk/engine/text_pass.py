"""Reading the text in photos: a second, lower-priority pass after the CLIP pass.

First search never waits for it: it reads only photos that are indexed already (the backlog is
every indexed photo without a row in the catalog's `photo_text`), and it steps aside between
photos while CLIP indexing has work or indexing is paused. It runs as a typed job on its own
worker thread (one ONNX thread: the CLIP pass has the other core when both run); `clipdesk index`
runs it on the calling thread once the CLIP pass is done.

It is on unless turned off: CLIPDESK_TEXT=0 (wins), or the library's stored setting (the app's menu
toggle, `set_enabled`). `clipdesk index --no-text` skips it for one run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import config
from ..catalog.text import TextBacklog
from ..imaging import DecodeError
from .worker import CancelToken, JobFailure, Worker

if TYPE_CHECKING:
    from ..text import TextReader
    from .core import Engine

log = logging.getLogger(__name__)

CHUNK = 32  # photos fetched from the backlog at a time
YIELD_POLL_S = 0.5  # how often a pass stepping aside looks again


@dataclass(frozen=True)
class ReadText:
    """Read the text of every indexed photo not read yet."""


@dataclass(frozen=True)
class TextProgress:
    phase: str = "idle"  # idle | reading | waiting (for CLIP indexing) | off
    done: int = 0  # photos read, over the whole library
    total: int = 0  # indexed photos


class TextPass:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state = TextProgress()
        self._listeners: list[Callable[[TextProgress], None]] = []
        self._worker: Worker[ReadText] | None = None
        self._reader: TextReader | None = None
        self._reader_lock = threading.Lock()
        self._skipped = False

    def skip_this_run(self) -> None:
        """Read no text with this engine, whatever the setting says (the stored setting is unchanged)."""
        self._skipped = True

    # -- the setting ----------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """CLIPDESK_TEXT if set, else the library's stored setting (on by default); never for this engine after
        `skip_this_run` (clipdesk index --no-text)."""
        catalog = self.engine.catalog
        if self._skipped or not isinstance(catalog, TextBacklog):  # a catalog that cannot keep text
            return False
        env = config.settings().text
        return env if env is not None else catalog.text_reading_enabled()

    def set_enabled(self, enabled: bool) -> None:
        """Store the library's setting; reading starts or stops at once in the background."""
        self.engine.catalog.set_text_reading(enabled)
        if self.enabled:
            self.submit()
        else:
            if self._worker is not None:
                self._worker.cancel()
            self._report(TextProgress("off", *self.engine.catalog.text_progress()))

    # -- listeners (the app's status bar) -------------------------------------------------------

    def add_listener(self, callback: Callable[[TextProgress], None]) -> None:
        self._listeners.append(callback)

    def _report(self, state: TextProgress) -> None:
        self.state = state
        for callback in list(self._listeners):
            try:
                callback(state)
            except Exception:
                log.exception("a text progress listener failed")

    # -- the background worker ------------------------------------------------------------------

    def start(self) -> None:
        """The worker only: the first job comes at the end of the first indexing run (after_indexing),
        so the model load, the index and first search at launch have the CPU to themselves."""
        if self._worker is None:
            self._worker = Worker("clipdesk-text", self._run, on_failed=self._failed)

    def stop(self, timeout: float) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()
            worker.join(timeout)

    def submit(self) -> None:
        if self._worker is not None and self.enabled:
            self._worker.submit(ReadText())

    def after_indexing(self) -> None:
        """An indexing run ended: read what it added (in the background)."""
        self.submit()

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.busy

    def wait_idle(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.busy:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _run(self, job: ReadText, token: CancelToken) -> None:
        if self._worker is not None:
            self._worker.take_queued()  # one pass reads everything that queued up
        self.run(token, step_aside=True)

    def _failed(self, failure: JobFailure) -> None:
        self._report(TextProgress("idle", self.state.done, self.state.total))
        if failure.cancelled:
            return
        from .safety import as_disk_problem

        problem = as_disk_problem(failure.error, self.engine) if failure.error is not None else None
        if problem is not None:
            self.engine.disk_trouble(problem)
            return
        log.error("reading text failed", exc_info=failure.error)
        self.engine.listeners.message(
            "error", f"Reading text in photos stopped by an unexpected error: {failure.message}"
        )

    # -- the pass ------------------------------------------------------------------------------

    def reader(self) -> TextReader:
        with self._reader_lock:
            if self._reader is None:
                from ..text import TextReader

                self._reader = TextReader()
            return self._reader

    def run(
        self,
        token: CancelToken | None = None,
        *,
        step_aside: bool = False,
        on_photo: Callable[[TextProgress], None] | None = None,
    ) -> int:
        """Read every indexed photo's text not read yet, on the calling thread; returns how many.
        `step_aside`: wait between photos while CLIP indexing runs or is paused."""
        catalog = self.engine.catalog
        if not self.enabled:
            self._report(TextProgress("off", *catalog.text_progress()))
            return 0
        seq = catalog.change_seq()  # read first: photos changed from now on are caught next time
        unread = catalog.unread_ids(catalog.text_watermark())
        done, total = catalog.text_progress()
        self._report(TextProgress("reading", done, total))
        count = skipped = 0
        for start in range(0, len(unread), CHUNK):
            wanted = unread[start : start + CHUNK]
            batch = catalog.photos_to_read(wanted)
            skipped += len(wanted) - len(batch)  # an unplugged drive: read when it is back
            for image_id, path, key in batch:
                if step_aside:
                    self._wait_for_indexing(token, done, total)
                if token is not None:
                    token.check()
                catalog.write_photo_text([(image_id, key, self._read(path))])
                count, done = count + 1, done + 1
                if done > total:  # photos were indexed meanwhile
                    done, total = catalog.text_progress()
                progress = TextProgress("reading", done, total)
                self._report(progress)
                if on_photo is not None:
                    on_photo(progress)
        if not skipped:
            catalog.set_text_watermark(seq)
        self._report(TextProgress("idle", *catalog.text_progress()))
        if count:
            log.info("read the text of %d photos", count)
        return count

    def _read(self, path: str) -> list[dict]:
        try:
            return [line.to_json() for line in self.reader().read_file(path)]
        except (DecodeError, OSError) as exc:
            # Unreadable now (the CLIP pass read it: a file changing or going away). Recorded as no
            # text; a new version of the file gets a new content key and is read again.
            log.info("text of %s not read: %s", path, exc)
            return []
        except MemoryError:
            raise
        except Exception:
            # A photo the reader chokes on (Pillow or ONNX Runtime errors on odd pixels): recorded as no
            # text too, else the pass would stop at this photo and meet it again on every run.
            log.warning("reading the text of %s failed", path, exc_info=True)
            return []

    def _wait_for_indexing(self, token: CancelToken | None, done: int, total: int) -> None:
        engine = self.engine
        waiting = False
        while engine.indexing.locked() or engine.paused:
            if not waiting:
                waiting = True
                self._report(TextProgress("waiting", done, total))
            if token is not None:
                if token.wait(YIELD_POLL_S):
                    token.check()
            else:
                time.sleep(YIELD_POLL_S)
        if waiting:
            self._report(TextProgress("reading", done, total))
