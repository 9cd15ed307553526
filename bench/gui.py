"""GUI timings: launch -> window drawn, and Enter -> first page of thumbnails painted.

    .venv/bin/python bench/gui.py [--runs 5]

Each run is a fresh process running the real entry point (`clipdesk.ui.app.run_app`) with
QT_QPA_PLATFORM=offscreen on a data folder whose library (the shared corpus) is already
indexed with the full-size ViT-B/32 architecture (random weights). Measured in the child:
  - launch: from just before the process was started (parent clock) to the end of the main
    window's first paint; also whether torch had been imported by then (it must not be);
  - search: from Enter in the search field to the first paint of the result grid in which
    every visible cell's thumbnail is loaded; split into Enter -> result arrived (search on
    the engine's thread) and result arrived -> thumbnails painted (the GUI's part).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

CHILD = r"""
import json, os, sys, time
T0 = float(sys.argv[1]); DATA = sys.argv[2]; MODEL = sys.argv[3]; QUERY = sys.argv[4]
marks = {}
def mark(name):
    if name not in marks:
        marks[name] = time.time()
from PySide6.QtCore import QEvent, QObject, QTimer, Qt
from PySide6.QtWidgets import QApplication
import clipdesk.ui.app as appmod
from clipdesk.ui.main_window import MainWindow

state = {"window": None, "searched": False, "result": False}

class Spy(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            win = state["window"]
            if win is not None and "window_painted" not in marks and obj is win:
                QTimer.singleShot(0, lambda: (mark("window_painted"), marks.setdefault("torch_at_paint", "torch" in sys.modules)))
            if win is not None and state["result"] and obj is win.grid.viewport():
                QTimer.singleShot(0, check_page)
        return False

def check_page():
    win = state["window"]
    loader = win.loader
    if "page_painted" in marks or not state["result"]:
        return
    marks.setdefault("rss_result_mb", rss_mb())
    with loader._cond:
        pending = len(loader._visible) + len(loader._queued)
    if win.model.rowCount() and not pending:
        mark("page_painted")
        marks["rss_mb"] = rss_mb()
        if os.environ.get("BENCH_IDLE_RSS"):
            wait_idle(time.time() + 60)
        else:
            QTimer.singleShot(50, QApplication.instance().quit)

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

def wait_idle(deadline):
    # The engine frees the image tower after CLIPDESK_IMAGE_MODEL_TTL idle seconds: the
    # app's resident memory from then on.
    engine = state["window"].bridge.engine
    if engine is not None and not engine.encoder.image_tower_loaded or time.time() > deadline:
        QTimer.singleShot(1000, lambda: (marks.__setitem__("rss_idle_mb", rss_mb()),
                                         marks.__setitem__("tower_released", not engine.encoder.image_tower_loaded),
                                         QApplication.instance().quit()))
        return
    QTimer.singleShot(250, lambda: wait_idle(deadline))

spy = Spy()
_orig_create = appmod.create_application
def create(*a, **k):
    app = _orig_create(*a, **k)
    app.installEventFilter(spy)
    return app
appmod.create_application = create
_orig_show = MainWindow.show
def show(self):
    state["window"] = self
    b = self.bridge
    b.engineReady.connect(lambda: mark("engine_ready"))
    def on_state(s, d):
        if s == "ready" and not state["searched"]:
            state["searched"] = True
            QTimer.singleShot(300, lambda: enter(self))
    b.modelState.connect(on_state)
    orig_set = self.model.set_results
    def set_results(*a, **k):
        if "enter" in marks and "result" not in marks:
            mark("result")
        out = orig_set(*a, **k)
        state["result"] = True
        self.grid.viewport().update()
        return out
    self.model.set_results = set_results
    return _orig_show(self)
MainWindow.show = show

def enter(win):
    win.field.setText(QUERY)
    from PySide6.QtTest import QTest
    mark("enter")
    QTest.keyClick(win.field, Qt.Key.Key_Return)

QTimer.singleShot(int(os.environ.get("BENCH_TIMEOUT_S", "60")) * 1000, lambda: QApplication.instance().quit())
appmod.run_app(DATA, MODEL, settings_path=os.path.join(DATA, "ui-settings.ini"))
marks = {k: (v - T0 if isinstance(v, float) and not k.startswith("rss") else v) for k, v in marks.items()}
print("MARKS " + json.dumps(marks), flush=True)
os._exit(0)
"""


def prepare(data: Path, model_dir: Path) -> None:
    from clipdesk.engine import Engine

    engine = Engine(data, str(model_dir))
    engine.add_root(c.CORPUS)
    engine.index()
    engine.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    model_dir = c.model_folder()
    data = Path(tempfile.mkdtemp(prefix="clipdesk-gui-"))
    print("indexing the corpus once (ViT-B/32 architecture)...", flush=True)
    prepare(data, model_dir)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", PYTHONPATH=str(c.REPO))
    runs = []
    for i in range(args.runs):
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, repr(t0), str(data), str(model_dir), f"beach sunset {i}"],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
        line = next((l for l in proc.stdout.splitlines() if l.startswith("MARKS ")), None)
        if line is None:
            print(proc.stdout[-2000:], proc.stderr[-3000:])
            continue
        m = json.loads(line[6:])
        runs.append(m)
        print(
            f"  run {i + 1}: window drawn {m.get('window_painted', float('nan')) * 1000:.0f} ms after launch "
            f"(torch loaded by then: {m.get('torch_at_paint')}); Enter -> result "
            f"{(m.get('result', float('nan')) - m.get('enter', float('nan'))) * 1000:.0f} ms; result -> page painted "
            f"{(m.get('page_painted', float('nan')) - m.get('result', float('nan'))) * 1000:.0f} ms",
            flush=True,
        )
    shutil.rmtree(data, ignore_errors=True)
    if not runs:
        raise SystemExit("no run produced timings")
    ms = lambda key: [r[key] * 1000 for r in runs if key in r]  # noqa: E731
    diff = lambda a, b: [(r[b] - r[a]) * 1000 for r in runs if a in r and b in r]  # noqa: E731
    rows = [
        [
            "launch -> window drawn",
            f"{c.median(ms('window_painted')):.0f}",
            f"{max(ms('window_painted'), default=float('nan')):.0f}",
            "<= 1000",
        ],
        [
            "Enter -> search result arrived",
            f"{c.median(diff('enter', 'result')):.0f}",
            f"{max(diff('enter', 'result'), default=float('nan')):.0f}",
            "-",
        ],
        [
            "result arrived -> first page painted",
            f"{c.median(diff('result', 'page_painted')):.0f}",
            f"{max(diff('result', 'page_painted'), default=float('nan')):.0f}",
            "<= 100",
        ],
        [
            "Enter -> first page painted",
            f"{c.median(diff('enter', 'page_painted')):.0f}",
            f"{max(diff('enter', 'page_painted'), default=float('nan')):.0f}",
            "-",
        ],
    ]
    print()
    print(c.table(rows, ["GUI timing (ms)", "median", "worst", "target"]))
    print(f"torch imported before the first paint: {any(r.get('torch_at_paint') for r in runs)}")
    print(
        f"resident memory of the app after the first search (corpus library, model loaded): "
        f"{c.median([r['rss_mb'] for r in runs if 'rss_mb' in r]):.0f} MB"
    )
    print(f"\nwritten: {c.write_json('gui', {'runs': runs})}")


if __name__ == "__main__":
    main()
