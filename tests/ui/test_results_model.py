"""ResultsModel on its own: Qt's model tester, paging, drag-out data."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from clipdesk.search import SearchHit
from clipdesk.ui.results_model import HitRole, PathRole, ResultsModel


def hits(n: int, start: int = 0) -> list[SearchHit]:
    return [
        SearchHit(
            i, f"/photos/p{i:03d}.jpg", 1.0 - i / 1000, 1_600_000_000.0 + i, 640, 480, "JPEG", f"{i:032x}", i % 7 == 0
        )
        for i in range(start, start + n)
    ]


def test_model_passes_qt_model_tester(qtmodeltester) -> None:
    model = ResultsModel()
    model.set_results(hits(30), has_more=True)
    qtmodeltester.check(model, force_py=True)
    # The tester keeps watching: paging, a new query and clearing must all be well-formed changes.
    model.append_page(hits(10, 30), has_more=False)
    model.set_results(hits(5), has_more=False)
    model.clear()
    assert model.rowCount() == 0


def test_paging_asks_for_the_next_offset_and_never_duplicates(qtbot) -> None:
    model = ResultsModel()
    model.set_results(hits(5), has_more=True)
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.fetchRequested) as asked:
        model.fetchMore(QModelIndex())
    assert asked.args == [5]
    assert not model.canFetchMore(QModelIndex())  # one fetch at a time
    model.append_page(hits(5, 3), has_more=False)  # overlaps by two: the library changed meanwhile
    assert [model.hit(r).id for r in range(model.rowCount())] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert not model.canFetchMore(QModelIndex())
    model.set_results(hits(3), has_more=True)
    model.set_busy(True)  # a new query is running: the old one is not paged
    assert not model.canFetchMore(QModelIndex())


def test_roles_tooltip_and_drag_out_urls() -> None:
    model = ResultsModel()
    model.set_results(hits(3), has_more=False)
    index = model.index(1, 0)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "p001.jpg"
    assert model.data(index, PathRole) == "/photos/p001.jpg"
    assert model.data(index, HitRole).id == 1
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "p001.jpg" in tip and "/photos" in tip and "0.999" in tip
    assert model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled
    mime = model.mimeData([model.index(2, 0), model.index(0, 0)])
    assert [u.toLocalFile() for u in mime.urls()] == ["/photos/p000.jpg", "/photos/p002.jpg"]
