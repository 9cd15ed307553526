"""`clipdesk serve`: the local HTTP API (clipdesk.api) over this library."""

from __future__ import annotations

import argparse
import os
import sys

from .common import EXIT_OK, EXIT_USAGE, CliError, open_engine


def add_serve_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common], help="serve a local HTTP API (search, similar, labels, thumbnails)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this computer only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback: other computers can then reach the API (token still required)",
    )
    p.add_argument("--show-token", action="store_true", help="print the API's bearer token and exit")
    p.add_argument(
        "--no-watch", action="store_true", help="only serve: never index or watch, even if nothing else does"
    )
    p.add_argument("--max-upload-mb", type=int, default=20, help="largest uploaded picture, in MB (default 20)")


def cmd_serve(args: argparse.Namespace) -> int:
    from .. import config
    from ..api import load_or_create_token, token_path

    data_dir = config.data_dir(args.data_dir or config.settings().data_dir)
    token = load_or_create_token(data_dir)
    if args.show_token:
        print(token)
        return EXIT_OK
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, not {args.port}", EXIT_USAGE)
    if args.max_upload_mb < 1:
        raise CliError("--max-upload-mb must be at least 1", EXIT_USAGE)
    from ..api.server import is_loopback

    if not is_loopback(args.host):
        if not args.allow_remote:
            raise CliError(
                f"--host {args.host} would let other computers reach the API; add --allow-remote if you mean it",
                EXIT_USAGE,
            )
        print(
            f"clipdesk: WARNING: listening on {args.host}: anyone who can reach this address and has the "
            "token can search your photos and read their thumbnails; the traffic is not encrypted (plain HTTP).",
            file=sys.stderr,
        )
    return _serve(args, data_dir, token, str(token_path(data_dir)))


def _serve(args: argparse.Namespace, data_dir: os.PathLike[str], token: str, token_file: str) -> int:
    from ..api import ModelMismatch, ServedLibrary
    from ..api.server import listen, serve

    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", EXIT_USAGE) from None
    args.data_dir = os.fspath(data_dir)
    library = ServedLibrary(open_engine(args), watch=not args.no_watch)
    host, port = sock.getsockname()[:2]
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def ready() -> None:
        print(f"Serving {data_dir} at {url} as the library's {library.role}.", flush=True)
        print(f"Token: {token_file} (`clipdesk serve --show-token`); schema: {url}/openapi.json", flush=True)

    try:
        serve(library, token, sock, args.max_upload_mb * 1024 * 1024, on_ready=ready)
    except ModelMismatch as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    print("Stopped.", flush=True)
    return EXIT_OK
