"""The real app in a real X window (Xvfb), driven from outside with xdotool, as a user would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Debian's xvfb and xdotool (the Makefile's set-up installs them)",
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def display():
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


def _xdotool(display: str, *args: str, timeout: float = 30) -> str:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout).stdout


class _Grabber:
    """Screenshots of another process's window through the X server, with Qt: one helper process
    answering "WINDOW_ID PATH" lines with "WIDTH HEIGHT" (a fresh interpreter per grab cost a PySide6
    import each time the test polled)."""

    CODE = (
        "import sys\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "for line in sys.stdin:\n"
        "    window, path = line.rstrip('\\n').split(' ', 1)\n"
        "    p = app.primaryScreen().grabWindow(int(window))\n"
        "    p.save(path)\n"
        "    print(p.width(), p.height(), flush=True)\n"
    )

    def __init__(self, display: str) -> None:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.CODE], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def __call__(self, window_id: str, out: Path) -> tuple[int, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{int(window_id)} {out}\n")
        self.proc.stdin.flush()
        w, h = self.proc.stdout.readline().split()
        return int(w), int(h)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _photo_colours(png: Path) -> int:
    """Distinct colours below the toolbar: thousands once photo thumbnails are painted."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as im:
        grid = np.asarray(im.convert("RGB").crop((0, 110, im.width, im.height - 40))).reshape(-1, 3)
    return len(np.unique(grid, axis=0))


def _sidebar_row_highlighted(png: Path) -> str:
    """Which sidebar entry is drawn highlighted: 'library' (first row), 'search' (second) or ''."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)

    def blue(y: int) -> bool:
        strip = pixels[y - 6 : y + 6, 12:170].reshape(-1, 3).mean(axis=0)
        return strip[2] - strip[0] > 60  # the selection colour, not the grey sidebar

    rows = [name for name, y in (("library", 74), ("search", 112)) if blue(y)]
    return rows[0] if len(rows) == 1 else ""


def test_app_starts_in_a_real_window_searches_and_quits_cleanly(display, library, ui_model, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIPDESK_")}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        CLIPDESK_DATA_DIR=str(library),
        CLIPDESK_MODEL=str(ui_model),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    started = time.monotonic()
    app = subprocess.Popen(
        [sys.executable, "-m", "clipdesk"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    grab = _Grabber(display)
    try:
        window_id = _xdotool(display, "search", "--sync", "--onlyvisible", "--name", "^clipdesk$").split()[0]
        shown_after = time.monotonic() - started
        assert app.poll() is None
        # Type a query into the focused search field and let the results come in.
        shots = ROOT / "bench" / "out" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        # It opens on the Library: every photo, newest first, with no query typed.
        library = shots / "real_window_library.png"
        deadline = time.monotonic() + 60
        while True:
            w, h = grab(window_id, library)
            if _photo_colours(library) > 5000 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert w >= 800 and h >= 500
        assert _photo_colours(library) > 5000 and _sidebar_row_highlighted(library) == "library"
        # Typing goes to the search field at once; Enter shows the Search results view.
        _xdotool(display, "windowfocus", "--sync", window_id)
        _xdotool(display, "type", "--delay", "30", "street at night")
        _xdotool(display, "key", "Return")
        out = shots / "real_window.png"
        deadline = time.monotonic() + 90  # the model loads in the background first
        while True:
            w, h = grab(window_id, out)
            if (
                _photo_colours(out) > 5000 and _sidebar_row_highlighted(out) == "search"
            ) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert _sidebar_row_highlighted(out) == "search"
        assert _photo_colours(out) > 5000  # the grid shows real thumbnails, not an empty state
        # Quit with the keyboard, as a user would: the process must end promptly and cleanly.
        _xdotool(display, "windowfocus", "--sync", window_id)
        _xdotool(display, "key", "ctrl+q")  # real (XTEST) key presses, not synthetic events
        quit_at = time.monotonic()
        assert app.wait(timeout=30) == 0  # timings belong in bench/, not in asserts on a shared machine
        quit_s = time.monotonic() - quit_at
    finally:
        grab.close()
        if app.poll() is None:
            app.send_signal(signal.SIGKILL)
            app.wait()
    log = app.stdout.read()
    assert "Traceback" not in log, log
    print(f"window shown {shown_after:.2f}s after launch; exited {quit_s:.2f}s after Ctrl+Q")
