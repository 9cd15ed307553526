"""`clipdesk duplicates`: exact copies, the same picture in another size or format, similar shots.

It only reports: clipdesk never moves or deletes a file from the command line (the app's
Duplicates view moves the ones the user confirms to the desktop's Trash).

`--json` shape (stable keys; new keys may be added):
  [{"kind": "exact"|"same"|"similar", "paths": [...], "keep": "<suggested keeper's path>"}...]
  the keeper is also the first path; groups come by kind, then the most space to free first.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..duplicates import KINDS
from .common import EXIT_OK, open_engine

_TITLES = {"exact": "Exact copies", "same": "The same picture", "similar": "Similar shots"}


def add_duplicate_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "duplicates", parents=[common], help="exact copies, the same picture resized or converted, similar shots"
    )
    p.add_argument("--kind", choices=KINDS, help="only groups of this kind")
    p.add_argument("--strictness", type=float, default=0.5, help="similar shots: 0 (loose) to 1 (strict); default 0.5")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def cmd_duplicates(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    try:
        # Hashes computed now are kept only when no other clipdesk is indexing this library.
        engine.index_lock.acquire()
        groups = engine.duplicate_groups(args.kind, min(1.0, max(0.0, args.strictness)))
    finally:
        engine.close()
    if args.json:
        print(json.dumps([g.to_json() for g in groups], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not groups:
        print("No duplicates found.", file=sys.stderr)
    for kind in KINDS:
        of_kind = [g for g in groups if g.kind == kind]
        if not of_kind:
            continue
        print(f"{_TITLES[kind]} ({len(of_kind)} groups)")
        for group in of_kind:
            print(f"  keep  {group.keeper.path}  - {group.reason}")
            for photo in group.others():
                print(f"        {photo.path}  {_megabytes(photo.size)}")
        print()
    return EXIT_OK


def duplicates_status_line(summary: dict) -> str:
    """`clipdesk status`'s line: how far hashing got, and the groups when a grouping was made."""
    line = f"Duplicates: {summary['hashed']} of {summary['indexed']} photos hashed"
    groups = summary["groups"]
    if groups is None:
        return line + "; not grouped yet (clipdesk duplicates)"
    return line + f"; {groups['exact']} exact, {groups['same']} same picture, {groups['similar']} similar groups"
