"""The real desktop app launched on a large catalog: how soon can the user search?

Used by bench/search.py (`--keep DIR --app-only` runs only this on a kept catalog). Each launch
is a fresh process running the real entry point (`clipdesk.ui.app.run_app`, offscreen). The
user types a query the moment the window is drawn and presses Enter; measured in the child,
from just before the process was started (parent clock):
  - window drawn: the end of the main window's first paint;
  - model ready: the engine reports the model and the saved index loaded;
  - search ready: that first query's result arrived (it waits for the model and the index);
  - reconcile done: the first scan of the photo folders is over;
  - UI responsiveness: a GUI-thread timer due every 10 ms; how late it fired (worst, p99),
    from the first paint until the search result, and until the scan was over;
  - quit: closing the window (engine stopped, the index saved only if it changed), and whether
    the saved index file was rewritten (its name or mtime changed).
`hosts` runs each launch once per index host (CLIPDESK_INDEX_HOST: "inline" is the old in-process
index, "process" the app's index process), alternating, so both are measured under the same load.

Two cases, with the catalog's root marked online as a previous session left it:
  - "missing": the photo folder does not exist (an unplugged drive): the root goes offline.
  - "present": the folder exists and holds every catalogued file, unchanged: each is a sparse
    file of the catalogued size and mtime (1,000,000 of them take ~0 bytes of data and are
    made once). This is a real user's everyday launch: the first reconcile walks and stats
    every file and finds nothing to do, and that walk must not delay searching. The files'
    contents are never read (nothing changed), so sparse files behave like real photos here.
The page cache is warm (the catalog was just used) unless `cold`: then the catalog and the
index files are dropped from the page cache before each launch (POSIX_FADV_DONTNEED on those
files only), as after a reboot; the model files stay cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import _common as c

CHILD = r"""
import json, os, sys, time
T0 = float(sys.argv[1]); DATA = sys.argv[2]; MODEL = sys.argv[3]; QUERY = sys.argv[4]
marks = {}
probe = []  # (time, lateness in s) of a GUI-thread timer due every 10 ms
def mark(name):
    if name not in marks:
        marks[name] = time.time()
from PySide6.QtCore import QEvent, QObject, QTimer, Qt
from PySide6.QtWidgets import QApplication
import clipdesk.ui.app as appmod
from clipdesk.ui.main_window import MainWindow

state = {"window": None, "last": None}

def tick():
    now = time.monotonic()
    if state["last"] is not None:
        probe.append((time.time(), max(0.0, now - state["last"] - 0.010)))
    state["last"] = now

def maybe_finish():
    if "result" in marks and "reconcile_done" in marks and "finishing" not in state:
        state["finishing"] = True
        QTimer.singleShot(500, finish)

def finish():
    marks["ui_whole"] = lateness(marks.get("window_painted"), time.time())
    report()  # first: what follows may crash on the way out
    win = state["window"]
    if win is not None:
        t = time.time()
        win.close()  # hides at once, stops the engine, saves the index if it changed
        print("QUIT " + json.dumps({"quit_s": time.time() - t}), flush=True)
    QApplication.instance().quit()

class Spy(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            win = state["window"]
            if win is not None and "window_painted" not in marks and obj is win:
                QTimer.singleShot(0, first_paint)
        return False

def first_paint():
    mark("window_painted")
    marks["torch_at_paint"] = "torch" in sys.modules
    win = state["window"]
    win.field.setText(QUERY)  # the user types at once and presses Enter
    from PySide6.QtTest import QTest
    mark("enter")
    QTest.keyClick(win.field, Qt.Key.Key_Return)

spy = Spy()
_orig_create = appmod.create_application
def create(*a, **k):
    app = _orig_create(*a, **k)
    app.installEventFilter(spy)
    timer = QTimer(app)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(10)
    state["timer"] = timer
    return app
appmod.create_application = create
_orig_show = MainWindow.show
def show(self):
    state["window"] = self
    b = self.bridge
    b.engineReady.connect(lambda: mark("engine_open"))
    def on_state(s, d):
        if s == "ready":
            mark("model_ready")
    b.modelState.connect(on_state)
    def on_progress(p):
        if p.phase == "scanning":
            mark("scan_started")
        elif "scan_started" in marks and p.phase in ("idle", "indexing"):
            mark("reconcile_done")
            maybe_finish()
    b.progress.connect(on_progress)
    def on_message(level, text):
        marks.setdefault("messages", []).append([round(time.time() - T0, 2), level, text[:120]])
    b.message.connect(on_message)
    results = getattr(self, "search_view", self).model  # the window made of views, or the one before
    orig_set = results.set_results
    def set_results(*a, **k):
        if "enter" in marks:
            mark("result")
            marks["hits"] = len(a[0]) if a else None
            maybe_finish()
        return orig_set(*a, **k)
    results.set_results = set_results
    return _orig_show(self)
MainWindow.show = show

def lateness(t_from, t_to):
    v = sorted(l for t, l in probe if t_from is not None and t_to is not None and t_from <= t <= t_to)
    if not v:
        return None
    return {"worst_ms": round(v[-1] * 1000, 1), "p99_ms": round(v[min(len(v) - 1, int(0.99 * len(v)))] * 1000, 1),
            "ticks": len(v)}

def report():
    if state.get("reported"):
        return
    state["reported"] = True
    end = probe[-1][0] if probe else None
    marks["ui_until_result"] = lateness(marks.get("window_painted"), marks.get("result"))
    marks["ui_until_reconciled"] = lateness(marks.get("window_painted"), marks.get("reconcile_done", end))
    out = {k: (v - T0 if isinstance(v, float) else v) for k, v in marks.items()}
    out["index_host"] = os.environ.get("CLIPDESK_INDEX_HOST", "")
    print("MARKS " + json.dumps(out), flush=True)

QTimer.singleShot(int(os.environ.get("BENCH_TIMEOUT_S", "300")) * 1000, finish)
appmod.run_app(DATA, MODEL, settings_path=os.path.join(DATA, "ui-settings.ini"))
os._exit(0)
"""

# Puts the catalog's roots back online, as a session that saw the folder left them; run
# with the code under test (PYTHONPATH), so an older build is measured from its own state.
PREP = r"""
import sys
from clipdesk.catalog import Catalog
catalog = Catalog(sys.argv[1])
for root in catalog.roots():
    catalog.set_root_online(root.id, True)
catalog.close()
"""


def make_photo_tree(root: Path, n: int, path_of, mtime_ns_of, size: int = 3_000_000) -> float:
    """n sparse files of `size` bytes with the catalogued mtimes, made once (marker beside the root)."""
    done = root.parent / f"{root.name}-made-{n}"
    if done.exists():
        return 0.0
    t0 = time.perf_counter()
    made_dirs: set[str] = set()
    for i in range(n):
        path = path_of(i)
        folder = os.path.dirname(path)
        if folder not in made_dirs:
            os.makedirs(folder, exist_ok=True)
            made_dirs.add(folder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, size)
        finally:
            os.close(fd)
        mtime = mtime_ns_of(i)
        os.utime(path, ns=(mtime, mtime))
    done.write_text("")
    return time.perf_counter() - t0


def evict(data: Path) -> None:
    """Drop the catalog's and the index's pages from the page cache (a cold start for them)."""
    for path in [data / "catalog.sqlite3", *sorted((data / "index").glob("*.hnsw"))]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)  # only clean pages can be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _index_files(data: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (data / "index").glob("*.hnsw")}


def launch(
    data: Path,
    model_dir: Path,
    code: Path,
    query: str = "beach sunset",
    timeout_s: int = 300,
    cold: bool = False,
    host: str | None = None,
) -> dict:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(code),
        BENCH_TIMEOUT_S=str(timeout_s),
    )
    if host:
        env["CLIPDESK_INDEX_HOST"] = host
    # cwd: `python -c` puts the current folder first on sys.path, before PYTHONPATH.
    subprocess.run([sys.executable, "-c", PREP, str(data / "catalog.sqlite3")], env=env, cwd=code, check=True)
    if cold:
        evict(data)
    index_before = _index_files(data)
    load = os.getloadavg()[0]
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, repr(t0), str(data), str(model_dir), query],
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
        timeout=timeout_s + 120,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("MARKS ")), None)
    if line is None:
        print(proc.stdout[-2000:], proc.stderr[-3000:], file=sys.stderr)
        return {"error": f"no timings (exit status {proc.returncode})"}
    marks = json.loads(line[6:])
    quit_line = next((x for x in proc.stdout.splitlines() if x.startswith("QUIT ")), None)
    marks.update(json.loads(quit_line[5:]) if quit_line else {"quit_s": float("nan")})
    marks["exit_status"] = proc.returncode
    if proc.returncode:  # its whole stderr beside the catalog (a crash's traceback is long)
        log = data.parent / f"launch-{int(t0)}.stderr"
        log.write_text(proc.stderr)
        print(f"    exit status {proc.returncode}: stderr in {log}", file=sys.stderr)
    marks["index_rewritten"] = _index_files(data) != index_before
    marks["load_avg_1m"] = round(load, 2)
    return marks


def cases(
    data: Path,
    model_dir: Path,
    n: int,
    path_of,
    mtime_ns_of,
    code: Path | None = None,
    runs: int = 1,
    cold: bool = False,
    hosts: tuple[str | None, ...] = (None,),
) -> dict:
    """Launches with the photo folder missing, then present; `path_of(i)` is photo i's path."""
    code = code or c.REPO
    root = Path(os.path.dirname(os.path.dirname(path_of(0))))
    away = root.with_name(root.name + "-away")
    out: dict = {}
    for case in ("missing", "present"):
        if case == "present":
            if away.exists() and not root.exists():
                away.rename(root)
            seconds = make_photo_tree(root, n, path_of, mtime_ns_of)
            if seconds:
                print(f"    made {n:,} sparse files in {seconds:.0f} s", file=sys.stderr, flush=True)
        elif root.exists():
            root.rename(away)  # the folder disappears, as an unplugged drive does
        out[case] = []
        for _ in range(runs):
            for host in hosts:
                m = launch(data, model_dir, code, cold=cold, host=host)
                out[case].append(m)
                print(f"    {case} {host or ''}: {summary(m)}", file=sys.stderr, flush=True)
    return out


def summary(m: dict) -> str:
    if "error" in m:
        return m["error"]
    get = lambda k: m.get(k, float("nan"))  # noqa: E731
    ui = m.get("ui_until_result") or {}
    ui2 = m.get("ui_until_reconciled") or {}
    return (
        f"window {get('window_painted') * 1000:.0f} ms, model ready {get('model_ready'):.1f} s, "
        f"search ready {get('result'):.1f} s, reconcile done {get('reconcile_done'):.1f} s; UI timer late "
        f"worst {ui.get('worst_ms')} / p99 {ui.get('p99_ms')} ms until the result, worst {ui2.get('worst_ms')} / "
        f"p99 {ui2.get('p99_ms')} ms until reconciled, worst {(m.get('ui_whole') or {}).get('worst_ms')} ms in all; "
        f"quit {get('quit_s'):.1f} s (index rewritten: {m.get('index_rewritten')}); load {m.get('load_avg_1m')}"
    )


def table(results: list[dict]) -> str:
    """One row per launch of every size's results (bench/search.py's `app.launch`)."""
    rows = []
    for r in results:
        for case, runs in (r.get("app") or {}).get("launch", {}).items():
            for m in runs:
                ui, ui2 = m.get("ui_until_result") or {}, m.get("ui_until_reconciled") or {}
                get = lambda k, m=m: m.get(k, float("nan"))  # noqa: E731
                rows.append(
                    [
                        f"{r['n']:,}",
                        f"{case} {m.get('index_host') or ''}".strip(),
                        f"{get('window_painted') * 1000:.0f} ms",
                        f"{get('model_ready'):.1f} s",
                        f"{get('result'):.1f} s",
                        f"{get('reconcile_done'):.1f} s",
                        f"{ui.get('worst_ms')} / {ui.get('p99_ms')} ms",
                        f"{ui2.get('worst_ms')} / {ui2.get('p99_ms')} ms",
                        f"{(m.get('ui_whole') or {}).get('worst_ms')} ms",
                        f"{get('quit_s'):.1f} s" + (" (saved)" if m.get("index_rewritten") else ""),
                    ]
                )
    return c.table(
        rows,
        [
            "photos",
            "photo folder",
            "window drawn",
            "model ready",
            "search ready",
            "reconcile done",
            "UI late until result (worst / p99)",
            "until reconciled",
            "worst, whole run",
            "quit",
        ],
    )
