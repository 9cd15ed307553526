"""`clipdesk classify`, `describe`, `labels` and `album`: zero-shot labels and smart albums.

Exit codes as for every command (see main.py): a missing or unreadable FILE is 4, no model 3, bad usage
(no labels given, an unknown label or album) 2.

`--json` shapes (stable keys; new keys may be added):
  classify: [{"path", "labels": [{"label", "probability"}...]}...]      probabilities sum to 1 per file
  describe: [{"path", "labels": [{"label", "name", "zh", "category", "probability"}...]}...]
            with --texts F: [{"path", "texts": [{"text", "score"}...]}...]  (score: cosine similarity)
  labels:   [{"label", "name", "zh", "category", "count", "cover_id"}...]
  album list: [{"name", "description", "examples", "counter_examples", "strictness", "count", "ready"}...]
  album show: {"album": {...as in list}, "results": [search results, "score" = spreads above the library]}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .common import EXIT_OK, EXIT_PATH, EXIT_USAGE, CliError, open_engine

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.labels_api import AlbumInfo


def add_label_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("classify", parents=[common], help="zero-shot classification of image files over your labels")
    p.add_argument("files", nargs="+", metavar="FILE")
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument("--labels", metavar="LIST", help='comma-separated labels, e.g. "cat,dog,car"')
    given.add_argument("--labels-file", metavar="F", help="a text file with one label a line")
    p.add_argument("-k", "--top", type=int, default=0, metavar="N", help="print only the N best labels (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("describe", parents=[common], help="the best labels (or the best of your texts) for images")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--texts", metavar="F", help="rank these texts (one a line) instead of the label vocabulary")
    p.add_argument("-k", "--top", type=int, default=5, metavar="N", help="how many (default 5)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("labels", parents=[common], help="the library's labels and how many photos have each")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("album", parents=[common], help="smart albums: add, list, show, remove")
    albums = p.add_subparsers(dest="album_command", metavar="ACTION", required=True)
    a = albums.add_parser("add", parents=[common], help="create (or redefine) a smart album")
    a.add_argument("name")
    a.add_argument("--text", default="", help='what belongs in it, e.g. "receipts" or "our cat Mimi"')
    a.add_argument("--example", action="append", default=[], metavar="FILE", help="a photo that belongs (repeatable)")
    a.add_argument(
        "--counter-example", action="append", default=[], metavar="FILE", help="a photo that does not (repeatable)"
    )
    a.add_argument("--strictness", type=float, default=0.5, help="0 (loose) to 1 (strict); default 0.5")
    a = albums.add_parser("list", parents=[common], help="the albums and how many photos each holds")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a = albums.add_parser("show", parents=[common], help="an album's photos, best first")
    a.add_argument("name")
    a.add_argument("-k", "--limit", type=int, default=20, help="number of results (default 20)")
    a.add_argument("--offset", type=int, default=0, help="skip this many results (paging)")
    a.add_argument("--strictness", type=float, help="show it at another strictness (not stored)")
    a.add_argument("--json", action="store_true", help="machine-readable output")
    a = albums.add_parser("remove", parents=[common], help="delete an album (its photos are not touched)")
    a.add_argument("name")


def label_option_id(args: argparse.Namespace) -> str | None:
    """`--label NAME` (English id or name, Chinese name or alias) as the label id; an unknown name is a usage error."""
    name = getattr(args, "label", None)
    if not name:
        return None
    from ..labels import find_label, load_vocabulary

    label = find_label(load_vocabulary(), name)
    if label is None:
        raise CliError(f"no label called {name!r}: `clipdesk labels` lists the library's labels.", EXIT_USAGE)
    return label.id


def _files(names: list[str]) -> list[str]:
    paths = [os.path.abspath(os.path.expanduser(n)) for n in names]
    for path in paths:
        if not os.path.isfile(path):
            raise CliError(f"{path} does not exist or is not a file.", EXIT_PATH)
    return paths


def _lines(path: str) -> list[str]:
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as fh:
            return [line.strip() for line in fh if line.strip()]
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_PATH) from exc


def _per_file(engine: Engine, paths: list[str], fn: Any) -> list[tuple[str, Any]]:
    """Run `fn(path)` for each file; an undecodable file is exit 4, like a missing one."""
    from ..imaging import DecodeError

    out = []
    for path in paths:
        try:
            out.append((path, fn(path)))
        except DecodeError as exc:
            raise CliError(f"cannot read {path}: {exc}", EXIT_PATH) from exc
    return out


def cmd_classify(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.labels.split(",")] if args.labels is not None else _lines(args.labels_file)
    names = [n for n in names if n]
    if not names:
        raise CliError('no labels given: --labels "cat,dog,car" or --labels-file F (one a line)', EXIT_USAGE)
    paths = _files(args.files)
    engine = open_engine(args)
    try:
        results = _per_file(engine, paths, lambda p: engine.classify_images([p], names)[0])
    finally:
        engine.close()
    top = args.top if args.top > 0 else None
    if args.json:
        rows = [{"path": p, "labels": [{"label": n, "probability": pr} for n, pr in r[:top]]} for p, r in results]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    for path, ranked in results:
        print(path)
        for name, probability in ranked[:top]:
            print(f"  {probability:6.3f}  {name}")
    return EXIT_OK


def cmd_describe(args: argparse.Namespace) -> int:
    texts = _lines(args.texts) if args.texts else None
    if texts is not None and not texts:
        raise CliError(f"{args.texts} holds no text", EXIT_USAGE)
    paths = _files(args.files)
    limit = max(args.top, 1)
    engine = open_engine(args)
    try:
        results = _per_file(engine, paths, lambda p: engine.describe_image(p, limit, texts))
    finally:
        engine.close()
    if args.json:
        if texts is not None:
            rows = [{"path": p, "texts": [{"text": t, "score": s} for t, s in r]} for p, r in results]
        else:
            rows = [
                {"path": p, "labels": [{"label": x.id, **{k: v for k, v in asdict(x).items() if k != "id"}} for x in r]}
                for p, r in results
            ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    for path, ranked in results:
        print(path)
        for item in ranked:
            if texts is not None:
                print(f"  {item[1]:6.3f}  {item[0]}")
            else:
                print(f"  {item.probability:6.3f}  {item.name} ({item.zh})")
    return EXIT_OK


def ensure_labels(engine: Engine) -> None:
    """Tag the library now if the current model's label vectors were never computed (once per model)."""
    if engine.catalog.counts()["indexed"] and engine.labelling.active is None:
        print("Labelling the library (once per model)...", file=sys.stderr)
        engine.labelling.prepare()


def cmd_labels(args: argparse.Namespace) -> int:
    engine = open_engine(args)
    try:
        ensure_labels(engine)
        labels = engine.labels()
    finally:
        engine.close()
    if args.json:
        rows = [
            {
                "label": x.id,
                "name": x.name,
                "zh": x.zh,
                "category": x.category,
                "count": x.count,
                "cover_id": x.cover_id,
            }
            for x in labels
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not labels:
        print("No labels yet: add a folder and run `clipdesk index`.", file=sys.stderr)
    for x in labels:
        print(f"{x.count:>7}  {x.name} ({x.zh})  [{x.id}]")
    return EXIT_OK


def cmd_album(args: argparse.Namespace) -> int:
    from ..engine.albums import AlbumError

    engine = open_engine(args)
    try:
        if args.album_command == "add":
            examples = _files(args.example)
            counters = _files(args.counter_example)
            if not 0.0 <= args.strictness <= 1.0:
                raise CliError("--strictness is between 0 and 1", EXIT_USAGE)
            try:
                info = engine.add_album(args.name, args.text, examples, counters, args.strictness)
            except AlbumError as exc:
                raise CliError(str(exc), EXIT_USAGE) from exc
            print(f"Album {info.name!r}: {info.count} photos.")
        elif args.album_command == "list":
            _print_albums(args, engine.albums())
        elif args.album_command == "show":
            _show_album(args, engine)
        elif not engine.remove_album(args.name):
            raise CliError(f"no album called {args.name!r}", EXIT_USAGE)
    finally:
        engine.close()
    return EXIT_OK


def _album_json(info: AlbumInfo) -> dict:
    row = asdict(info)
    row["examples"], row["counter_examples"] = list(info.examples), list(info.counter_examples)
    return row


def _print_albums(args: argparse.Namespace, albums: list[AlbumInfo]) -> None:
    if args.json:
        print(json.dumps([_album_json(a) for a in albums], indent=2, ensure_ascii=False))
        return
    if not albums:
        print('No albums yet: clipdesk album add NAME --text "..."', file=sys.stderr)
    for a in albums:
        state = "" if a.ready else "  (computed once the model is loaded)"
        print(f"{a.count:>7}  {a.name}  {a.description!r}{state}")


def _show_album(args: argparse.Namespace, engine: Engine) -> None:
    from .results import page_json

    album = engine.album(args.name)
    if album is None:
        raise CliError(f"no album called {args.name!r}: `clipdesk album list` shows them.", EXIT_USAGE)
    if not album.ready:
        engine.labelling.albums.refresh()
        album = engine.album(args.name) or album
    page = engine.album_photos(args.name, args.offset, args.limit, args.strictness)
    if args.json:
        body = page_json(page, split=False)
        print(json.dumps({"album": _album_json(album), "results": body["results"]}, indent=2, ensure_ascii=False))
        return
    for rank, hit in enumerate(page.hits, start=page.offset + 1):
        print(f"{rank:>4}  {hit.score:6.2f}  {hit.path}")
    if not page.hits:
        print(f"Album {album.name!r} has no photos at this strictness.", file=sys.stderr)
