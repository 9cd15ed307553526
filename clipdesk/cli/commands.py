"""The `clipdesk` commands: each takes the parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from .common import EXIT_OK, EXIT_PATH, EXIT_USAGE, CliError, open_engine
from .duplicate_commands import duplicates_status_line
from .label_commands import ensure_labels, label_option_id
from .results import empty_json, print_page
from .text_commands import read_text_after_index, text_status, text_status_line

if TYPE_CHECKING:
    from ..engine import Engine
    from ..pipeline import Changes, Progress, RunReport
    from ..search import Filters, SearchRequest


def cmd_add(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    try:
        root = engine.add_root(args.folder, tuple(args.exclude), name=args.root_name)
    finally:
        engine.close()
    print(f"Added {root.path}. Run `clipdesk index` to index it.")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    try:
        n = engine.remove_root(args.folder)
    finally:
        engine.close()
    print(f"Removed {os.path.abspath(os.path.expanduser(args.folder))} ({n} photos forgotten; files untouched).")
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..engine import Listener

    engine = open_engine(args, batch_size=args.batch_size)
    bar: tqdm | None = None
    quiet = not sys.stderr.isatty() and not args.verbose

    def on_progress(p: Progress) -> None:
        nonlocal bar
        if p.phase == "indexing" and p.total:
            if bar is None or bar.total != p.total:
                if bar is not None:
                    bar.close()
                bar = tqdm(
                    total=p.total, unit="img", desc="Indexing", file=sys.stderr, disable=quiet, dynamic_ncols=True
                )
            bar.n = p.done
            bar.set_postfix(errors=p.errors, refresh=False)
            bar.refresh()
        elif p.phase == "scanning" and p.current and not quiet:
            print(f"Scanning {p.current}", file=sys.stderr)

    def on_message(level: str, text: str) -> None:
        print(f"clipdesk: {text}", file=sys.stderr)

    engine.add_listener(Listener(progress=on_progress, message=on_message))
    try:
        engine.index_lock.require()  # first: a busy catalog is exit 5 whatever else is wrong
        if not engine.roots():
            raise CliError("no folders to index yet: add one with `clipdesk add FOLDER`.", EXIT_PATH)
        report = _index_through_outages(engine) if engine.library else engine.index()
        if bar is not None:
            bar.close()
            bar = None
        print(
            f"Indexed {report.encoded} new or changed photos in {report.seconds:.1f}s "
            f"({report.moved} moved, {report.reused} duplicates reused, {report.removed} removed, "
            f"{report.errors} unreadable)."
        )
        if report.errors:
            print("Run `clipdesk status` to see which files could not be read and why.")
        if args.no_text:
            engine.text_pass.skip_this_run()
        elif not args.watch:  # watching: the background pass reads after each indexing run
            read_text_after_index(engine, quiet)
        if args.watch:
            return _watch(engine)
    finally:
        if bar is not None:
            bar.close()
        engine.close()
    return EXIT_OK


# A shared library's server that goes away mid-run (a restart, a network blip) is waited for this
# long before `index` gives up with exit 9; one unreachable at the start fails at once.
RECONNECT_S = 120.0
RECONNECT_EVERY_S = 5.0


def _index_through_outages(engine: Engine) -> RunReport:
    import time

    from ..catalog import CatalogError
    from ..catalog.postgres import UNREACHABLE, PgCatalog

    catalog = engine.catalog
    assert isinstance(catalog, PgCatalog)
    lost_at: float | None = None
    while True:
        try:
            if lost_at is not None:
                catalog.release_claims()  # what the lost connection claimed is ours to take again
            report = engine.index()
        except CatalogError as exc:
            if exc.kind != UNREACHABLE or (lost_at is not None and time.monotonic() - lost_at > RECONNECT_S):
                raise
            if lost_at is None:
                lost_at = time.monotonic()
                print(
                    f"clipdesk: {exc.user_message} Retrying every {RECONNECT_EVERY_S:.0f} s "
                    f"for up to {RECONNECT_S / 60:.0f} minutes.",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(RECONNECT_EVERY_S)
            continue
        if lost_at is not None:
            print("The server is reachable again; indexing resumed and finished.", file=sys.stderr, flush=True)
        return report


def _watch(engine: Engine) -> int:
    from ..engine import Listener

    def on_changes(c: Changes) -> None:
        parts = [f"{len(c.added)} added"] if c.added else []
        parts += [f"{len(c.moved)} moved"] if c.moved else []
        parts += [f"{len(c.removed)} removed"] if c.removed else []
        if parts:
            print(f"{datetime.now():%H:%M:%S} " + ", ".join(parts), flush=True)

    engine.add_listener(Listener(changes=on_changes))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    engine.start(watch=True)
    print("Watching for changes; press Ctrl+C to stop.", flush=True)
    while not stop.wait(0.2):
        pass
    engine.stop()
    return EXIT_OK


def _filters(args: argparse.Namespace) -> Filters:
    from ..search import Filters

    def day(text: str | None, end: bool) -> float | None:
        if not text:
            return None
        try:
            d = datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            raise CliError(f"dates look like 2024-07-31, not {text!r}", EXIT_USAGE) from None
        return d.timestamp() + (86399.999 if end else 0)

    return Filters(
        folders=tuple(os.path.abspath(os.path.expanduser(f)) for f in args.folder),
        date_from=day(args.date_from, False),
        date_to=day(args.date_to, True),
        formats=tuple(_format_name(t) for t in args.type),
        label=label_option_id(args),
    )


def _format_name(t: str) -> str:
    t = t.upper().lstrip(".")
    return {"JPG": "JPEG", "HEIC": "HEIF", "TIF": "TIFF"}.get(t, t)


def cmd_search(args: argparse.Namespace) -> int:
    from ..search import SearchRequest

    if not args.text.strip() and not args.image and not args.label:
        raise CliError(
            'give some text to search for, --image FILE or --label NAME (e.g. clipdesk search "dog on a beach")',
            EXIT_USAGE,
        )
    image = None
    if args.image:
        image = os.path.abspath(os.path.expanduser(args.image))
        if not os.path.isfile(image):
            raise CliError(f"{image} does not exist or is not a file.", EXIT_PATH)
    request = SearchRequest(
        text=args.text,
        image=image,
        text_weight=args.text_weight,
        limit=args.limit,
        offset=args.offset,
        filters=_filters(args),
        query_languages=args.query_languages,
        split=not args.all,
        min_score=args.min_score,
    )
    return _print_results(args, request)


def cmd_similar(args: argparse.Namespace) -> int:
    from ..search import SearchRequest

    image = os.path.abspath(os.path.expanduser(args.file))
    if not os.path.isfile(image):
        raise CliError(f"{image} does not exist or is not a file.", EXIT_PATH)
    request = SearchRequest(
        image=image,
        limit=args.limit,
        offset=args.offset,
        filters=_filters(args),
        split=not args.all,
        min_score=args.min_score,
    )
    return _print_results(args, request)


def _print_results(args: argparse.Namespace, request: SearchRequest) -> int:
    from ..imaging import DecodeError

    engine = open_engine(args)
    try:
        if not engine.catalog.counts()["indexed"]:
            if args.json:
                print(json.dumps(empty_json(request.offset)))
            print(
                "Nothing is indexed yet: add a folder with `clipdesk add FOLDER`, then run `clipdesk index`.",
                file=sys.stderr,
            )
            return EXIT_OK
        if request.filters.label:
            ensure_labels(engine)
        try:
            page = engine.search(request)
        except DecodeError as exc:
            raise CliError(f"cannot read {request.image}: {exc}", EXIT_PATH) from exc
    finally:
        engine.close()
    if not page.hits and not args.json:
        print("No matches.", file=sys.stderr)
    else:
        print_page(args, page)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    try:
        status = engine.status(error_limit=args.errors or None)
        elsewhere = _unmapped_folders(engine)
        text = text_status(engine)
        duplicates = engine.duplicates.summary()
    finally:
        engine.close()
    library = _shown_library(engine.library)
    if args.json:
        print(
            json.dumps(
                {
                    "data_dir": status.data_dir,
                    "library": library,
                    "folders_not_mapped_here": elsewhere,
                    "model": status.model_id,
                    "model_dim": status.model_dim,
                    "counts": status.counts,
                    "roots": status.roots,
                    "errors": [{"path": p, "reason": r} for p, r in status.errors],
                    "index": status.index,
                    "text": text,
                    "duplicates": duplicates,
                },
                indent=2,
            )
        )
        return EXIT_OK
    c = status.counts
    print(f"Catalog:  {library or status.data_dir}")
    print(f"Model:    {status.model_id}" + (f" ({status.model_dim}-d)" if status.model_dim else " (not loaded yet)"))
    print(f"Photos:   {c['indexed']} indexed, {c['pending']} waiting, {c['error']} unreadable, {c['offline']} offline")
    idx = status.index
    health = (
        "up to date"
        if idx["up_to_date"]
        else "missing (will be rebuilt from the catalog)"
        if idx.get("missing") or not idx["file"]
        else "behind the catalog (catches up at next start)"
    )
    print(f"Index:    {health}")
    print(text_status_line(text))
    print(duplicates_status_line(duplicates))
    print("Folders:" if status.roots else "Folders:  none yet (clipdesk add FOLDER)")
    for root in status.roots:
        state = "offline" if not root["online"] else ("disabled" if not root["enabled"] else "ok")
        excl = f", excluding {', '.join(root['excludes'])}" if root["excludes"] else ""
        print(f"  {root['path']}  [{state}, {root['images']} photos{excl}]")
    for name in elsewhere:
        print(f"  {name}  [added on another computer; here: clipdesk add PATH --as {name!r}]")
    if status.errors:
        print(f"Unreadable files ({c['error']}):")
        for path, reason in status.errors:
            print(f"  {path}: {reason}")
        if c["error"] > len(status.errors):
            print(f"  ... and {c['error'] - len(status.errors)} more (--errors 0 lists all)")
    return EXIT_OK


def _unmapped_folders(engine: Engine) -> list[str]:
    """A shared library's folders with no path on this computer (by name)."""
    if not engine.library:
        return []
    from ..catalog.postgres import PgCatalog

    catalog = engine.catalog
    if not isinstance(catalog, PgCatalog):
        return []
    return [name for name, path in catalog.root_names().items() if path is None]


def _shown_library(url: str | None) -> str | None:
    """A shared library's address as status shows it: never with its password."""
    if not url:
        return None
    from ..catalog.postgres import redact

    return redact(url)
