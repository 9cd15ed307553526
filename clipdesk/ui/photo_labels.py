"""The preview's "What's in this photo": the zero-shot labels with their percentages, each a link
that opens the label in Things.

A library photo shows its stored tags (Engine.photo_labels; a photo not tagged yet is described
from its stored vector); any other picture, dropped from outside the library, is described by the
model (Engine.describe_image). Both run on the engine thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from .views.partials.label_tiles import chinese_ui

if TYPE_CHECKING:
    from .engine_bridge import EngineBridge

TOP = 5


def labels_for(engine: Any, image: Any) -> list[Any]:
    """Engine thread: the best labels of a library photo (by id) or of any picture (file path, PIL image)."""
    if isinstance(image, int):
        tags = engine.photo_labels(image)[:TOP]
        if tags:
            return tags
    return list(engine.describe_image(image, limit=TOP))


class PhotoLabels(QWidget):
    labelClicked = Signal(str, str)  # label id, display name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge: EngineBridge | None = None
        self.shown: list[Any] = []  # the ScoredLabels on show
        self._ticket = 0
        self._buttons: list[QToolButton] = []
        self.title = QLabel(self.tr("What's in this photo:"), self)
        self.note = QLabel(self)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(14, 0, 14, 0)
        self._row.setSpacing(4)
        self._row.addWidget(self.title)
        self._row.addWidget(self.note)
        self._row.addStretch(1)
        self.hide()

    def set_bridge(self, bridge: EngineBridge) -> None:
        self.bridge = bridge

    def show_for(self, image: Any) -> None:
        """A library photo's id, or any picture (a file's path, a PIL image)."""
        self._ticket += 1
        ticket = self._ticket
        if self.bridge is None or not self.bridge.ready:
            self.hide()
            return
        self._set_labels([])
        self.note.setText(self.tr("looking…"))
        self.show()

        def done(labels: list[Any]) -> None:
            if ticket == self._ticket:
                self._set_labels(labels)

        def failed(_exc: BaseException) -> None:
            if ticket == self._ticket:
                self._set_labels([])
                self.note.setText(self.tr("not available until the search model is ready"))

        self.bridge.call(lambda e: labels_for(e, image), done, failed, owner=self)

    def _set_labels(self, labels: list[Any]) -> None:
        self.shown = labels
        for button in self._buttons:
            self._row.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        self.note.setText("" if labels else self.tr("nothing recognised"))
        chinese = chinese_ui()
        locale = QLocale()
        for i, label in enumerate(labels):
            name = label.zh if chinese and label.zh else label.name
            percent = locale.toString(100 * float(label.probability), "f", 0)
            button = QToolButton(self)
            button.setText(self.tr("{name} {percent}%").format(name=name, percent=percent))
            button.setToolTip(self.tr("Show all photos of “{name}”").format(name=name))
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows belong to the preview
            button.clicked.connect(lambda _=False, lid=label.id, n=name: self.labelClicked.emit(lid, n))
            self._row.insertWidget(2 + i, button)
            self._buttons.append(button)

    def buttons(self) -> list[QToolButton]:
        return list(self._buttons)
