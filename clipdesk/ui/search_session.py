"""One search at a time: the request, its tickets, paging, refreshes and the date sort. No widgets.

The session asks the bridge for pages and fills a ResultsModel; views watch its `changed`
signal and the model. Answers to requests the user has already replaced are dropped by ticket.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from .results_model import ResultsModel

if TYPE_CHECKING:
    from ..search import Filters, SearchPage, SearchRequest
    from .engine_bridge import EngineBridge

PAGE_FIRST = 240  # first page: enough to fill a big screen, fast to fetch
PAGE_MAX = 20_000  # later pages grow geometrically up to this, so 100,000 results take few fetches
DATE_SORT_LIMIT = 1000  # "sort by date" orders the best this many matches
STALE_AFTER_MS = 2000  # new photos indexed: look again this long after the last change


class SearchSession(QObject):
    changed = Signal()  # request, searching or error changed (summary and empty state follow)
    failed = Signal(str, str)  # kind (model|image|error), text: a query that could not run
    pageFailed = Signal(str)  # a later page could not be fetched
    stale = Signal()  # newly indexed photos may belong in the results

    def __init__(self, bridge: EngineBridge, model: ResultsModel | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.model = model if model is not None else ResultsModel(self)
        self.request: SearchRequest | None = None
        self.sort_mode = "relevance"
        self.searching = False
        self.refreshing = False  # the running query repeats the last one: views keep selection and scroll
        self.last_error: tuple[str, str] | None = None
        self.page: SearchPage | None = None  # the first page of the current answer: the understood query, best_count
        self._query_ticket = 0
        self._page_ticket = 0
        self._stale_timer = QTimer(self, singleShot=True, interval=STALE_AFTER_MS)
        self._stale_timer.timeout.connect(self._maybe_stale)
        self.model.fetchRequested.connect(self._fetch_page)
        bridge.searchFinished.connect(self._finished)
        bridge.searchFailed.connect(self._failed)

    # -- asking -------------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        image: Any = None,
        filters: Filters | None = None,
        sort: str | None = None,
        refresh: bool = False,
        parse_dates: bool = True,
    ) -> None:
        """Run this query now; an empty one clears the results. parse_dates=False: date words stay plain words."""
        from ..search import Filters, SearchRequest

        self._stale_timer.stop()
        if sort is not None:
            self.sort_mode = sort
        text = text.strip()
        if not text and image is None:
            self.clear()
            return
        limit = PAGE_FIRST if self.sort_mode == "relevance" else DATE_SORT_LIMIT
        self.request = SearchRequest(
            text=text, image=image, limit=limit, offset=0, filters=filters or Filters(), parse_dates=parse_dates
        )
        self.refreshing = refresh
        self.searching = True
        self.model.set_busy(True)
        self._query_ticket = self.bridge.search(self.request)
        self._page_ticket = 0
        self.changed.emit()

    def refresh(self) -> None:
        """The same query again, keeping what the user has selected and where they are."""
        if self.request is not None:
            r = self.request
            self.search(r.text, r.image, r.filters, refresh=True, parse_dates=r.parse_dates)

    def drop_date_words(self) -> None:
        """The date chip was removed: the same words again, the date words searched as plain words."""
        if self.request is not None and self.request.parse_dates:
            r = self.request
            self.search(r.text, r.image, r.filters, parse_dates=False)

    @property
    def date_phrase(self) -> str | None:
        """The date words the current answer filtered by ("last summer"), for the chip."""
        query = self.page.query if self.page is not None else None
        return query.date_phrase if query is not None and query.has_dates else None

    @property
    def best_count(self) -> int | None:
        """How many results are best matches (0: none is close), None: not split (or a date sort)."""
        if self.page is None or self.sort_mode != "relevance":
            return None
        return self.page.best_count

    def set_sort(self, mode: str) -> None:
        if mode != self.sort_mode:
            self.sort_mode = mode
            if self.request is not None:
                r = self.request
                self.search(r.text, r.image, r.filters, parse_dates=r.parse_dates)

    def clear(self) -> None:
        self._stale_timer.stop()
        self.request = None
        self.page = None
        self.searching = False
        self.refreshing = False
        self.last_error = None
        self._query_ticket = self._page_ticket = 0
        self.model.clear()
        self.changed.emit()

    def library_changed(self) -> None:
        """Photos were indexed or removed: the results may be out of date in a moment."""
        if self.request is not None and not self._stale_timer.isActive():
            self._stale_timer.start()

    @property
    def has_query(self) -> bool:
        return self.request is not None

    # -- answers -------------------------------------------------------------------------------------

    def _fetch_page(self, offset: int) -> None:
        if self.request is None:
            self.model.fetch_failed()
            return
        limit = min(PAGE_MAX, max(PAGE_FIRST, offset))  # doubles the rows each time
        self._page_ticket = self.bridge.search(dataclasses.replace(self.request, offset=offset, limit=limit))

    def _finished(self, ticket: int, _request: SearchRequest, page: SearchPage) -> None:
        if ticket == self._page_ticket and ticket:
            if self.page is not None and page.best_count is not None:
                # Counted over the ranks fetched so far: a later page may find the best matches go on.
                self.page = dataclasses.replace(self.page, best_count=page.best_count)
            self.model.append_page(page.hits, page.has_more)
            self.changed.emit()
            return
        if ticket != self._query_ticket or not ticket:
            return  # an answer to a query the user has already changed
        self.searching = False
        self.last_error = None
        self.page = page
        hits = list(page.hits)
        if self.sort_mode == "newest":
            hits.sort(key=lambda h: (h.taken_at is None, -(h.taken_at or 0.0)))
        elif self.sort_mode == "oldest":
            hits.sort(key=lambda h: (h.taken_at is None, h.taken_at or 0.0))
        self.model.set_results(hits, page.has_more and self.sort_mode == "relevance")
        self.refreshing = False
        self.changed.emit()

    def _failed(self, ticket: int, _request: SearchRequest, kind: str, text: str) -> None:
        if ticket == self._page_ticket and ticket:
            self.model.fetch_failed()
            self.pageFailed.emit(text)
            return
        if ticket != self._query_ticket or not ticket:
            return
        self.searching = False
        self.refreshing = False
        self.page = None
        self.model.set_busy(False)
        self.last_error = (kind, text)
        if kind in ("image", "model", "text_model"):
            self.model.clear()
        self.failed.emit(kind, text)
        self.changed.emit()

    def _maybe_stale(self) -> None:
        if self.request is not None and not self.searching:
            self.stale.emit()

    def recover_after_model(self) -> None:
        """The model is ready now: a query that failed for the lack of it runs again."""
        if self.last_error is not None and self.last_error[0] == "model" and self.request is not None:
            self.last_error = None
            self.refresh()
