"""The files that could not be read, and why."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .core_text import core_text, join_sentences
from .engine_bridge import EngineBridge
from .file_actions import copy_paths, show_in_folder
from .folders_dialog import pretty_path

LIMIT = 5000


class ErrorsDialog(QDialog):
    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.errors: list[tuple[str, str]] = []
        self.setWindowTitle(self.tr("Files that could not be read"))
        self.resize(760, 440)
        self.summary = QLabel(self.tr("Loading…"), self)
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("File"), self.tr("Folder"), self.tr("Why")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemDoubleClicked.connect(lambda item: show_in_folder(item.data(0, Qt.ItemDataRole.UserRole)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton(self.tr("Copy list"), self)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: copy_paths([f"{p}\t{r}" for p, r in self.errors]))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.bridge.call(lambda e: e.status(error_limit=LIMIT), self._show, owner=self)

    def _show(self, status) -> None:
        self.errors = list(status.errors)
        total = int(status.counts.get("error", len(self.errors)))
        self.tree.clear()
        items = []
        for path, reason in self.errors:
            item = QTreeWidgetItem(
                [
                    os.path.basename(path),
                    pretty_path(os.path.dirname(path)),
                    core_text(reason or self.tr("unknown reason")),
                ]
            )
            item.setToolTip(0, path)
            item.setToolTip(1, path)
            item.setToolTip(2, core_text(reason) if reason else "")
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            items.append(item)
        self.tree.addTopLevelItems(items)
        for column, widest in ((0, 260), (1, 300)):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, min(self.tree.columnWidth(column) + 12, widest))
        if not total:
            self.summary.setText(self.tr("Every photo could be read."))
            return
        text = join_sentences(
            self.tr("%Ln file(s) could not be read.", "", total),
            self.tr(
                "They are skipped; clipdesk tries again when a file changes. Double-click a file to show it in its "
                "folder."
            ),
        )
        if total > len(self.errors):
            listed = len(self.errors)  # a plain name: pyside6-lupdate skips plural calls whose count is an expression
            text = join_sentences(text, self.tr("The first %Ln are listed.", "", listed))
        self.summary.setText(text)
