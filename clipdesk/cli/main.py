"""The `clipdesk` command line. With no arguments it starts the desktop app.

Exit codes (stable, for scripts):
  0 success (also: a search with no matches)
  1 unexpected error
  2 usage error
  3 the CLIP model is not available
  4 a named file or folder is missing or unusable
  5 another clipdesk is indexing this catalog
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_MODEL, EXIT_PATH, EXIT_BUSY = 0, 1, 2, 3, 4, 5


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _common_options(suppress: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the command. After it they default to SUPPRESS,
    so `clipdesk --data-dir X add F` keeps X instead of the subcommand's default."""
    default = argparse.SUPPRESS if suppress else None
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=default,
        help="where the catalog lives (default: per-user data dir; env CLIPDESK_DATA_DIR)",
    )
    common.add_argument("--model", default=default, help="hub id or local model folder (env CLIPDESK_MODEL)")
    common.add_argument(
        "--device", default=default, choices=["auto", "cpu", "cuda", "mps"], help="where the model runs (default: auto)"
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="log what happens",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(suppress=True)

    parser = argparse.ArgumentParser(
        prog="clipdesk",
        parents=[_common_options(suppress=False)],
        description="Search your own photos by meaning, fully offline. Run without a command to open the app.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("add", parents=[common], help="add a photo folder")
    p.add_argument("folder")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip matching files or folders (repeatable), e.g. --exclude 'raw' --exclude '*.png'",
    )

    p = sub.add_parser("remove", parents=[common], help="forget a photo folder (files are not touched)")
    p.add_argument("folder")

    p = sub.add_parser("index", parents=[common], help="index new and changed photos")
    p.add_argument("--watch", action="store_true", help="keep watching the folders after indexing")
    p.add_argument("--batch-size", type=int, default=32, help=argparse.SUPPRESS)

    p = sub.add_parser("search", parents=[common], help="search by text, image, or both")
    p.add_argument("text", nargs="?", default="", help='what to look for; "-word" pushes matches down')
    p.add_argument("--image", metavar="FILE", help="an example photo (combined with the text if both are given)")
    p.add_argument("--text-weight", type=float, default=0.5, help="weight of the text when an image is given too")
    _result_options(p)

    p = sub.add_parser("similar", parents=[common], help="photos that look like FILE")
    p.add_argument("file")
    _result_options(p)

    p = sub.add_parser("status", parents=[common], help="what is indexed, what failed, model and index health")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--errors", type=int, default=20, metavar="N", help="list up to N unreadable files (0: all)")

    p = sub.add_parser("gui", parents=[common], help="open the desktop app")
    return parser


def _result_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", "--limit", type=int, default=20, help="number of results (default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip this many results (paging)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.add_argument("--folder", action="append", default=[], help="only photos under this folder (repeatable)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="taken on or after this date")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="taken on or before this date")
    p.add_argument(
        "--type", action="append", default=[], metavar="FORMAT", help="only this file type: jpeg, heif, png..."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.command in (None, "gui"):
        return _run_gui(args, parser)
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"clipdesk: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("clipdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from ..encoder import ModelUnavailableError
        from ..engine import FolderError

        if isinstance(exc, ModelUnavailableError):
            print(f"clipdesk: {exc}", file=sys.stderr)
            return EXIT_MODEL
        if isinstance(exc, FolderError):
            print(f"clipdesk: {exc}", file=sys.stderr)
            return EXIT_PATH
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"clipdesk: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _engine(args: argparse.Namespace, **kwargs):
    from ..engine import Engine

    return Engine(args.data_dir, args.model, device=None if args.device in (None, "auto") else args.device, **kwargs)


@contextmanager
def _indexing_lock(data_dir: Path):
    """One indexer per catalog; the lock dies with the process, even on SIGKILL."""
    handle = open(data_dir / "indexer.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise CliError("another clipdesk is already indexing this catalog (the app or `clipdesk index`).", EXIT_BUSY)
    try:
        yield
    finally:
        handle.close()


# -- commands ------------------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        root = engine.add_root(args.folder, tuple(args.exclude))
    finally:
        engine.close()
    print(f"Added {root.path}. Run `clipdesk index` to index it.")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        n = engine.remove_root(args.folder)
    finally:
        engine.close()
    print(f"Removed {os.path.abspath(os.path.expanduser(args.folder))} ({n} photos forgotten; files untouched).")
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..engine import Listener

    engine = _engine(args, batch_size=args.batch_size)
    bar: tqdm | None = None
    quiet = not sys.stderr.isatty() and not args.verbose

    def on_progress(p) -> None:
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
        with _indexing_lock(engine.data_dir):
            if not engine.roots():
                raise CliError("no folders to index yet: add one with `clipdesk add FOLDER`.", EXIT_PATH)
            report = engine.index()
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
            if args.watch:
                return _watch(engine)
    finally:
        if bar is not None:
            bar.close()
        engine.close()
    return EXIT_OK


def _watch(engine) -> int:
    from ..engine import Listener

    def on_changes(c) -> None:
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


def _filters(args: argparse.Namespace):
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
    )


def _format_name(t: str) -> str:
    t = t.upper().lstrip(".")
    return {"JPG": "JPEG", "HEIC": "HEIF", "TIF": "TIFF"}.get(t, t)


def cmd_search(args: argparse.Namespace) -> int:
    from ..search import SearchRequest

    if not args.text.strip() and not args.image:
        raise CliError(
            'give some text to search for, or --image FILE (e.g. clipdesk search "dog on a beach")', EXIT_USAGE
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
    )
    return _print_results(args, request)


def cmd_similar(args: argparse.Namespace) -> int:
    from ..search import SearchRequest

    image = os.path.abspath(os.path.expanduser(args.file))
    if not os.path.isfile(image):
        raise CliError(f"{image} does not exist or is not a file.", EXIT_PATH)
    request = SearchRequest(image=image, limit=args.limit, offset=args.offset, filters=_filters(args))
    return _print_results(args, request)


def _print_results(args: argparse.Namespace, request) -> int:
    from ..imaging import DecodeError

    engine = _engine(args)
    try:
        if not engine.catalog.counts()["indexed"]:
            if args.json:
                print(json.dumps({"results": [], "offset": request.offset, "has_more": False}))
            print(
                "Nothing is indexed yet: add a folder with `clipdesk add FOLDER`, then run `clipdesk index`.",
                file=sys.stderr,
            )
            return EXIT_OK
        try:
            page = engine.search(request)
        except DecodeError as exc:
            raise CliError(f"cannot read {request.image}: {exc}", EXIT_PATH) from exc
    finally:
        engine.close()
    if args.json:
        print(
            json.dumps(
                {"results": [h.to_json() for h in page.hits], "offset": page.offset, "has_more": page.has_more},
                indent=2,
            )
        )
    elif not page.hits:
        print("No matches.", file=sys.stderr)
    else:
        for rank, hit in enumerate(page.hits, start=page.offset + 1):
            flag = "  (offline)" if hit.offline else ""
            print(f"{rank:>4}  {hit.score:6.3f}  {hit.path}{flag}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        status = engine.status(error_limit=args.errors or None)
    finally:
        engine.close()
    if args.json:
        print(
            json.dumps(
                {
                    "data_dir": status.data_dir,
                    "model": status.model_id,
                    "model_dim": status.model_dim,
                    "counts": status.counts,
                    "roots": status.roots,
                    "errors": [{"path": p, "reason": r} for p, r in status.errors],
                    "index": status.index,
                },
                indent=2,
            )
        )
        return EXIT_OK
    c = status.counts
    print(f"Catalog:  {status.data_dir}")
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
    print("Folders:" if status.roots else "Folders:  none yet (clipdesk add FOLDER)")
    for root in status.roots:
        state = "offline" if not root["online"] else ("disabled" if not root["enabled"] else "ok")
        excl = f", excluding {', '.join(root['excludes'])}" if root["excludes"] else ""
        print(f"  {root['path']}  [{state}, {root['images']} photos{excl}]")
    if status.errors:
        print(f"Unreadable files ({c['error']}):")
        for path, reason in status.errors:
            print(f"  {path}: {reason}")
        if c["error"] > len(status.errors):
            print(f"  ... and {c['error'] - len(status.errors)} more (--errors 0 lists all)")
    return EXIT_OK


def _run_gui(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        from ..ui.app import run_app
    except ImportError:
        parser.print_help()
        return EXIT_OK
    return run_app(data_dir=args.data_dir, model=args.model)


COMMANDS = {
    "add": cmd_add,
    "remove": cmd_remove,
    "index": cmd_index,
    "search": cmd_search,
    "similar": cmd_similar,
    "status": cmd_status,
}

if __name__ == "__main__":
    sys.exit(main())
