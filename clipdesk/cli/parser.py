"""The `clipdesk` argument parser: commands, their options, and the options every command takes."""

from __future__ import annotations

import argparse

from .data_commands import add_data_parsers
from .duplicate_commands import add_duplicate_parsers
from .label_commands import add_label_parsers
from .results import add_language_option, add_ranking_options
from .serve import add_serve_parser
from .text_commands import add_text_parser
from .worker_command import add_worker_parser


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
    common.add_argument(
        "--library",
        default=default,
        metavar="URL",
        help="a shared library on PostgreSQL + pgvector, postgresql://user@host/db (env CLIPDESK_LIBRARY)",
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
        "--as",
        dest="root_name",
        metavar="NAME",
        help="shared library: this computer's path for the library's folder NAME (a share mounted here)",
    )
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
    p.add_argument("--no-text", action="store_true", help="skip reading the text in photos (the second pass)")
    p.add_argument("--batch-size", type=int, default=32, help=argparse.SUPPRESS)

    p = sub.add_parser("search", parents=[common], help="search by text, image, or both")
    p.add_argument("text", nargs="?", default="", help='what to look for; "-word" pushes matches down')
    p.add_argument("--image", metavar="FILE", help="an example photo (combined with the text if both are given)")
    p.add_argument("--text-weight", type=float, default=0.5, help="weight of the text when an image is given too")
    add_language_option(p)
    p.add_argument(
        "--label", metavar="NAME", help="only photos with this label (English or Chinese name); alone: its photos"
    )
    _result_options(p)

    p = sub.add_parser("similar", parents=[common], help="photos that look like FILE")
    p.add_argument("file")
    _result_options(p)

    p = sub.add_parser("status", parents=[common], help="what is indexed, what failed, model and index health")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--errors", type=int, default=20, metavar="N", help="list up to N unreadable files (0: all)")

    p = sub.add_parser("gui", parents=[common], help="open the desktop app")
    add_serve_parser(sub, common)
    add_label_parsers(sub, common)
    add_data_parsers(sub, common)
    add_duplicate_parsers(sub, common)
    add_text_parser(sub, common)
    add_worker_parser(sub, common)
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
    add_ranking_options(p)
