"""The Things view on a big labelled library: sidebar click -> label tiles painted.

    .venv/bin/python bench/things.py [--rows 100000] [--runs 5]

A real catalog filled with N synthetic indexed rows (bench/gui.py's fill_library: files absent, so
cover thumbnails are placeholders), label vectors stored for the shipped vocabulary (~1,400 labels,
random directions) and ~2 tags a photo written through Catalog.write_tags (label popularity Zipf-like,
as real libraries are: a few labels on many photos, most on few). The app then opens it offscreen
(its indexing lock held here, so it only reads), waits for its model, and each run measures, on the GUI thread:
  - Things chosen -> the tiles painted: the labels read on the engine's thread (Engine.labels, the
    cover records, names and aliases), the tiles built, and the first paint of the list after that
    (target <= 200 ms at 1,000,000 photos);
  - the engine's part alone (load_tiles on the engine, timed in-process before the window opens).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from gui import fill_library

TAGS_PER_PHOTO = 2


def label_library(data: Path, model_dir: Path, rows: int) -> tuple[float, int]:
    """Label vectors for the shipped vocabulary and ~2 tags a photo; returns (seconds, tags written)."""
    from clipdesk.engine import Engine

    os.environ.pop("CLIPDESK_VOCABULARY_DIR", None)  # the shipped vocabulary
    engine = Engine(data, str(model_dir))
    try:
        engine.load_model()
        vocabulary = engine.labelling.vocabulary()
        rng = np.random.default_rng(1)
        vectors = rng.standard_normal((len(vocabulary), engine.encoder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        engine.catalog.save_label_set(
            engine.model_id, vocabulary.version, engine.encoder.logit_scale, vocabulary.ids, vectors
        )
        active = engine.labelling.ensure_vectors()
        ids = vocabulary.ids
        weights = 1.0 / np.arange(1, len(ids) + 1)  # Zipf: label k on ~1/k of the photos
        weights /= weights.sum()
        started, written = time.perf_counter(), 0
        chunk = 20_000
        for start in range(1, rows + 1, chunk):
            stop = min(rows + 1, start + chunk)
            picks = rng.choice(len(ids), size=(stop - start, TAGS_PER_PHOTO), p=weights)
            probs = rng.uniform(0.2, 0.9, size=picks.shape)
            tags = {
                image_id: [(ids[k], float(p)) for k, p in zip(set(row), prob, strict=False)]
                for image_id, row, prob in zip(range(start, stop), picks, probs, strict=True)
            }
            written += sum(len(v) for v in tags.values())
            engine.catalog.write_tags(active.set_id, tags)
        return time.perf_counter() - started, written
    finally:
        engine.close()


def engine_part(data: Path, model_dir: Path, runs: int) -> list[float]:
    from clipdesk.engine import Engine
    from clipdesk.ui.views.partials.label_tiles import load_tiles

    engine = Engine(data, str(model_dir))
    try:
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            tiles = load_tiles(engine)
            out.append((time.perf_counter() - started) * 1000)
        print(f"  {len(tiles)} labels; biggest {tiles[0].count:,} photos", flush=True)
        return out
    finally:
        engine.close()


def gui_part(data: Path, model_dir: Path, runs: int) -> list[float]:
    """Sidebar 'Things' -> the paint of the tiles, `runs` times (each a fresh read of the labels)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from clipdesk.ui.app import create_application
    from clipdesk.ui.engine_bridge import EngineBridge
    from clipdesk.ui.main_window import MainWindow
    from clipdesk.ui.settings import Settings

    app = create_application()
    settings = Settings(str(data / "bench-settings.ini"))
    bridge = EngineBridge(str(data), str(model_dir), watch=False)
    window = MainWindow(bridge, settings)
    window.resize(1180, 780)
    window.show()
    bridge.open()
    deadline = time.monotonic() + 120
    # The model (and the vector index it opens) loads first, so that its work does not overlap the runs.
    while (window.status is None or bridge.model_state[0] != "ready") and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    view = window.things_view
    painted: list[float] = []

    class Spy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and view.loaded and not painted:
                painted.append(time.perf_counter())
            return False

    spy = Spy()
    view.tiles.list.viewport().installEventFilter(spy)
    out = []
    for _ in range(runs):
        window.show_view("library")
        view.loaded = False
        view.tiles.set_tiles([])
        for _ in range(20):
            app.processEvents()
        painted.clear()
        started = time.perf_counter()
        window.show_view("things")
        deadline = time.monotonic() + 60
        while not painted and time.monotonic() < deadline:
            app.processEvents()
        if not painted:
            raise SystemExit("the Things view was never painted with its tiles")
        out.append((painted[0] - started) * 1000)
    window.close()
    QApplication.processEvents()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from clipdesk.engine.lock import IndexLock

    model_dir = c.model_folder("tiny")
    data = Path(tempfile.mkdtemp(prefix="clipdesk-things-"))
    try:
        print(f"filling a catalog with {args.rows:,} photos...", flush=True)
        print(f"  {fill_library(data, str(model_dir), args.rows):.1f} s", flush=True)
        seconds, tags = label_library(data, model_dir, args.rows)
        print(f"  {tags:,} tags written in {seconds:.1f} s", flush=True)
        engine_ms = engine_part(data, model_dir, args.runs)
        lock = IndexLock(data)
        assert lock.acquire(), "the catalog's indexing lock"  # the app only reads: no scan of absent files
        try:
            gui_ms = gui_part(data, model_dir, args.runs)
        finally:
            lock.release()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    rows = [
        ["Things chosen -> tiles painted", f"{c.median(gui_ms):.0f}", f"{max(gui_ms):.0f}", "<= 200"],
        ["  engine part: labels, covers, names", f"{c.median(engine_ms):.0f}", f"{max(engine_ms):.0f}", "-"],
    ]
    print()
    print(c.table(rows, [f"Things view, {args.rows:,} photos, {tags:,} tags (ms)", "median", "worst", "target"]))
    c.write_json(
        "things", {"rows": args.rows, "tags": tags, "gui_ms": gui_ms, "engine_ms": engine_ms, "machine": c.machine()}
    )


if __name__ == "__main__":
    main()
