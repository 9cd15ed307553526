"""The library view: every indexed photo newest first, paged, filtered, with a month timeline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from clipdesk.catalog import Catalog, EncodedImage, FailedImage
from clipdesk.catalog.browse import page_query
from clipdesk.encoder import ClipEncoder
from clipdesk.index import IndexStore
from clipdesk.search import BrowseRequest, Filters, Searcher, TimelineBucket


def _local(year: int, month: int, day: int = 15, hour: int = 12) -> float:
    return datetime(year, month, day, hour).timestamp()


def _encoded(path: str, root_id: int, taken_at: float | None, fmt: str = "JPEG") -> EncodedImage:
    vec = np.ones(8, np.float32) / 8**0.5
    return EncodedImage(path, root_id, 10, 20, f"key:{path}", 4, 3, taken_at, fmt, vec)


@pytest.fixture
def library(tmp_path: Path) -> Iterator[tuple[Catalog, Searcher, dict[str, float | None]]]:
    """Photos over several months and years, some without a date, in two folders, one offline;
    plus a broken and a pending file, which the library never shows."""
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    home = catalog.add_root("/home/me/Pictures")
    drive = catalog.add_root("/media/usb")
    dated = {
        "/home/me/Pictures/a.jpg": _local(2024, 5, 3),
        "/home/me/Pictures/b.jpg": _local(2024, 5, 20),
        "/home/me/Pictures/c.heic": _local(2024, 2, 1, 0),
        "/home/me/Pictures/trip/d.jpg": _local(2023, 12, 31, 23),
        "/home/me/Pictures/trip/e.jpg": _local(2023, 12, 1, 0),
        "/home/me/Pictures/trip/f.png": _local(2019, 7, 4),
        "/home/me/Pictures/undated1.jpg": None,
        "/home/me/Pictures/undated2.png": None,
        "/media/usb/g.jpg": _local(2024, 5, 20),  # the same moment as b: ties go by id, newest first
        "/media/usb/h.jpg": None,
    }
    items = [
        _encoded(p, drive.id if p.startswith("/media") else home.id, t, "PNG" if p.endswith("png") else "JPEG")
        for p, t in dated.items()
    ]
    items = [EncodedImage(**{**i.__dict__, "format": "HEIF"}) if i.path.endswith("heic") else i for i in items]
    catalog.commit_batch(items, [FailedImage("/home/me/Pictures/broken.jpg", home.id, 5, 6, None, "truncated")], "m")
    catalog.apply_scan_changes(pending=[("/home/me/Pictures/later.jpg", home.id, 1, 2)])
    catalog.set_root_online(drive.id, False)
    # No model is loaded (or even exists): browsing must not need one.
    searcher = Searcher(catalog, IndexStore(catalog, tmp_path / "index"), ClipEncoder(str(tmp_path / "no-model")))
    yield catalog, searcher, dated
    catalog.close()


def _order(searcher: Searcher, filters: Filters | None = None) -> list[str]:
    return [h.path for h in searcher.browse(BrowseRequest(filters=filters or Filters(), limit=1000)).hits]


def test_newest_first_unknown_dates_last_ties_by_id(library):
    catalog, searcher, dated = library
    paths = _order(searcher)
    assert len(paths) == len(dated)  # only indexed photos: not the broken or the pending one
    ids = {p: catalog.image_by_path(p).id for p in paths}
    expected = sorted(dated, key=lambda p: (dated[p] is not None, dated[p] or 0, ids[p]), reverse=True)
    assert paths == expected
    assert paths.index("/media/usb/g.jpg") < paths.index("/home/me/Pictures/b.jpg")  # same time, larger id
    assert [dated[p] for p in paths[-3:]] == [None, None, None]
    page = searcher.browse(BrowseRequest(limit=3))
    assert all(h.score == 0.0 for h in page.hits)
    assert page.hits[0].taken_at == dated[paths[0]] and page.hits[0].format == "JPEG"


def test_paging_covers_everything_once_and_says_when_there_is_more(library):
    _, searcher, dated = library
    full = _order(searcher)
    seen, offset = [], 0
    while True:
        page = searcher.browse(BrowseRequest(offset=offset, limit=3))
        assert page.offset == offset
        seen += [h.path for h in page.hits]
        if not page.has_more:
            break
        offset += 3
    assert seen == full
    assert len(page.hits) == len(dated) - offset == 1
    exact = searcher.browse(BrowseRequest(offset=0, limit=len(dated)))
    assert len(exact.hits) == len(dated) and not exact.has_more
    assert searcher.browse(BrowseRequest(offset=len(dated) + 5)).hits == []


def test_filters_folders_dates_formats_offline(library):
    _, searcher, _ = library
    trip = _order(searcher, Filters(folders=("/home/me/Pictures/trip/",)))
    assert trip == ["/home/me/Pictures/trip/d.jpg", "/home/me/Pictures/trip/e.jpg", "/home/me/Pictures/trip/f.png"]
    assert _order(searcher, Filters(folders=("/home/me/Pictures/tr",))) == []  # a folder, not a name prefix
    both = _order(searcher, Filters(folders=("/home/me/Pictures/trip", "/media/usb")))
    assert set(both) == set(trip) | {"/media/usb/g.jpg", "/media/usb/h.jpg"}
    in_2023 = _order(searcher, Filters(date_from=_local(2023, 1, 1, 0), date_to=_local(2023, 12, 31, 23)))
    assert in_2023 == ["/home/me/Pictures/trip/d.jpg", "/home/me/Pictures/trip/e.jpg"]
    pngs = _order(searcher, Filters(formats=("png",)))
    assert pngs == ["/home/me/Pictures/trip/f.png", "/home/me/Pictures/undated2.png"]
    online = _order(searcher, Filters(include_offline=False))
    assert online == [p for p in _order(searcher) if not p.startswith("/media")]
    page = searcher.browse(BrowseRequest(filters=Filters(include_offline=True), limit=1000))
    assert {h.path for h in page.hits if h.offline} == {"/media/usb/g.jpg", "/media/usb/h.jpg"}


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(include_offline=False),
        Filters(formats=("PNG",)),
        Filters(folders=("/home/me/Pictures/trip",)),
    ],
)
def test_timeline_counts_sum_to_the_total_and_offsets_point_at_each_bucket_start(library, filters):
    _, searcher, _ = library
    order = searcher.browse(BrowseRequest(filters=filters, limit=1000)).hits
    buckets = searcher.timeline(filters)
    assert sum(b.count for b in buckets) == len(order)

    def month_of(hit) -> tuple[int, int]:
        if hit.taken_at is None:
            return 0, 0
        local = datetime.fromtimestamp(hit.taken_at)
        return local.year, local.month

    expected: list[TimelineBucket] = []
    for i, hit in enumerate(order):
        if not expected or (expected[-1].year, expected[-1].month) != month_of(hit):
            expected.append(TimelineBucket(*month_of(hit), 0, i))
        last = expected[-1]
        expected[-1] = TimelineBucket(last.year, last.month, last.count + 1, last.offset)
    assert buckets == expected
    for b in buckets:  # the page a bucket jumps to starts with that bucket's first photo
        first = searcher.browse(BrowseRequest(filters=filters, offset=b.offset, limit=1)).hits[0]
        assert month_of(first) == (b.year, b.month)


def test_timeline_of_the_whole_library(library):
    _, searcher, _ = library
    months = [(b.year, b.month, b.count) for b in searcher.timeline(Filters())]
    assert months == [(2024, 5, 3), (2024, 2, 1), (2023, 12, 2), (2019, 7, 1), (0, 0, 3)]
    assert searcher.timeline(Filters(formats=("GIF",))) == []


def test_months_follow_local_time(tmp_path, monkeypatch):
    """A photo taken 23:30 UTC on 31 March is April's in Tokyo and March's in New York."""
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    root = catalog.add_root("/p")
    moment = datetime(2023, 3, 31, 23, 30, tzinfo=timezone.utc).timestamp()
    catalog.commit_batch([_encoded("/p/x.jpg", root.id, moment)], [], "m")
    searcher = Searcher(catalog, IndexStore(catalog, tmp_path / "index"), ClipEncoder(str(tmp_path / "no-model")))
    try:
        for zone, month in (("Asia/Tokyo", 4), ("America/New_York", 3)):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            assert [(b.year, b.month, b.count) for b in searcher.timeline(Filters())] == [(2023, month, 1)]
    finally:
        monkeypatch.undo()
        time.tzset()
        catalog.close()


def test_browse_walks_a_covering_index_without_sorting(library):
    """No table rows (where the embeddings are) and no sort: what keeps a 1M-row library fast."""
    catalog, _, _ = library
    sql, params = page_query(Filters(formats=("PNG",), include_offline=False), offset=5, limit=10)
    plan = " | ".join(r[3] for r in catalog.query(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "COVERING INDEX idx_images_browse" in plan and "TEMP B-TREE" not in plan
