"""The `clipdesk` command line. With no arguments it starts the desktop app.

Exit codes (stable, for scripts):
  0 success (also: a search with no matches)
  1 unexpected error
  2 usage error (also: a CLIPDESK_* environment variable with a value that cannot be used)
  3 the CLIP model is not available
  4 a named file or folder is missing or unusable
  5 another clipdesk is indexing this catalog
  6 the catalog's disk is full or read-only (nothing was lost)
  7 the catalog file is damaged
  8 the catalog stayed locked by another program
  9 the shared library's server cannot be reached (nothing was lost)
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from .commands import cmd_add, cmd_index, cmd_remove, cmd_search, cmd_similar, cmd_status
from .common import EXIT_BUSY, EXIT_ERROR, EXIT_MODEL, EXIT_OK, EXIT_PATH, EXIT_USAGE, CliError
from .data_commands import cmd_backup, cmd_move_data, cmd_recover, cmd_restore
from .duplicate_commands import cmd_duplicates
from .label_commands import cmd_album, cmd_classify, cmd_describe, cmd_labels
from .parser import build_parser
from .serve import cmd_serve
from .text_commands import cmd_text
from .worker_command import cmd_worker

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "add": cmd_add,
    "remove": cmd_remove,
    "index": cmd_index,
    "search": cmd_search,
    "similar": cmd_similar,
    "status": cmd_status,
    "serve": cmd_serve,
    "classify": cmd_classify,
    "describe": cmd_describe,
    "labels": cmd_labels,
    "album": cmd_album,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "recover": cmd_recover,
    "move-data": cmd_move_data,
    "duplicates": cmd_duplicates,
    "text": cmd_text,
    "worker": cmd_worker,
}


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
        code = _exit_code(exc)
        if code == EXIT_ERROR:
            logging.getLogger(__name__).debug("unexpected error", exc_info=True)
            print(f"clipdesk: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            print(f"clipdesk: {_disk_message(exc)}", file=sys.stderr)
        if code == 7:
            print(_damaged_hint(args), file=sys.stderr)
        return code


def _exit_code(exc: Exception) -> int:
    """The exit code for an error the engine raised; EXIT_ERROR when it was not expected."""
    from ..catalog import CatalogError
    from ..config import SettingsError
    from ..datadisk import DataDiskProblem
    from ..encoder import ModelUnavailableError
    from ..engine import FolderError, IndexingBusy

    if isinstance(exc, DataDiskProblem):  # full or read-only: nothing was lost
        return 6
    if isinstance(exc, CatalogError):  # its message says what to do; "other" stays unexpected
        return {"disk_full": 6, "read_only": 6, "corrupt": 7, "busy": 8, "unreachable": 9}.get(exc.kind, EXIT_ERROR)
    if isinstance(exc, ModelUnavailableError):
        return EXIT_MODEL
    if isinstance(exc, FolderError):
        return EXIT_PATH
    if isinstance(exc, IndexingBusy):
        return EXIT_BUSY
    if isinstance(exc, SettingsError):
        return EXIT_USAGE
    return EXIT_ERROR


def _disk_message(exc: Exception) -> str:
    """A full or read-only data disk reads the same whichever write met it first."""
    from ..catalog import CatalogError
    from ..datadisk import DataDiskProblem

    if isinstance(exc, CatalogError) and exc.kind in ("disk_full", "read_only") and exc.path is not None:
        return DataDiskProblem(exc.kind, exc.path.parent).user_message
    return str(exc)


def _damaged_hint(args: argparse.Namespace) -> str:
    from .. import config
    from .data_commands import damaged_hint

    try:
        return damaged_hint(config.data_dir(args.data_dir))
    except Exception:
        return ""


def _run_gui(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        from ..ui.app import run_app
    except ImportError:
        parser.print_help()
        return EXIT_OK
    return run_app(data_dir=args.data_dir, model=args.model)


if __name__ == "__main__":
    sys.exit(main())
