"""The page the window shows instead of the photos when the catalog is damaged: what happened,
and the ways back (restore the latest backup, or salvage what can be read), or Quit.

The page only shows and asks; DataSafety (data_safety.py) runs the choice through the bridge
(off the GUI thread) and calls `working`, `failed` or `finish`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .folders_dialog import pretty_path

if TYPE_CHECKING:
    from ..catalog.backup import BackupInfo, CatalogSummary

# Called by its full name so that pyside6-lupdate finds every text with its context.
translate = QCoreApplication.translate


def summary_text(summary: CatalogSummary) -> str:
    """“20 photos, 3 folders”, in the interface's language."""
    # Two numbers in one phrase: each in its own form, as lupdate marks no plurals in plain functions.
    n, m = summary.indexed, len(summary.roots)
    photos = (
        translate("RecoveryPage", "1 photo") if n == 1 else translate("RecoveryPage", "{n} photos").format(n=number(n))
    )
    folders = (
        translate("RecoveryPage", "1 folder")
        if m == 1
        else translate("RecoveryPage", "{n} folders").format(n=number(m))
    )
    return translate("RecoveryPage", "{photos}, {folders}").format(photos=photos, folders=folders)


def number(n: int) -> str:
    return QLocale().toString(n)


def restore_choice_text(backup: BackupInfo) -> str:
    return translate(
        "RecoveryPage",
        "Restore the backup from {date} ({what})",
    ).format(date=backup.label, what=summary_text(backup.summary))


class RecoveryPage(QWidget):
    """Emits `chosen("backup" | "salvage")` or `quitRequested`; `active` while it is the window's page."""

    chosen = Signal(str)
    quitRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.active = False
        self.state: Any = None  # the CatalogState shown
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame(self)
        card.setMinimumWidth(480)
        card.setMaximumWidth(640)
        column = QVBoxLayout(card)
        column.setSpacing(10)
        self.title = QLabel(translate("RecoveryPage", "The catalog is damaged"), card)
        font = self.title.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.explanation = QLabel(card)
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.restore_button = QCommandLinkButton(card)
        self.restore_button.clicked.connect(lambda: self.chosen.emit("backup"))
        self.no_backup = QLabel(
            translate("RecoveryPage", "There is no backup of the catalog yet, so it cannot be restored."), card
        )
        self.no_backup.setWordWrap(True)
        self.no_backup.setEnabled(False)  # muted
        self.salvage_button = QCommandLinkButton(
            translate("RecoveryPage", "Salvage what can be read and re-index the rest"),
            translate(
                "RecoveryPage",
                "Keeps the folders, settings and photos the damaged file still holds; the rest is indexed again.",
            ),
            card,
        )
        self.salvage_button.clicked.connect(lambda: self.chosen.emit("salvage"))
        self.progress = QProgressBar(card)
        self.progress.setRange(0, 0)  # busy: neither way reports steps
        self.progress.setTextVisible(False)
        self.progress_label = QLabel(card)
        self.progress_label.setWordWrap(True)
        self.error = QLabel(card)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d33;")
        self.quit_button = QPushButton(translate("RecoveryPage", "Quit"), card)
        self.quit_button.clicked.connect(self.quitRequested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        for widget in (
            self.title,
            self.explanation,
            self.restore_button,
            self.no_backup,
            self.salvage_button,
            self.progress_label,
            self.progress,
            self.error,
        ):
            column.addWidget(widget)
        column.addLayout(buttons)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self._show_working(False)

    def show_state(self, state: Any) -> None:
        """Show a damaged CatalogState (clipdesk.engine.datastate) and its choices."""
        self.state = state
        self.active = True
        self.explanation.setText(
            translate(
                "RecoveryPage",
                "clipdesk's catalog ({path}) is damaged and cannot be read. Your photos are untouched. Whichever "
                "way you choose, the damaged file is kept aside (renamed, never deleted) and photos missing "
                "afterwards are indexed again.",
            ).format(path=pretty_path(str(state.path)))
        )
        has_backup = bool(state.backups)
        if has_backup:
            self.restore_button.setText(restore_choice_text(state.backups[0]))
            self.restore_button.setDescription(
                translate(
                    "RecoveryPage",
                    "Photos indexed since then will be indexed again; folders, settings and albums as they were then.",
                )
            )
        self.restore_button.setVisible(has_backup)
        self.no_backup.setVisible(not has_backup)
        self._show_working(False)  # a failed try's reason stays: the page comes back after it

    def choices(self) -> list[str]:
        """The choices on offer: "backup" (when there is one) and "salvage"."""
        return (["backup"] if self.state is not None and self.state.backups else []) + ["salvage"]

    def working(self, choice: str) -> None:
        self.progress_label.setText(
            translate("RecoveryPage", "Restoring the backup…")
            if choice == "backup"
            else translate("RecoveryPage", "Salvaging what can be read (this reads the whole catalog)…")
        )
        self.error.clear()
        self._show_working(True)

    def failed(self, why: str) -> None:
        self.error.setText(translate("RecoveryPage", "That did not work: {why}").format(why=why))
        self._show_working(False)

    def finish(self) -> None:
        self.active = False
        self._show_working(False)

    def _show_working(self, working: bool) -> None:
        self.busy = working
        self.progress.setVisible(working)
        self.progress_label.setVisible(working)
        self.error.setVisible(not working and bool(self.error.text()))
        for button in (self.restore_button, self.salvage_button, self.quit_button):
            button.setEnabled(not working)
