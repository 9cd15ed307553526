"""Add and remove photo folders, edit exclusion patterns, see each folder's state."""

from __future__ import annotations

import os

from PySide6.QtCore import QDir, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .core_text import core_text
from .engine_bridge import EngineBridge
from .icons import icon
from .settings import Settings


def pretty_path(path: str) -> str:
    """~/Pictures rather than /home/someone/Pictures."""
    home = QDir.homePath()
    if path == home or path.startswith(home.rstrip("/") + "/"):
        return "~" + path[len(home) :]
    return QDir.toNativeSeparators(path)


class FoldersDialog(QDialog):
    foldersChanged = Signal()

    def __init__(self, bridge: EngineBridge, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.settings = settings
        self.roots: list[dict] = []
        self.setWindowTitle(self.tr("Photo folders"))
        self.setMinimumSize(640, 420)

        intro = QLabel(
            self.tr(
                "clipdesk indexes the photos in these folders and their subfolders, and keeps "
                "watching them for new, changed and deleted photos. Removing a folder only "
                "removes it from clipdesk; your files are not touched."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([self.tr("Folder"), self.tr("Photos"), self.tr("Status")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._selection_changed)

        self.add_button = QPushButton(icon("folder"), self.tr("Add folder…"), self)
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._confirm_remove)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        self.excludes_label = QLabel(
            self.tr(
                "Skip files and folders matching (one pattern per line, e.g. "
                "<i>raw</i>, <i>*.png</i>, <i>Screenshots</i>):"
            ),
            self,
        )
        self.excludes_label.setWordWrap(True)
        self.excludes = QPlainTextEdit(self)
        self.excludes.setPlaceholderText(self.tr("Nothing skipped"))
        self.excludes.setMaximumHeight(84)
        self.excludes.setTabChangesFocus(True)
        self.excludes.textChanged.connect(self._excludes_edited)
        self.save_excludes_button = QPushButton(self.tr("Apply"), self)
        self.save_excludes_button.setEnabled(False)
        self.save_excludes_button.clicked.connect(self.apply_excludes)
        excludes_row = QHBoxLayout()
        excludes_row.addWidget(self.excludes, 1)
        excludes_row.addWidget(self.save_excludes_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #dc3545;")
        self.error_label.hide()

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)
        layout.addSpacing(6)
        layout.addWidget(self.excludes_label)
        layout.addLayout(excludes_row)
        layout.addWidget(close)
        self._set_excludes_enabled(False)

        self._timer = QTimer(self, interval=3000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    # -- data ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.bridge.call(lambda e: e.status(error_limit=1).roots, self._show_roots, self._show_error, owner=self)

    def _show_roots(self, roots: list[dict]) -> None:
        selected = self.selected_path()
        self.roots = roots
        self.tree.clear()
        for root in roots:
            item = QTreeWidgetItem(
                [pretty_path(root["path"]), QLocale().toString(int(root["images"])), self.status_text(root)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, root["path"])
            item.setToolTip(0, root["path"])
            item.setIcon(0, icon("folder"))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not root["online"] or root.get("watch") == "offline":
                item.setForeground(2, QColor("#c0392b"))
            self.tree.addTopLevelItem(item)
            if root["path"] == selected:
                item.setSelected(True)
        if self.tree.topLevelItemCount() and not self.tree.selectedItems():
            self.tree.topLevelItem(0).setSelected(True)
        self._selection_changed()

    def status_text(self, root: dict) -> str:
        if not root["online"] or root.get("watch") == "offline":
            return self.tr("Offline: photos kept until it is back")
        if not root["enabled"]:
            return self.tr("Paused")
        mode = root.get("watch")
        if mode == "watching":
            return self.tr("Watching for changes")
        if mode == "polling":
            return self.tr("Checking every few seconds (polling)")
        return self.tr("Waiting to be scanned")

    def selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _selected_root(self) -> dict | None:
        path = self.selected_path()
        return next((r for r in self.roots if r["path"] == path), None)

    def _selection_changed(self) -> None:
        root = self._selected_root()
        self.remove_button.setEnabled(root is not None)
        self._set_excludes_enabled(root is not None)
        if root is not None and not self.save_excludes_button.isEnabled():
            self.excludes.blockSignals(True)
            self.excludes.setPlainText("\n".join(root["excludes"]))
            self.excludes.blockSignals(False)

    def _set_excludes_enabled(self, enabled: bool) -> None:
        self.excludes.setEnabled(enabled)
        self.excludes_label.setEnabled(enabled)

    # -- actions ------------------------------------------------------------------------------------

    def choose_folder(self) -> None:
        start = (self.settings.last_dir("folders") if self.settings else "") or QDir.homePath()
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a photo folder"), start)
        if folder:
            if self.settings:
                self.settings.set_last_dir("folders", os.path.dirname(folder))
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        self.error_label.hide()
        self.bridge.call(lambda e: e.add_root(folder), lambda _root: self._changed(), self._show_error, owner=self)

    def _confirm_remove(self) -> None:
        path = self.selected_path()
        if not path:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Remove folder"),
            self.tr(
                "Stop searching the photos in {folder}?\n\nThe files stay where they are; only clipdesk forgets them."
            ).format(folder=pretty_path(path)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_folder(path)

    def remove_folder(self, path: str) -> None:
        self.error_label.hide()
        self.bridge.call(lambda e: e.remove_root(path), lambda _n: self._changed(), self._show_error, owner=self)

    def _excludes_edited(self) -> None:
        self.save_excludes_button.setEnabled(self._selected_root() is not None)

    def patterns(self) -> tuple[str, ...]:
        lines = (line.strip() for line in self.excludes.toPlainText().splitlines())
        return tuple(dict.fromkeys(line for line in lines if line))

    def apply_excludes(self) -> None:
        path = self.selected_path()
        if not path:
            return
        patterns = self.patterns()
        self.save_excludes_button.setEnabled(False)
        self.bridge.call(
            lambda e: e.set_excludes(path, patterns), lambda _r: self._changed(), self._show_error, owner=self
        )

    def _changed(self) -> None:
        self.foldersChanged.emit()
        self.refresh()

    def _show_error(self, exc: BaseException) -> None:
        self.error_label.setText(core_text(str(exc)))
        self.error_label.show()
