"""`clipdesk worker --library URL`: encode a shared library's queued photos until stopped.

Any machine with the model can run one (the one with a GPU, say); each claims a batch at a time
with a lease, so workers never encode the same photo twice, and a killed worker's batch goes back
to the queue when its lease ends. SIGTERM or Ctrl+C stop cleanly: the batch being encoded is
committed or given back at once, never lost.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from .common import EXIT_OK, EXIT_USAGE, CliError, open_engine

RETRY_S = 5.0  # while the server cannot be reached


def add_worker_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("worker", parents=[common], help="shared library: encode queued photos until stopped")
    p.add_argument("--poll", type=float, default=2.0, metavar="S", help="seconds between looks at an empty queue")
    p.add_argument("--once", action="store_true", help="encode what is queued now, then exit")
    p.add_argument(
        "--scan", action="store_true", help="first look for new and changed photos in the folders mapped here"
    )
    p.add_argument("--batch-size", type=int, default=32, help=argparse.SUPPRESS)


def cmd_worker(args: argparse.Namespace) -> int:
    from .. import config
    from ..catalog import CatalogError
    from ..catalog.postgres import UNREACHABLE, PgCatalog
    from ..pipeline import RunReport
    from ..pipeline.indexer import Cancelled

    if not (getattr(args, "library", None) or config.settings().library):
        raise CliError(
            "a worker encodes a shared library: give --library postgresql://... (or CLIPDESK_LIBRARY)", EXIT_USAGE
        )
    engine = open_engine(args, batch_size=args.batch_size)
    catalog = engine.catalog
    assert isinstance(catalog, PgCatalog)
    stop = threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()
        engine.indexer.cancel()  # between batches: the one in flight commits first

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"Worker on {catalog.where}: encoding queued photos (Ctrl+C stops).", flush=True)
    total, offline_since = 0, None
    try:
        engine.load_model()
        if args.scan:
            try:
                print(f"Scanned {engine.indexer.reconcile().scanned} files.", flush=True)
            except Cancelled:
                stop.set()
        while not stop.is_set():
            engine.indexer.reset_cancel()
            if stop.is_set():
                break
            report = RunReport()
            try:
                engine.indexer.encode_pending(report)
            except Cancelled:
                break
            except CatalogError as exc:
                if exc.kind != UNREACHABLE:
                    raise
                if offline_since is None:
                    offline_since = time.monotonic()
                    print(f"clipdesk: {exc.user_message} Retrying every {RETRY_S:.0f} s.", file=sys.stderr, flush=True)
                stop.wait(RETRY_S)
                continue
            if offline_since is not None:
                print("The server is reachable again; resuming.", flush=True)
                offline_since = None
            total += report.encoded
            if report.encoded or report.errors:
                print(f"Encoded {report.encoded} photos ({report.errors} unreadable); {total} so far.", flush=True)
            elif args.once:
                break
            else:
                stop.wait(args.poll)
    finally:
        try:
            catalog.release_claims()  # what was claimed and not committed goes back to the queue now
        except CatalogError:
            pass  # unreachable: the leases run out by themselves
        engine.close()
    print(f"Worker stopped; {total} photos encoded.", flush=True)
    return EXIT_OK
