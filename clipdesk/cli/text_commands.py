"""The text in photos on the command line: `clipdesk text FILE`, the second pass of `clipdesk index`,
and its line in `clipdesk status`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from .common import EXIT_OK, EXIT_PATH, CliError

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.text_pass import TextProgress


def add_text_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("text", parents=[common], help="print the text in a photo (any file, in the library or not)")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="lines with their boxes (corners as fractions of the photo)")


def cmd_text(args: argparse.Namespace) -> int:
    from ..imaging import DecodeError
    from ..text import TextReader

    path = os.path.abspath(os.path.expanduser(args.file))
    if not os.path.isfile(path):
        raise CliError(f"{path} does not exist or is not a file.", EXIT_PATH)
    try:
        lines = TextReader().read_file(path)
    except DecodeError as exc:
        raise CliError(f"cannot read {path}: {exc}", EXIT_PATH) from exc
    if args.json:
        print(json.dumps({"path": path, "lines": [line.to_json() for line in lines]}, ensure_ascii=False, indent=2))
    elif lines:
        print("\n".join(line.text for line in lines))
    else:
        print("No text found.", file=sys.stderr)
    return EXIT_OK


def read_text_after_index(engine: Engine, quiet: bool) -> None:
    """`clipdesk index`'s second pass: the text of every photo indexed and not read yet."""
    from tqdm import tqdm

    if not engine.text_pass.enabled:
        return
    bar: tqdm | None = None

    def on_photo(progress: TextProgress) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(
                total=progress.total,
                unit="img",
                desc="Reading text",
                file=sys.stderr,
                disable=quiet,
                dynamic_ncols=True,
                initial=progress.done - 1,
            )
        bar.total = progress.total
        bar.n = progress.done
        bar.refresh()

    try:
        count = engine.text_pass.run(on_photo=on_photo)
    finally:
        if bar is not None:
            bar.close()
    if count:
        print(f"Read the text in {count} photos.")


def text_status(engine: Engine) -> dict[str, Any]:
    """For `clipdesk status --json`: whether the pass is on, and how far it is."""
    from ..catalog.text import TextBacklog

    catalog = engine.catalog
    if not isinstance(catalog, TextBacklog):
        return {"enabled": False, "read": 0, "indexed": 0}
    read, indexed = catalog.text_progress()
    return {"enabled": engine.text_pass.enabled, "read": read, "indexed": indexed}


def text_status_line(info: dict[str, Any]) -> str:
    if not info["enabled"]:
        return "Text:     reading the text in photos is off"
    if info["read"] < info["indexed"]:
        return f"Text:     reading text in photos: {info['read']:,} of {info['indexed']:,}"
    return f"Text:     read in all {info['indexed']:,} photos"
