""" "New album…": a name plus a description and/or example photos (and optional counter-examples).

The dialog only gathers the definition; the window computes the album on the engine thread
(Engine.add_album) and reports errors (an empty definition, an unreadable example) back here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

IMAGE_FILTER = "*.jpg *.jpeg *.png *.heic *.heif *.webp *.tif *.tiff *.bmp *.gif"


@dataclass(frozen=True)
class AlbumRequest:
    name: str
    text: str
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]


class PhotoList(QWidget):
    """A short list of photo files with "Add photos…", "Use selected photos" and "Remove"."""

    def __init__(self, selected: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._selected = selected
        self.list = QListWidget(self)
        self.list.setMaximumHeight(84)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton(self.tr("Add photos…"), self)
        self.add_button.clicked.connect(self.choose_files)
        self.selection_button = QPushButton(self.tr("Use selected photos (%n)", "", len(selected)), self)
        self.selection_button.setEnabled(bool(selected))
        self.selection_button.clicked.connect(lambda: self.add_paths(self._selected))
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.clicked.connect(self._remove_chosen)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.selection_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)

    def paths(self) -> tuple[str, ...]:
        return tuple(self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count()))

    def add_paths(self, paths: list[str]) -> None:
        known = set(self.paths())
        for path in paths:
            if path not in known:
                item = QListWidgetItem(os.path.basename(path), self.list)
                item.setData(Qt.ItemDataRole.UserRole, path)
                item.setToolTip(path)
                known.add(path)

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Choose example photos"), "", self.tr("Images ({patterns})").format(patterns=IMAGE_FILTER)
        )
        self.add_paths(paths)

    def _remove_chosen(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))


class AlbumDialog(QDialog):
    def __init__(self, selected: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New album"))
        self.setMinimumWidth(520)
        intro = QLabel(
            self.tr(
                "A smart album keeps the photos that match what you describe or look like your examples, "
                "new ones included as they are indexed."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("Receipts"))
        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText(self.tr("receipts, our cat Mimi, sunsets at the beach…"))
        self.examples = PhotoList(selected, self)
        self.counter_examples = PhotoList(selected, self)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("Description:"), self.text_edit)
        form.addRow(self.tr("Like these:"), self.examples)
        form.addRow(self.tr("But not like these (optional):"), self.counter_examples)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(self.tr("Create album"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()

    def request(self) -> AlbumRequest:
        return AlbumRequest(
            self.name_edit.text().strip(),
            self.text_edit.text().strip(),
            self.examples.paths(),
            self.counter_examples.paths(),
        )

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        self.create_button.setEnabled(True)

    def _try_accept(self) -> None:
        r = self.request()
        if not r.name:
            self.show_error(self.tr("Give the album a name."))
        elif not r.text and not r.examples:
            self.show_error(self.tr("Describe the album in a few words, or add example photos."))
        else:
            self.error_label.hide()
            self.accept()
