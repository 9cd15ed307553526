"""Keeping the library's data safe from the app: a damaged catalog at start (restore or salvage),
a full or read-only data disk (the status bar), Back Up Now, Restore a Backup, Move the Data Folder.

Every step that touches the disk runs off the GUI thread: recoveries, restores and moves through
the bridge's lifecycle worker (which closes the engine first and opens it again after), the
listing of backups on the window's background threads. Questions come before anything changes;
`start_restore` and `start_move` are the steps after the questions (tests call them directly).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog

from .core_text import core_text
from .empty_choice import MOVE_DATA, OPEN_DATA
from .folders_dialog import pretty_path
from .recovery_page import RecoveryPage, number, summary_text

if TYPE_CHECKING:
    from ..catalog.backup import BackupInfo, CatalogSummary
    from .main_window import MainWindow

# Called by its full name so that pyside6-lupdate finds every text with its context.
translate = QCoreApplication.translate


def losses_text(current: CatalogSummary | None, backup: CatalogSummary) -> list[str]:
    """What restoring `backup` over `current` loses, one line each (as clipdesk.catalog.recovery.losses)."""
    if current is None:
        return [translate("DataSafety", "The current catalog cannot be read: whatever it held since the backup.")]
    lines = []
    since = max(current.indexed - backup.indexed, 0)
    if since:
        lines.append(
            translate("DataSafety", "1 photo indexed since then (it will be indexed again)")
            if since == 1
            else translate("DataSafety", "{n} photos indexed since then (they will be indexed again)").format(
                n=number(since)
            )
        )
    added = sorted(set(current.roots) - set(backup.roots))
    removed = sorted(set(backup.roots) - set(current.roots))
    if added:
        lines.append(translate("DataSafety", "folders added since: {folders}").format(folders=", ".join(added)))
    if removed:
        lines.append(
            translate("DataSafety", "folders removed since will come back: {folders}").format(
                folders=", ".join(removed)
            )
        )
    keys = set(current.settings) | set(backup.settings)
    if any(current.settings.get(k) != backup.settings.get(k) for k in keys):
        lines.append(translate("DataSafety", "settings changed since then go back to what they were"))
    changed = sorted(
        t for t, n in current.user_rows.items() if t not in ("roots", "meta") and n != backup.user_rows.get(t, 0)
    )
    if changed:
        lines.append(translate("DataSafety", "changes since then to: {tables}").format(tables=", ".join(changed)))
    return lines


def restore_question(current: CatalogSummary | None, backup: BackupInfo) -> str:
    lost = losses_text(current, backup.summary) or [translate("DataSafety", "nothing")]
    return translate(
        "DataSafety",
        "Restore the backup from {date} ({what})?\n\nLost since it was taken:\n{lost}\n\n"
        "The current catalog is kept aside, not deleted. Search pauses while the backup is put in place.",
    ).format(date=backup.label, what=summary_text(backup.summary), lost="\n".join(f"• {line}" for line in lost))


def move_destination(chosen: Path) -> Path:
    """The folder a move goes to: the chosen one when it is empty, else a new folder inside it."""
    if chosen.is_dir() and any(chosen.iterdir()):
        return chosen / "clipdesk-data"
    return chosen


def _backups_and_current(data_dir: Path) -> tuple[list[BackupInfo], CatalogSummary | None]:
    from ..catalog.backup import backup_folder, list_backups
    from ..catalog.recovery import current_summary

    return list_backups(backup_folder(data_dir)), current_summary(data_dir)


def _restore(data_dir: Path, backup: Path) -> Any:
    from ..catalog.recovery import restore
    from ..engine.lock import IndexLock

    lock = IndexLock(data_dir)
    if not lock.acquire():
        raise RuntimeError(
            translate(
                "DataSafety", "clipdesk is indexing this library in a terminal (`clipdesk index`): stop it first."
            )
        )
    try:
        return restore(data_dir, backup)
    finally:
        lock.release()


class DataSafety(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.bridge = bridge = window.bridge
        self.recovery = RecoveryPage(window.pages)
        window.pages.addWidget(self.recovery)
        self.recovery.chosen.connect(self.recover)
        self.recovery.quitRequested.connect(window.close)
        self.progress: QProgressDialog | None = None
        self.last_done: tuple[str, Any] | None = None  # (task, result): tests and scripts look at it
        self.last_failed: tuple[str, str] | None = None
        self.disk_message = ""  # the engine's last full/read-only message, as shown
        bridge.catalogDamaged.connect(self._damaged)
        bridge.dataTaskDone.connect(self._task_done)
        bridge.dataTaskFailed.connect(self._task_failed)
        bridge.diskState.connect(self._disk_state)
        disk = window.status_bar.disk
        disk.openFolderRequested.connect(self.open_data_folder)
        disk.moveRequested.connect(self.choose_move)

    # -- a damaged catalog at start -------------------------------------------------------------------

    def _damaged(self, state: Any) -> None:
        self.recovery.show_state(state)
        self.window.update_view()

    def recover(self, choice: str) -> None:
        """ "backup" or "salvage", as offered on the recovery page."""
        if choice not in self.recovery.choices() or self.recovery.busy:
            return
        self.recovery.working(choice)
        self.bridge.recover(choice)

    # -- the data disk ---------------------------------------------------------------------------------

    def _disk_state(self, state: str, message: str) -> None:
        self.window.status_bar.disk.set_state(state, message)
        if state == "ok":
            banner = self.window.message_banner
            if banner.isVisible() and banner.text.text() == self.disk_message:
                banner.hide()  # the pause it reported is over
            self.window.flash(message)
        else:
            self.disk_message = message
        self.window.update_view()  # with nothing indexed yet, the middle of the window explains it too

    def empty_actions(self) -> dict[str, Callable[[], None]]:
        """The empty page's buttons for a full or read-only disk (clipdesk.ui.empty_choice)."""
        return {MOVE_DATA: self.choose_move, OPEN_DATA: self.open_data_folder}

    def disk_title(self) -> str:
        """The banner's title over the engine's full/read-only report."""
        if self.window.status_bar.disk.state == "read_only":
            return translate("DataSafety", "Indexing paused: the data disk is read-only")
        return translate("DataSafety", "Indexing paused: the data disk is full")

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.bridge.data_dir)))

    # -- back up, restore --------------------------------------------------------------------------------

    def back_up_now(self) -> None:
        self.window.flash(translate("DataSafety", "Backing up the catalog…"))

        def done(info: Any) -> None:
            self.last_done = ("backup", info)
            self.window.flash(
                translate("DataSafety", "The catalog was backed up ({what}) to {path}.").format(
                    what=summary_text(info.summary), path=pretty_path(str(info.path))
                )
            )

        def failed(exc: BaseException) -> None:
            self.last_failed = ("backup", str(exc))
            why = core_text(str(exc))
            self.window.show_message(
                "error", translate("DataSafety", "The catalog could not be backed up: {why}").format(why=why)
            )

        self.bridge.call(lambda engine: engine.backup_now(), done, failed, owner=self)

    def restore_backup(self) -> None:
        """Library ▸ Restore a Backup…: list the backups (background), choose one, confirm, restore."""
        self.window.background.submit(
            _backups_and_current, self.bridge.data_dir, on_done=self._choose_backup, owner=self.window
        )

    def _choose_backup(self, found: tuple[list[BackupInfo], CatalogSummary | None]) -> None:
        backups, current = found
        w = self.window
        title = translate("DataSafety", "Restore a Backup")
        if not backups:
            QMessageBox.information(
                w, title, translate("DataSafety", "There is no backup yet. Library ▸ Back Up Now makes one.")
            )
            return
        backup = backups[0]
        if len(backups) > 1:
            labels = [f"{b.label} ({summary_text(b.summary)})" for b in backups]
            item, ok = QInputDialog.getItem(
                w, title, translate("DataSafety", "Which backup? (newest first)"), labels, 0, False
            )
            if not ok:
                return
            backup = backups[labels.index(item)]
        answer = QMessageBox.question(w, title, restore_question(current, backup))
        if answer == QMessageBox.StandardButton.Yes:
            self.start_restore(backup.path)

    def start_restore(self, backup: Path) -> None:
        """Close the engine, put `backup` in place (the current catalog kept aside), reopen."""
        self._show_progress(translate("DataSafety", "Restoring the backup…"))
        self.bridge.run_data_task("restore", lambda data: _restore(data, Path(backup)))

    # -- moving the data folder --------------------------------------------------------------------------

    def choose_move(self) -> None:
        """Library ▸ Move the Data Folder…: pick a folder, confirm, move."""
        w = self.window
        chosen = QFileDialog.getExistingDirectory(
            w, translate("DataSafety", "Move clipdesk's Data To"), str(Path.home())
        )
        if not chosen:
            return
        source, dest = self.bridge.data_dir, move_destination(Path(chosen))
        question = translate(
            "DataSafety",
            "Move clipdesk's data (catalog, search index, thumbnails and backups) from {source} to {dest}?\n\n"
            "Indexing and search pause while it is copied and checked. If the move is interrupted, the old folder "
            "stays in use; it is removed only once the new one is complete.",
        ).format(source=pretty_path(str(source)), dest=pretty_path(str(dest)))
        title = translate("DataSafety", "Move the Data Folder")
        if QMessageBox.question(w, title, question) == QMessageBox.StandardButton.Yes:
            self.start_move(dest)

    def start_move(self, dest: Path) -> None:
        """Close the engine, move the data folder to `dest` (copy, check, switch, clean up), reopen there."""
        from ..engine.datamove import move_data

        uses_default = self.bridge.data_dir_is_default  # only then is the pointer file written
        self._show_progress(translate("DataSafety", "Moving clipdesk's data to {dest}…").format(dest=dest))
        self.bridge.run_data_task("move", lambda data: move_data(data, Path(dest), uses_default))

    # -- results -------------------------------------------------------------------------------------------

    def _show_progress(self, text: str) -> None:
        self._close_progress()
        dialog = QProgressDialog(text, "", 0, 0, self.window)
        dialog.setCancelButton(None)  # none of these steps can be stopped halfway safely
        dialog.setWindowTitle("clipdesk")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.show()
        self.progress = dialog

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _task_done(self, name: str, result: Any) -> None:
        self._close_progress()
        self.last_done = (name, result)
        w = self.window
        if name in ("recover", "restore") and self.recovery.active:  # Library ▸ Restore a Backup works there too
            self.recovery.finish()
            w.update_view()
        if name == "recover":
            text = (
                translate("DataSafety", "The backup was restored ({what}); missing photos are indexed again.")
                if result.choice == "backup"
                else translate("DataSafety", "The catalog was salvaged ({what}); missing photos are indexed again.")
            )
            w.flash(text.format(what=summary_text(result.summary)), 12)
        elif name == "restore":
            w.flash(
                translate(
                    "DataSafety", "The backup was restored ({what}); the previous catalog was kept as {path}."
                ).format(what=summary_text(result.summary), path=pretty_path(str(result.moved_aside))),
                12,
            )
        elif name == "move":
            w.status_bar.disk.set_state("ok", "")
            w.flash(
                translate("DataSafety", "clipdesk's data is now in {dest}.").format(dest=pretty_path(str(result.dest))),
                12,
            )

    def _task_failed(self, name: str, why: str) -> None:
        self._close_progress()
        self.last_failed = (name, why)
        if name == "recover":
            self.recovery.failed(why)
            return
        text = (
            translate("DataSafety", "The backup could not be restored: {why}. Nothing was changed.")
            if name == "restore"
            else translate("DataSafety", "The data folder could not be moved: {why}. The old folder is still in use.")
        )
        self.window.show_message("error", text.format(why=why))
