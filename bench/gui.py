"""GUI timings: launch -> window drawn, Enter -> first page of thumbnails painted, and the
Library view on a 100,000-photo catalog (first screen, view switch, scrolling, relayout).

    .venv/bin/python bench/gui.py [--runs 5] [--library-rows 100000] [--only search|library]

Each run is a fresh process running the real entry point (`clipdesk.ui.app.run_app`) with
QT_QPA_PLATFORM=offscreen on a data folder whose library (the shared corpus) is already
indexed with the full-size ViT-B/32 architecture (random weights). Measured in the child:
  - launch: from just before the process was started (parent clock) to the end of the main
    window's first paint; also whether torch had been imported by then (it must not be);
  - search: from Enter in the search field to the first paint of the result grid in which
    every visible cell's thumbnail is loaded; split into Enter -> result arrived (search on
    the engine's thread) and result arrived -> thumbnails painted (the GUI's part).

Library (one process, offscreen, default window size): a real catalog filled with N synthetic
indexed rows (dates over 12 years, 1% unknown; files absent, so thumbnails are placeholders),
its indexing lock held by this script so the app only reads. Measured:
  - engine open -> first screen painted: the Library asks for the months and the first page
    (`Engine.timeline` + `Engine.browse` on the engine's thread) until the paint in which every
    visible cell has its photo record (target <= 200 ms); the model loads after that paint (its
    imports hold the GIL for seconds), and a second run loads it at once for comparison;
  - a reload with the engine warm (a filter change does that);
  - view switch: Search results -> Library with the data in memory, until painted;
  - scrolling: frame times (set the scroll bar, paint, handle arriving pages) for a flick
    from top to bottom in 1,200 frames, and 600 wheel steps of 120 px in the middle;
  - relayout: a zoom step and a window resize (the month layout is one pass over the months).
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
                QTimer.singleShot(0, window_painted)
            if win is not None and state["result"] and obj is win.search_view.grid.viewport():
                QTimer.singleShot(0, check_page)
        return False

def window_painted():
    mark("window_painted")
    marks.setdefault("torch_at_paint", "torch" in sys.modules)

def check_page():
    win = state["window"]
    loader = win.loader
    if "page_painted" in marks or not state["result"]:
        return
    marks.setdefault("rss_result_mb", rss_mb())
    pending = loader.pending
    if win.search_view.model.rowCount() and not pending:
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
    orig_set = self.search_view.model.set_results
    def set_results(*a, **k):
        if "enter" in marks and "result" not in marks:
            mark("result")
        out = orig_set(*a, **k)
        state["result"] = True
        self.search_view.grid.viewport().update()
        return out
    self.search_view.model.set_results = set_results
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


LIBRARY_CHILD = r"""
import json, os, sys, time
DATA = sys.argv[1]; MODEL = sys.argv[2]
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from clipdesk.ui.app import create_application
from clipdesk.ui.engine_bridge import EngineBridge
from clipdesk.ui.main_window import MainWindow
from clipdesk.ui.settings import Settings

app = create_application()
bridge = EngineBridge(DATA, MODEL, watch=False)
variant = "at-open" if os.environ.get("BENCH_MODEL_AT_OPEN") else "shipped"
window = MainWindow(bridge, Settings(os.path.join(DATA, f"ui-settings-{variant}.ini")))  # a fresh one each
window.resize(window.sizeHint())
lib = window.library_view
grid, model = lib.grid, lib.model
out = {}
clock = time.perf_counter

def screen_loaded():
    first, last = grid.visible_rows()
    return first >= 0 and model.loaded(first) and model.loaded(last)

original_reload = lib.reload
def reload(*a, **k):
    out.setdefault("reload_at", clock())
    return original_reload(*a, **k)
lib.reload = reload
lib.reloaded.connect(lambda: out.setdefault("reloaded_at", clock()))
if os.environ.get("BENCH_MODEL_AT_OPEN"):  # the variant: the bridge loads the model as soon as it opens
    bridge.defer_model_load = False

class Spy(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Paint and obj is grid.viewport() and "reload_at" in out
                and "first_screen_at" not in out and lib.showing_photos() and screen_loaded()):
            out["first_screen_at"] = clock()  # this paint starts (a screen's paint: a few ms)
            QTimer.singleShot(0, after_first_screen)
        return False

def after_first_screen():
    out["first_screen_ms"] = (out["first_screen_at"] - out["reload_at"]) * 1000
    out["engine_round_trip_ms"] = (lib.reload_seconds or 0) * 1000
    out["arrived_to_paint_ms"] = (out["first_screen_at"] - out["reloaded_at"]) * 1000
    out["engine_queue_ms"], out["engine_read_ms"] = (x * 1000 for x in lib.reload_timings)
    out["rows"] = model.rowCount()
    out["months"] = len(model.sections)
    wait_for_model(clock() + 90)

def wait_for_model(deadline):
    # Scrolling is measured once the model has loaded (its import competes for the GIL meanwhile).
    if bridge.model_state[0] in ("ready", "unavailable") or clock() > deadline:
        out["model_state_at_measure"] = bridge.model_state[0]
        QTimer.singleShot(300, measure)
    else:
        QTimer.singleShot(200, lambda: wait_for_model(deadline))

import gc
gc_pauses = []
def on_gc(phase, info, started=[0.0]):
    if phase == "start":
        started[0] = clock()
    else:
        gc_pauses.append(((clock() - started[0]) * 1000, info.get("generation")))
gc.callbacks.append(on_gc)
bridge.modelState.connect(lambda state, _d: state == "ready" and out.setdefault("model_ready_at", clock()))

def frames(values):
    bar = grid.verticalScrollBar()
    times = []
    for v in values:
        t = clock()
        bar.setValue(v)
        grid.viewport().repaint()
        app.processEvents()
        times.append((clock() - t) * 1000)
    return times

def measure():
    # Again with the engine warm and idle (a filter change does this): reload -> screen painted.
    t = clock()
    lib.reload()
    while not (lib.showing_photos() and not lib.loading and screen_loaded()):
        app.processEvents()
    grid.viewport().repaint()
    out["warm_reload_ms"] = (clock() - t) * 1000
    window.show_view("search")
    window.repaint()
    t = clock()
    window.show_view("library")
    window.repaint()
    out["switch_ms"] = (clock() - t) * 1000
    top = grid.verticalScrollBar().maximum()
    out["content_px"] = top + grid.viewport().height()
    out["flick_ms"] = frames([round(top * i / 1199) for i in range(1200)])
    middle = top // 2
    out["wheel_ms"] = frames([middle + 120 * i for i in range(600)])
    out["pages_loaded"] = model.pages_loaded
    out["gc_worst_ms"] = max((p for p, _g in gc_pauses), default=0.0)
    out["gc_full"] = sum(1 for _p, g in gc_pauses if g == 2)
    out["gc_pauses"] = sorted(gc_pauses)[-8:]
    out["gc_tracked"] = len(gc.get_objects())
    out["model_state"] = list(bridge.model_state)
    out["torch_loaded"] = "torch" in sys.modules
    out["gc_frozen"] = gc.get_freeze_count()
    out["model_ready_after_first_screen_ms"] = (out.get("model_ready_at", 0) - out["first_screen_at"]) * 1000
    out["measured_after_first_screen_ms"] = (clock() - out["first_screen_at"]) * 1000
    t = clock()
    window.zoom_by(1)
    window.repaint()
    out["zoom_ms"] = (clock() - t) * 1000
    t = clock()
    window.resize(window.width() - 150, window.height())
    app.processEvents()
    window.repaint()
    out["resize_ms"] = (clock() - t) * 1000
    app.quit()

spy = Spy()
app.installEventFilter(spy)
window.show()
QTimer.singleShot(0, bridge.open)
QTimer.singleShot(int(os.environ.get("BENCH_TIMEOUT_S", "200")) * 1000, app.quit)
app.exec()
print("LIBRARY " + json.dumps(out), flush=True)
os._exit(0)
"""


def fill_library(data: Path, model_id: str, rows: int) -> float:
    """A real catalog with `rows` indexed photos (random vectors of the tiny model's size)."""
    import numpy as np

    from clipdesk.catalog import Catalog, EncodedImage

    data.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(data / "catalog.sqlite3")
    catalog.mark_model(model_id)
    root = catalog.add_root(str(data / "photos"))  # absent: thumbnails are placeholders
    rng = np.random.default_rng(0)
    newest, span = time.time() - 86_400, 12 * 365 * 86_400.0
    started = time.perf_counter()
    chunk = 20_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        vectors = rng.standard_normal((n, 16)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        items = []
        for i in range(n):
            k = start + i
            taken = None if k % 100 == 99 else newest - span * rng.random()
            path = f"{data}/photos/{k // 1000:04d}/IMG_{k:07d}.jpg"
            items.append(
                EncodedImage(
                    path,
                    root.id,
                    3_000_000,
                    1_700_000_000_000_000_000 + k,
                    f"{k:032x}",
                    4000,
                    3000,
                    taken,
                    "JPEG",
                    vectors[i],
                )
            )
        catalog.commit_batch(items, [], model_id)
    catalog.close()
    return time.perf_counter() - started


def frame_stats(values: list[float]) -> list[str]:
    return [
        f"{c.median(values):.1f}",
        f"{c.pct(values, 95):.1f}",
        f"{max(values):.1f}",
        f"{100 * sum(v > 16.7 for v in values) / len(values):.1f}%",
    ]


def library(rows: int) -> dict:
    """Two runs on one catalog: the app as shipped (the model loads after the Library's first screen),
    and with the bridge loading the model as soon as it opens (as before), for comparison."""
    from clipdesk.engine.lock import IndexLock

    model_dir = c.model_folder("tiny")
    data = Path(tempfile.mkdtemp(prefix="clipdesk-gui-library-"))
    print(f"filling a catalog with {rows:,} photos...", flush=True)
    seconds = fill_library(data, str(model_dir), rows)
    print(f"  {seconds:.1f} s", flush=True)
    lock = IndexLock(data)
    assert lock.acquire(), "the catalog's indexing lock"  # the app only reads: no scan of absent files
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", PYTHONPATH=str(c.REPO))
    runs = {}
    try:
        for variant, extra in (("shipped", {}), ("at-open", {"BENCH_MODEL_AT_OPEN": "1"})):
            proc = subprocess.run(
                [sys.executable, "-c", LIBRARY_CHILD, str(data), str(model_dir)],
                capture_output=True,
                text=True,
                env={**env, **extra},
                timeout=300,
            )
            line = next((x for x in proc.stdout.splitlines() if x.startswith("LIBRARY ")), None)
            if line is None:
                print(proc.stdout[-2000:], proc.stderr[-3000:])
                raise SystemExit("the library run produced no timings")
            runs[variant] = json.loads(line[8:])
    finally:
        lock.release()
        shutil.rmtree(data, ignore_errors=True)
    d, m = runs["shipped"], runs["at-open"]
    rows_out = [
        ["engine open -> first screen painted (model loads after it)", f"{d['first_screen_ms']:.0f}", "<= 200"],
        ["  of which on the engine's thread (timeline + first page)", f"{d['engine_round_trip_ms']:.0f}", "-"],
        ["  model filled -> paint starts (GUI thread)", f"{d['arrived_to_paint_ms']:.0f}", "-"],
        ["the same, the model loading meanwhile (as before)", f"{m['first_screen_ms']:.0f}", "-"],
        ["  of which timeline + first page read", f"{m['engine_read_ms']:.0f}", "-"],
        ["reload again, engine warm -> screen painted", f"{d['warm_reload_ms']:.0f}", "<= 200"],
        ["view switch (data in memory) -> painted", f"{d['switch_ms']:.0f}", "-"],
        ["zoom step (relayout of all months) -> painted", f"{d['zoom_ms']:.0f}", "-"],
        ["window resize -> painted", f"{d['resize_ms']:.0f}", "-"],
    ]
    print()
    print(c.table(rows_out, [f"Library, {d['rows']:,} photos in {d['months']} months (ms)", "value", "target"]))
    print()
    print(
        c.table(
            [
                [f"flick top -> bottom ({len(d['flick_ms'])} frames)", *frame_stats(d["flick_ms"])],
                [f"wheel, 120 px steps ({len(d['wheel_ms'])} frames)", *frame_stats(d["wheel_ms"])],
            ],
            ["scrolling frame time (ms)", "median", "p95", "worst", "> 16.7 ms"],
        )
    )
    print(f"pages of 300 photos held after scrolling: {d['pages_loaded']}; content height {d['content_px']:,} px")
    print(
        f"model state when scrolling was measured: {d.get('model_state_at_measure')}; collector: worst pause "
        f"{d['gc_worst_ms']:.0f} ms, {d['gc_full']} full passes, {d['gc_tracked']:,} objects tracked"
    )
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--library-rows", type=int, default=100_000)
    ap.add_argument("--only", choices=["search", "library"])
    args = ap.parse_args()
    results: dict = {}
    if args.only != "search":
        results["library"] = library(args.library_rows)
        if args.only == "library":
            print(f"\nwritten: {c.write_json('gui', results)}")
            return
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
        line = next((x for x in proc.stdout.splitlines() if x.startswith("MARKS ")), None)
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
    results["runs"] = runs
    print(f"\nwritten: {c.write_json('gui', results)}")


if __name__ == "__main__":
    main()
