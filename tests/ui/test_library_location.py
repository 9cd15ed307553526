"""Library ▸ Library Location… and a shared library's server that is down, with a real PostgreSQL server
(tests/pg_server.py) and the real window: choosing a server stores it and the engine opens it; a server
that cannot be reached at start is a state with Retry; no label ever shows the password."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from clipdesk.ui.library_location_dialog import masked, startup_library, store_library, stored_library

PASSWORD = "S3cret-pw"
_users = itertools.count()


def _with_password(pg_server, pg_url: str) -> str:
    """The test database's URL for a new role that logs in with PASSWORD (checked over TCP)."""
    user = f"photos{next(_users)}"
    try:
        pg_server.add_user(user, PASSWORD)
    except Exception:
        pass  # made by an earlier run of this test in the same server
    return pg_server.url(urlsplit(pg_url).path.lstrip("/"), user=user, password=PASSWORD)


def _texts(widget: QWidget) -> list[str]:
    out = []
    for w in [widget, *widget.findChildren(QWidget)]:
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out.append(w.text())
        out.append(w.toolTip())
    return out


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://photos:{PASSWORD}@127.0.0.1:{port}/photos?connect_timeout=2"


def _window(qtbot, tmp_path: Path, ui_model: Path, library: str):
    from clipdesk.ui.app import create_application
    from clipdesk.ui.engine_bridge import EngineBridge
    from clipdesk.ui.main_window import MainWindow
    from clipdesk.ui.settings import Settings

    create_application()
    bridge = EngineBridge(str(tmp_path / "data"), str(ui_model), watch=False, library=library)
    window = MainWindow(bridge, Settings(str(tmp_path / "settings.ini")))
    qtbot.addWidget(window)
    window.resize(1000, 680)
    window.show()
    bridge.open()
    return window


def _button(window, text: str) -> QPushButton:
    found = [b for b in window.library_view.empty.findChildren(QPushButton) if b.text() == text and b.isVisible()]
    assert found, [b.text() for b in window.library_view.empty.findChildren(QPushButton)]
    return found[0]


def test_the_setting_is_used_at_start_and_the_variable_wins(tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtCore import QSettings

    monkeypatch.delenv("CLIPDESK_LIBRARY", raising=False)
    q = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert startup_library(q) is None
    store_library(q, "postgresql://photos:pw@nas/photos")
    assert startup_library(q) == stored_library(q) == "postgresql://photos:pw@nas/photos"
    assert masked(stored_library(q)) == "postgresql://photos:***@nas/photos"
    monkeypatch.setenv("CLIPDESK_LIBRARY", "postgresql://other@db/x")
    assert startup_library(q) == "postgresql://other@db/x"


def test_choosing_a_shared_server_stores_it_and_opens_it(qtbot, tmp_path, ui_model, pg_server, pg_url) -> None:
    url = _with_password(pg_server, pg_url)
    window = _window(qtbot, tmp_path, ui_model, library="")
    bridge = window.bridge
    qtbot.waitUntil(lambda: window.status is not None, timeout=20_000)
    assert bridge.engine is not None and not bridge.engine.library  # this computer's library

    window.commands.library_location.trigger()
    dialog = window.library_location.dialog
    assert dialog is not None and dialog.local.isChecked() and not dialog.url.isEnabled()
    dialog.shared.setChecked(True)
    dialog.url.setText(url)
    dialog.url.editingFinished.emit()  # leaving the field: the typed password is masked
    assert PASSWORD not in dialog.url.text() and ":***@" in dialog.url.text()
    assert dialog.chosen_url() == url  # ... but kept
    dialog.test_button.click()  # on a background thread: the dialog answers meanwhile
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=15_000)
    assert dialog.last_result[0], dialog.last_result
    assert f"127.0.0.1:{pg_server.port}" in dialog.result.text()
    assert not any(PASSWORD in t for t in _texts(dialog))

    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert stored_library(window.settings.q) == url
    qtbot.waitUntil(lambda: bridge.engine is not None and bridge.engine.library == url, timeout=30_000)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.welcome, timeout=20_000)  # an empty library
    assert window.status.roots == []
    assert not any(PASSWORD in t for t in _texts(window))

    window.commands.library_location.trigger()  # the stored URL, shown masked
    again = window.library_location.dialog
    assert again.shared.isChecked() and PASSWORD not in again.url.text() and again.chosen_url() == url
    again.reject()
    window.close()


def test_a_wrong_address_is_reported_by_the_test_button(qtbot, tmp_path, ui_model) -> None:
    window = _window(qtbot, tmp_path, ui_model, library="")
    qtbot.waitUntil(lambda: window.status is not None, timeout=20_000)
    window.commands.library_location.trigger()
    dialog = window.library_location.dialog
    dialog.shared.setChecked(True)
    dialog.url.setText("nas/photos")
    dialog.test_button.click()
    assert dialog.last_result is None and "postgresql://" in dialog.result.text()  # not a URL: said at once
    down = _closed_port_url()
    dialog.url.setText(down)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=15_000)
    assert not dialog.last_result[0] and "Could not connect to 127.0.0.1:" in dialog.result.text()
    assert not any(PASSWORD in t for t in _texts(dialog))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # stored even when down: Retry later
    assert stored_library(window.settings.q) == down
    qtbot.waitUntil(lambda: window.library_view.empty.state == "unreachable", timeout=20_000)
    window.close()


def test_a_server_down_at_start_shows_its_state_and_retry_opens_it(
    qtbot, tmp_path, ui_model, pg_server, pg_url
) -> None:
    url = _with_password(pg_server, pg_url)
    pg_server.stop()
    window = _window(qtbot, tmp_path, ui_model, library=url)
    empty = window.library_view.empty
    qtbot.waitUntil(lambda: empty.state == "unreachable" and bool(empty.body.text()), timeout=30_000)
    assert window.bridge.engine is None
    assert f"127.0.0.1:{pg_server.port}/" in empty.body.text() and "Nothing is lost" in empty.body.text()
    assert not any(PASSWORD in t for t in _texts(window))
    assert window.model_indicator.state == "no_library"  # not "Loading model…" while nothing loads

    _button(window, "Retry").click()  # still down: the same state again, the window answering meanwhile
    qtbot.waitUntil(lambda: empty.title.text().startswith("Connecting"), timeout=5_000)
    qtbot.waitUntil(lambda: not window.library_location.retrying and empty.state == "unreachable", timeout=30_000)

    pg_server.start()
    _button(window, "Retry").click()
    qtbot.waitUntil(lambda: window.bridge.engine is not None, timeout=30_000)
    assert window.bridge.engine.library == url
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.welcome, timeout=20_000)
    qtbot.waitUntil(lambda: window.model_indicator.state in ("loading", "ready"), timeout=20_000)
    assert not any(PASSWORD in t for t in _texts(window))
    window.close()


def test_use_this_computer_after_a_server_down(qtbot, tmp_path, ui_model, monkeypatch) -> None:
    monkeypatch.setenv("CLIPDESK_LIBRARY", _closed_port_url())  # the variable chose it: the button still works
    window = _window(qtbot, tmp_path, ui_model, library=None)
    empty = window.library_view.empty
    qtbot.waitUntil(lambda: empty.state == "unreachable", timeout=30_000)
    _button(window, "Use this computer's library").click()
    qtbot.waitUntil(lambda: window.bridge.engine is not None, timeout=30_000)
    assert not window.bridge.engine.library and stored_library(window.settings.q) == ""
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.welcome, timeout=20_000)
    window.close()


@pytest.fixture(autouse=True)
def _no_library_variable(monkeypatch) -> None:
    monkeypatch.delenv("CLIPDESK_LIBRARY", raising=False)
