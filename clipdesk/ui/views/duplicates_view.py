"""The Duplicates view: exact copies, the same picture in other sizes or formats, and similar shots,
each group side by side with the photo to keep marked (suggested, changeable).

Grouping runs on a thread of the view's own (the first time the whole library, then only new photos);
"Move the Others to Trash", for one group or all, asks first with how many files and how much
space, moves them to the desktop's Trash off the GUI thread, and has the catalog drop them at
once (the watcher would, a little later). Nothing is ever deleted outright.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..background import Background
from .partials.duplicate_card import DuplicateCard, data_size
from .partials.trash import move_others_to_trash

if TYPE_CHECKING:
    from ...engine import Engine
    from ...engine.duplicates import DuplicateGroup, DuplicatePhoto
    from ..engine_bridge import EngineBridge
    from ..thumbnail_loader import ThumbnailLoader

log = logging.getLogger(__name__)

PAGE = 60  # groups built at a time: thousands of cards at once would stall the window
STRICTNESS_STEPS = 20


class DuplicatesView(QWidget):
    key = "duplicates"
    summaryChanged = Signal(str)
    groupsShown = Signal()  # the cards reflect the engine's answer (tests, screenshots)
    trashDone = Signal(int, int)  # files moved, files that could not be

    def __init__(self, bridge: EngineBridge, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.loader = loader
        self.groups: list[DuplicateGroup] = []
        self.cards: list[DuplicateCard] = []
        self.loaded = False
        self.busy = False
        self._ticket = 0
        # (kind, suggested keeper) -> the photo the user keeps instead. Not the keeper alone: one photo
        # can be the suggested keeper of an exact, a "same" and a "similar" group at once.
        self._chosen: dict[tuple[str, int], int] = {}
        self._shown = PAGE
        # Its own thread: the first grouping of a large library takes seconds and must not hold up
        # the browse and search calls on the bridge's engine thread.
        self.background = Background(1, "clipdesk-duplicates-view", self)
        self._build()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 8, 12, 8)
        column.setSpacing(8)
        bar = QHBoxLayout()
        self.kind_box = QComboBox(self)
        for text, kind in (
            (self.tr("All kinds"), "all"),
            (self.tr("Exact copies"), "exact"),
            (self.tr("The same picture"), "same"),
            (self.tr("Similar shots"), "similar"),
        ):
            self.kind_box.addItem(text, kind)
        self.kind_box.setAccessibleName(self.tr("Kind of duplicates"))
        self.kind_box.currentIndexChanged.connect(lambda _i: self._show_groups())
        self.strictness_label = QLabel(self.tr("Strictness:"), self)
        self.loose_label = QLabel(self.tr("Loose"), self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, STRICTNESS_STEPS)
        self.slider.setValue(STRICTNESS_STEPS // 2)
        self.slider.setFixedWidth(160)
        self.slider.setToolTip(self.tr("How alike two shots must be to count as similar"))
        self.slider.setAccessibleName(self.tr("Strictness for similar shots"))
        self.strict_label = QLabel(self.tr("Strict"), self)
        self._slider_timer = QTimer(self, singleShot=True, interval=350)
        self._slider_timer.timeout.connect(self.reload)
        self.slider.valueChanged.connect(lambda _v: self._slider_timer.start())
        self.trash_all_button = QPushButton(self.tr("Move the Others to Trash in All Groups"), self)
        self.trash_all_button.clicked.connect(lambda: self.confirm_and_trash(self.kind_groups()))
        for widget in (self.kind_box, self.strictness_label, self.loose_label, self.slider, self.strict_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.trash_all_button)
        column.addLayout(bar)
        self.status_label = QLabel(self)
        self.note_label = QLabel(self)  # what the last move to the Trash did
        self.note_label.setWordWrap(True)
        self.note_label.hide()
        column.addWidget(self.status_label)
        column.addWidget(self.note_label)
        self.pages = QStackedWidget(self)
        self.scroll = QScrollArea(self.pages)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.list = QWidget(self.scroll)
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(10)
        self.list_layout.addStretch(1)
        self.scroll.setWidget(self.list)
        self.more_button = QPushButton(self.tr("Show More Groups"), self.list)
        self.more_button.clicked.connect(self._show_more)
        self.empty = QLabel(self.pages)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages.addWidget(self.scroll)
        self.pages.addWidget(self.empty)
        column.addWidget(self.pages, 1)

    # -- state ----------------------------------------------------------------------------------------

    @property
    def strictness(self) -> float:
        return self.slider.value() / STRICTNESS_STEPS

    def kind(self) -> str:
        return str(self.kind_box.currentData())

    def summary(self) -> str:
        if not self.loaded:
            return self.tr("Looking for duplicates…")
        groups = self.kind_groups()
        files, size = self._sizes(groups)
        if not groups:
            return self.tr("No duplicates found")
        freed = self.tr("%n file(s) could go to the Trash", "", files)
        return self.tr("%n group(s)", "", len(groups)) + " · " + freed + " · " + data_size(size)

    def kind_groups(self) -> list[DuplicateGroup]:
        kind = self.kind()
        return [g for g in self.groups if kind == "all" or g.kind == kind]

    def kept(self, group: DuplicateGroup) -> int:
        chosen = self._chosen.get((group.kind, group.keep), group.keep)
        return chosen if any(p.id == chosen for p in group.photos) else group.keep

    def _to_trash(self, groups: list[DuplicateGroup]) -> list[tuple[str, DuplicatePhoto]]:
        from ...engine.duplicates import others_to_trash  # imported late: keeps the engine off the window's start path

        return others_to_trash([(g, self.kept(g)) for g in groups], [self.kept(g) for g in self.groups])

    def _sizes(self, groups: list[DuplicateGroup]) -> tuple[int, int]:
        others = [photo for _, photo in self._to_trash(groups)]
        return len(others), sum(p.size for p in others)

    # -- loading --------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the engine for the groups (its thread); the cards are rebuilt when they come."""
        self._ticket += 1
        ticket, strictness = self._ticket, self.strictness
        self.status_label.setText(self.tr("Looking for duplicates…"))

        def done(groups: list[DuplicateGroup]) -> None:
            if ticket == self._ticket:
                self.groups, self.loaded = groups, True
                self._show_groups()

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self.status_label.setText(self.tr("Finding duplicates failed: {why}").format(why=error))

        self._call(lambda engine: engine.duplicate_groups(None, strictness), done, failed)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def library_changed(self) -> None:
        """Photos came or went: the engine places new ones; ask again when shown."""
        self.loaded = False
        if self.isVisible() and not self.busy:
            self._slider_timer.start()

    def _show_groups(self) -> None:
        self._shown = PAGE
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        groups = self.kind_groups()
        self.slider.setEnabled(self.kind() in ("all", "similar"))
        self.trash_all_button.setEnabled(bool(groups) and not self.busy)
        self._add_cards(groups[: self._shown])
        self.pages.setCurrentWidget(self.scroll if groups else self.empty)
        self.empty.setText(
            self.tr(
                "No duplicates here. Copies, converted or resized versions and similar shots of your photos "
                "will appear here as they are indexed."
            )
        )
        self._update_summary()
        self.groupsShown.emit()

    def _add_cards(self, groups: list[DuplicateGroup]) -> None:
        self.list_layout.removeWidget(self.more_button)
        for group in groups:
            card = DuplicateCard(group, self.loader, self.list)
            card.choose(self.kept(group))
            card.keeperChanged.connect(lambda photo_id, g=group: self._keeper_changed(g, photo_id))
            card.trashRequested.connect(lambda c=card: self.confirm_and_trash([c.group]))
            self.list_layout.insertWidget(self.list_layout.count() - 1, card)
            self.cards.append(card)
        more = len(self.kind_groups()) - len(self.cards)
        self.more_button.setVisible(more > 0)
        if more > 0:
            self.list_layout.insertWidget(self.list_layout.count() - 1, self.more_button)

    def _show_more(self) -> None:
        groups = self.kind_groups()
        self._add_cards(groups[len(self.cards) : len(self.cards) + PAGE])

    def _keeper_changed(self, group: DuplicateGroup, photo_id: int) -> None:
        self._chosen[(group.kind, group.keep)] = photo_id
        self._update_summary()

    def _update_summary(self) -> None:
        self.status_label.setText(self.summary())
        self.summaryChanged.emit(self.summary())

    # -- moving to the Trash --------------------------------------------------------------------------

    def confirm_and_trash(self, groups: list[DuplicateGroup]) -> None:
        if self.busy:
            return
        # The list is made once: what the dialog counts is exactly what moves, even if indexing
        # regroups the photos while the dialog is open.
        planned = self._to_trash(groups)
        files, size = len(planned), sum(photo.size for _, photo in planned)
        if not files:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Move to Trash"), "", parent=self)
        box.setText(self.tr("Move %n file(s) ({size}) to the Trash?", "", files).format(size=data_size(size)))
        box.setInformativeText(
            self.tr(
                "The photo marked Keep stays in each group. The others go to the Trash, where you can "
                "restore them; nothing is deleted."
            )
        )
        move = box.addButton(self.tr("Move to Trash"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is move and not self.busy:
            self.trash([(keeper, photo.path) for keeper, photo in planned])

    def trash(self, plan: list[tuple[str, str]]) -> None:
        """Move files to the Trash off the GUI thread, each (path kept, path to trash) only while its
        keeper is on disk; the catalog drops the moved ones right after."""
        self.busy = True
        self.trash_all_button.setEnabled(False)
        self.status_label.setText(self.tr("Moving %n file(s) to the Trash…", "", len(plan)))
        paths = [path for _, path in plan]

        def run(engine: Engine) -> tuple[list[str], list[tuple[str, str]]]:
            moved, failed = move_others_to_trash(plan)
            try:
                engine.duplicates.forget_trashed(moved)
            except Exception:  # the files are in the Trash either way; the watcher drops them later
                log.warning("the catalog could not drop the files moved to the Trash", exc_info=True)
            return moved, failed

        def done(result: tuple[list[str], list[tuple[str, str]]]) -> None:
            moved, failed = result
            self.busy = False
            self.loaded = False
            self.reload()
            text = self.tr("Moved %n file(s) to the Trash", "", len(moved))
            if failed:
                path, why = failed[0]
                text += " · " + self.tr("%n could not be moved", "", len(failed))
                text += " (" + self.tr("{path}: {why}").format(path=path, why=why) + ")"
            self.note_label.setText(text)
            self.note_label.show()
            self.trashDone.emit(len(moved), len(failed))

        def failed(error: BaseException) -> None:
            self.busy = False
            self.status_label.setText(self.tr("Moving to the Trash failed: {why}").format(why=error))
            self.trashDone.emit(0, len(paths))

        self._call(run, done, failed)

    def _call(self, fn: Callable[[Engine], Any], done: Callable[[Any], None], failed: Callable[[Any], None]) -> None:
        def run() -> Any:
            engine = self.bridge.engine
            if engine is None:
                raise RuntimeError(self.tr("the photo library is not open"))
            return fn(engine)

        self.background.submit(run, on_done=done, on_error=failed, owner=self)
