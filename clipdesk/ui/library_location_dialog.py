"""Library ▸ Library Location…: this computer's library or a shared one in a PostgreSQL server.

The choice is kept in the app's settings (QSettings, `library/url`); CLIPDESK_LIBRARY, when set, wins
at start. A URL's password is never shown: the field displays the stored URL with `***` in its place
and puts the real one back when the URL is used. "Test connection" connects on a background thread.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .background import Background

SETTING = "library/url"  # "" or absent: this computer's library
PLACEHOLDER = "postgresql://user@host/dbname"


def stored_library(settings: QSettings) -> str:
    return str(settings.value(SETTING, "") or "")


def store_library(settings: QSettings, url: str) -> None:
    settings.setValue(SETTING, url)
    settings.sync()


def startup_library(settings: QSettings) -> str | None:
    """The library the app opens: CLIPDESK_LIBRARY wins over the setting; None: this computer's."""
    return os.environ.get("CLIPDESK_LIBRARY") or stored_library(settings) or None


def masked(url: str) -> str:
    """The URL as shown: its password (in the address or its options) replaced by ***."""
    from ..catalog.postgres import redact  # psycopg loads only when a shared library is in play

    return redact(url) if url else ""


def server_address(url: str) -> str:
    """host:port/db, for messages: no user, no password."""
    from ..catalog.postgres import describe

    return describe(url)


def _password_part(url: str) -> str | None:
    """The password as written in the URL's address (still %-encoded), or None."""
    userinfo = urlsplit(url).netloc.rpartition("@")[0]
    _user, sep, password = userinfo.partition(":")
    return password if sep else None


def try_connection(url: str) -> str:
    """Connect once and let go (background thread). Returns where; raises a password-free CatalogError."""
    from ..catalog.postgres.connection import Connections

    connections = Connections(url)
    try:
        connections.connect().close()
    except Exception as exc:
        raise connections.error(exc) from None
    return connections.where


def failure_detail(message: str) -> str:
    """The server's or libpq's own words from a CatalogError message (already password-free)."""
    found = re.search(r"cannot be reached: (.*?)\. Nothing was lost", message, re.S)
    return (found.group(1) if found else message).strip()


class LibraryLocationDialog(QDialog):
    """Two choices; OK leaves the chosen URL ("" for this computer) in `chosen_url()`."""

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Library Location"))
        self.setMinimumWidth(520)
        self._stored = current  # the real URL, password and all; the field shows it masked
        self._background = Background(1, "clipdesk-library-test", self)
        self._testing = False
        self.last_result: tuple[bool, str] | None = None  # (reachable, text shown): tests look at it

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        intro = QLabel(self.tr("Where clipdesk keeps the catalog of your photos and what it knows about them."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.local = QRadioButton(self.tr("On this computer"), self)
        self.shared = QRadioButton(self.tr("Shared server (PostgreSQL)"), self)
        group = QButtonGroup(self)
        for button in (self.local, self.shared):
            group.addButton(button)
        layout.addWidget(self.local)
        layout.addWidget(self._hint(self.tr("The library in clipdesk's data folder. Nothing to set up.")))
        layout.addWidget(self.shared)
        layout.addWidget(
            self._hint(self.tr("One library for several computers, in a PostgreSQL server with pgvector."))
        )

        self.url = QLineEdit(self)
        self.url.setPlaceholderText(PLACEHOLDER)
        self.url.setClearButtonEnabled(True)
        self.url.setText(masked(current))
        self.url.setCursorPosition(0)  # the server's name in sight, not the end of its options
        self.url.editingFinished.connect(self._mask_typed_password)
        self.url.textChanged.connect(self._url_changed)
        url_row = QHBoxLayout()
        url_row.setContentsMargins(24, 0, 0, 0)
        url_row.addWidget(self.url, 1)
        self.test_button = QPushButton(self.tr("Test connection"), self)
        self.test_button.clicked.connect(self.test_connection)
        url_row.addWidget(self.test_button)
        layout.addLayout(url_row)
        self.result = QLabel("", self)
        self.result.setWordWrap(True)
        self.result.setContentsMargins(24, 0, 0, 0)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        layout.addWidget(
            self._hint(
                self.tr(
                    "A password is best kept in ~/.pgpass (or PGPASSWORD); one typed in the address is "
                    "stored with clipdesk's settings and never shown."
                ),
                indent=24,
            )
        )
        if os.environ.get("CLIPDESK_LIBRARY"):
            layout.addWidget(
                self._hint(self.tr("CLIPDESK_LIBRARY is set: at start it is used instead of this choice."))
            )
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        (self.shared if current else self.local).setChecked(True)
        self.shared.toggled.connect(self._choice_changed)
        self._choice_changed()

    def _hint(self, text: str, indent: int = 24) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setContentsMargins(indent, 0, 0, 0)
        label.setEnabled(False)  # the palette's dimmed text: an explanation, not a control
        return label

    # -- the URL, its password kept out of sight ------------------------------------------------------

    def typed_url(self) -> str:
        """The URL in the field, with the stored password put back where the field shows ***."""
        text = self.url.text().strip()
        password = _password_part(self._stored)
        if password is not None and ":***@" in text:
            text = text.replace(":***@", f":{password}@", 1)
        if "password=***" in text:
            found = re.search(r"password=([^&]*)", self._stored)
            if found:
                text = text.replace("password=***", f"password={found.group(1)}", 1)
        return text

    def _mask_typed_password(self) -> None:
        text = self.typed_url()
        if text and masked(text) != self.url.text():
            self._stored = text
            self.url.blockSignals(True)  # the same URL, shown masked: not a new one to test
            self.url.setText(masked(text))
            self.url.setCursorPosition(0)
            self.url.blockSignals(False)

    def chosen_url(self) -> str:
        return self.typed_url() if self.shared.isChecked() else ""

    # -- the choices -----------------------------------------------------------------------------------

    def _choice_changed(self) -> None:
        shared = self.shared.isChecked()
        self.url.setEnabled(shared)
        self.test_button.setEnabled(shared and not self._testing)
        if shared and not self.url.text():
            self.url.setFocus()
        self._show("")

    def _url_changed(self) -> None:
        self.last_result = None
        self._show("")

    def _valid(self) -> bool:
        from ..catalog.postgres import is_library_url

        if is_library_url(self.typed_url()):
            return True
        self._show(self.tr("Type the server's address as a URL that starts with postgresql://"), error=True)
        self.url.setFocus()
        return False

    def _accept_if_valid(self) -> None:
        if self.local.isChecked() or self._valid():
            self.accept()

    def _show(self, text: str, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet("color: #dc3545;" if error else "")  # as the other dialogs' errors

    # -- Test connection (background) ----------------------------------------------------------------------

    def test_connection(self) -> None:
        if self._testing or not self._valid():
            return
        self._mask_typed_password()  # the button took the focus: the field shows the address masked now
        url = self.typed_url()
        self._testing = True
        self.test_button.setEnabled(False)
        self._show(self.tr("Connecting to {server}…").format(server=server_address(url)))
        self._background.submit(
            try_connection,
            url,
            on_done=lambda where: self._tested(url, True, where),
            on_error=lambda exc: self._tested(url, False, failure_detail(str(exc))),
            owner=self,
        )

    def _tested(self, url: str, reachable: bool, detail: str) -> None:
        self._testing = False
        self.test_button.setEnabled(self.shared.isChecked())
        if url != self.typed_url():
            return  # the address changed meanwhile: this answer is about another one
        server = server_address(url)
        if reachable:
            text = self.tr("Connected to {server}.").format(server=server)
        else:
            text = self.tr("Could not connect to {server}: {why}").format(server=server, why=detail)
        self.last_result = (reachable, text)
        self._show(text, error=not reachable)

    def done(self, result: int) -> None:
        self._background.shutdown()
        super().done(result)
