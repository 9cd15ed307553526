"""The Things overview: the library's labels as tiles (cover photo, name, count), grouped under
their category, biggest first, with a filter box matching English and Chinese names and aliases.

One QListWidget in icon mode: a category header is an item as wide as the view, so the flow puts
it on a line of its own and the tiles of that category after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import QLineEdit, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from ....engine import Engine
    from ...thumbnail_loader import ThumbnailLoader

COVER = 112  # cover thumbnail edge in pixels
LabelRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class LabelTile:
    id: str
    en: str
    zh: str
    words: str  # every name and alias, lower case: what the filter box matches
    category_en: str
    category_zh: str
    count: int
    cover_key: str
    cover_path: str

    def name(self, chinese: bool) -> str:
        return self.zh if chinese and self.zh else self.en

    def category(self, chinese: bool) -> str:
        return self.category_zh if chinese and self.category_zh else self.category_en


def load_tiles(engine: Engine) -> list[LabelTile]:
    """Engine thread: the labels overview plus what the tiles show (names, aliases, cover files)."""
    infos = engine.labels()
    vocabulary = engine.labelling.vocabulary()
    covers = engine.catalog.images([i.cover_id for i in infos if i.cover_id is not None])
    tiles = []
    for info in infos:
        label = vocabulary[info.id]
        category = vocabulary.category(label.category)
        words = " ".join((label.id, label.en, label.zh, *label.synonyms, *label.zh_aliases)).lower()
        cover = covers.get(info.cover_id) if info.cover_id is not None else None
        tiles.append(
            LabelTile(
                info.id,
                info.name,
                info.zh,
                words,
                category.en if category else label.category,
                category.zh if category else label.category,
                info.count,
                (cover.content_key or cover.path) if cover else "",
                cover.path if cover else "",
            )
        )
    return tiles


def chinese_ui() -> bool:
    """Label and category names follow the interface's language."""
    return QLocale().language() == QLocale.Language.Chinese


class LabelTiles(QWidget):
    labelOpened = Signal(str)  # label id

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.tiles: list[LabelTile] = []
        self._by_id: dict[str, LabelTile] = {}
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText(self.tr("Filter things…"))
        self.filter_box.setAccessibleName(self.tr("Filter things"))
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self.apply_filter)
        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setWrapping(True)
        self.list.setSpacing(6)
        self.list.setIconSize(QSize(COVER, COVER))
        self.list.setFrameShape(QListWidget.Shape.NoFrame)
        self.list.setAccessibleName(self.tr("Things in your photos"))
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 0)
        layout.setSpacing(6)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.list, 1)
        loader.thumbnailReady.connect(self._cover_arrived)
        self._items_by_key: dict[str, list[QListWidgetItem]] = {}

    # -- filling -----------------------------------------------------------------------------------

    def set_tiles(self, tiles: list[LabelTile]) -> None:
        """Categories ordered by their biggest label, labels by count within each."""
        self.tiles = tiles
        self._by_id = {t.id: t for t in tiles}
        chinese = chinese_ui()
        groups: dict[str, list[LabelTile]] = {}
        for tile in sorted(tiles, key=lambda t: -t.count):
            groups.setdefault(tile.category_en, []).append(tile)
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        self._items_by_key.clear()
        width = self._header_width()
        for members in groups.values():
            header = QListWidgetItem(members[0].category(chinese), self.list)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = header.font()
            font.setBold(True)
            font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.15)
            header.setFont(font)
            header.setSizeHint(QSize(width, 34))
            header.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            for tile in members:
                self._add_tile(tile, chinese)
        self.list.setUpdatesEnabled(True)
        self.apply_filter(self.filter_box.text())

    def _add_tile(self, tile: LabelTile, chinese: bool) -> None:
        count = QLocale().toString(tile.count)
        item = QListWidgetItem(f"{tile.name(chinese)}\n{count}", self.list)
        item.setData(LabelRole, tile.id)
        item.setSizeHint(QSize(COVER + 24, COVER + 48))
        item.setToolTip(self.tr("{name}: %n photo(s)", "", tile.count).format(name=tile.name(chinese)))
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        if tile.cover_key:
            self._items_by_key.setdefault(tile.cover_key, []).append(item)
            pixmap = self.loader.pixmap(tile.cover_key, tile.cover_path, COVER, COVER)
            if pixmap is not None:
                item.setIcon(QIcon(pixmap))

    def _cover_arrived(self, key: str) -> None:
        for item in self._items_by_key.get(key, ()):
            tile = self.tile(item.data(LabelRole))
            if tile is not None:
                pixmap = self.loader.pixmap(tile.cover_key, tile.cover_path, COVER, COVER)
                if pixmap is not None:
                    item.setIcon(QIcon(pixmap))

    # -- reading -----------------------------------------------------------------------------------

    def tile(self, label_id: str) -> LabelTile | None:
        return self._by_id.get(label_id)

    def visible_labels(self) -> list[str]:
        """Label ids shown, in order (for tests and scripts)."""
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(LabelRole) and not item.isHidden():
                out.append(item.data(LabelRole))
        return out

    def headers(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count()) if not self.list.item(i).data(LabelRole)]

    # -- filter ------------------------------------------------------------------------------------

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        header: QListWidgetItem | None = None
        shown_in_group = False
        for i in range(self.list.count()):
            item = self.list.item(i)
            label_id: Any = item.data(LabelRole)
            if not label_id:
                if header is not None:
                    header.setHidden(not shown_in_group)
                header, shown_in_group = item, False
                continue
            tile = self.tile(label_id)
            show = not needle or (tile is not None and needle in tile.words)
            item.setHidden(not show)
            shown_in_group = shown_in_group or show
        if header is not None:
            header.setHidden(not shown_in_group)

    def _activated(self, item: QListWidgetItem) -> None:
        label_id = item.data(LabelRole)
        if label_id:
            self.labelOpened.emit(label_id)

    # -- layout ------------------------------------------------------------------------------------

    def _header_width(self) -> int:
        return max(200, self.list.viewport().width() - 2 * self.list.spacing() - 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self._header_width()
        for i in range(self.list.count()):
            item = self.list.item(i)
            if not item.data(LabelRole) and item.sizeHint().width() != width:
                item.setSizeHint(QSize(width, 34))
