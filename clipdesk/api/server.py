"""Run the API with uvicorn on one listening socket; SIGTERM and SIGINT stop it cleanly."""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
import threading
from collections.abc import Callable

import uvicorn

from .app import create_app
from .library import ServedLibrary

log = logging.getLogger(__name__)

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """Bind now, so the port in use is known before serving (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named outright: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto
    # says TCP, and with Nagle on, every response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def make_server(library: ServedLibrary, token: str, max_upload_bytes: int) -> uvicorn.Server:
    app = create_app(library.engine, token, library=library, max_upload_bytes=max_upload_bytes)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,  # requests in flight finish, up to this long
        lifespan="off",
        server_header=False,
    )
    return uvicorn.Server(config)


def serve(
    library: ServedLibrary,
    token: str,
    sock: socket.socket,
    max_upload_bytes: int,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (uvicorn's own handlers), then close the library: the indexer's
    batch in flight is committed and its vector index saved."""
    server = make_server(library, token, max_upload_bytes)
    stopped: list[int] = []
    if threading.current_thread() is threading.main_thread():
        # uvicorn handles SIGTERM/SIGINT while serving, then puts back the handlers it found and
        # raises the signal again: these receive it, so the process lives on to close the library.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: stopped.append(signum))
    try:
        library.open()
        if on_ready is not None:
            on_ready()
        if not stopped:  # a stop asked for while the library opened is honoured too
            server.run(sockets=[sock])
    finally:
        library.close()
        sock.close()
