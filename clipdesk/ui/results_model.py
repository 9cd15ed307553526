"""Search results as a Qt list model, fetched page by page as the grid scrolls."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QDateTime,
    QLocale,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)

if TYPE_CHECKING:
    from ..search import SearchHit

HitRole = Qt.ItemDataRole.UserRole + 1  # the SearchHit
PathRole = Qt.ItemDataRole.UserRole + 2
ContentKeyRole = Qt.ItemDataRole.UserRole + 3
ScoreRole = Qt.ItemDataRole.UserRole + 4

AnyIndex = QModelIndex | QPersistentModelIndex


def format_taken(taken_at: float | None, fmt: QLocale.FormatType = QLocale.FormatType.ShortFormat) -> str:
    if not taken_at:
        return QCoreApplication.translate("ResultsModel", "unknown date")
    return QLocale().toString(QDateTime.fromSecsSinceEpoch(int(taken_at)), fmt)


def format_taken_long(taken_at: float | None) -> str:
    """'Friday, 4 August 2000, 18:22' in the user's locale."""
    if not taken_at:
        return QCoreApplication.translate("ResultsModel", "unknown date")
    stamp = QDateTime.fromSecsSinceEpoch(int(taken_at))
    locale = QLocale()
    return (
        f"{locale.toString(stamp.date(), QLocale.FormatType.LongFormat)}, "
        f"{locale.toString(stamp.time(), QLocale.FormatType.ShortFormat)}"
    )


def tooltip_for(hit: SearchHit, score: bool = True) -> str:
    name = html.escape(os.path.basename(hit.path))
    folder = html.escape(os.path.dirname(hit.path))
    translate = QCoreApplication.translate  # by this name, so that pyside6-lupdate finds the texts
    lines = [
        f"<b>{name}</b>",
        translate("ResultsModel", "Folder: {folder}").format(folder=folder),
        translate("ResultsModel", "Taken: {date}").format(date=html.escape(format_taken(hit.taken_at))),
    ]
    if score:
        lines.append(
            translate("ResultsModel", "Match: {score}").format(score=QLocale().toString(float(hit.score), "f", 3))
        )
    if hit.offline:
        lines.append("<i>" + translate("ResultsModel", "On a drive that is not connected") + "</i>")
    return "<br>".join(lines)


class ResultsModel(QAbstractListModel):
    """Rows are SearchHits, best match first (or by date). `fetchRequested(offset)` asks the
    window for the next page; it answers with `append_page`."""

    fetchRequested = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._ids: set[int] = set()
        self._has_more = False
        self._fetching = False
        self._busy = False  # a new query is running: don't page the old one

    # -- Qt model API ------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == HitRole:
            return hit
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(hit.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_for(hit)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{os.path.basename(hit.path)}, {format_taken(hit.taken_at)}"
        if role == PathRole:
            return hit.path
        if role == ContentKeyRole:
            return hit.content_key
        if role == ScoreRole:
            return float(hit.score)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({HitRole: b"hit", PathRole: b"path", ContentKeyRole: b"contentKey", ScoreRole: b"score"})
        return names

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._has_more and not self._fetching and not self._busy

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self.fetchRequested.emit(len(self._hits))

    # Dragging results out: file URLs for file managers, mail and editors.
    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def mimeData(self, indexes: Sequence[AnyIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        paths = [self._hits[r].path for r in rows if 0 <= r < len(self._hits)]
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
        mime.setText("\n".join(paths))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    # -- filling -------------------------------------------------------------------------------------

    def set_results(self, hits: Sequence[SearchHit], has_more: bool) -> None:
        self.beginResetModel()
        self._hits = []
        self._ids = set()
        for hit in hits:
            if hit.id not in self._ids:
                self._ids.add(hit.id)
                self._hits.append(hit)
        self._has_more = has_more
        self._fetching = False
        self._busy = False
        self.endResetModel()

    def append_page(self, hits: Sequence[SearchHit], has_more: bool) -> None:
        # The library may change between pages: never show the same photo twice.
        fresh = [h for h in hits if h.id not in self._ids]
        if fresh:
            first = len(self._hits)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._hits.extend(fresh)
            self._ids.update(h.id for h in fresh)
            self.endInsertRows()
        self._has_more = has_more and bool(hits)
        self._fetching = False

    def fetch_failed(self) -> None:
        self._fetching = False

    def clear(self) -> None:
        self.set_results([], False)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy

    # -- reading ------------------------------------------------------------------------------------

    @property
    def has_more(self) -> bool:
        return self._has_more

    @property
    def fetching(self) -> bool:
        return self._fetching

    def hits(self) -> list[SearchHit]:
        return list(self._hits)

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def row_of(self, image_id: int) -> int:
        if image_id not in self._ids:
            return -1
        for row, hit in enumerate(self._hits):
            if hit.id == image_id:
                return row
        return -1
