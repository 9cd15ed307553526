"""Connections to the shared library's PostgreSQL server: one per thread, replaced when broken.

The password comes from the URL, `PGPASSFILE`/`~/.pgpass` or `PGPASSWORD` (libpq reads the last two
itself) and is never shown: `redact` removes it from anything a person or a log may read, and every
server failure leaves this module as a `CatalogError` whose message went through it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import CatalogError

SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 5
UNREACHABLE = "unreachable"  # a CatalogError kind: the server cannot be reached (nothing was lost)


def is_library_url(text: str | None) -> bool:
    return bool(text) and urlsplit(str(text)).scheme in SCHEMES


def redact(url: str) -> str:
    """The URL with its password replaced by ***; safe to print, log or show in `status`."""
    parts = urlsplit(url)
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else f"{k}={v}"
        for k, _, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}{':***' if sep else ''}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def describe(url: str) -> str:
    """Where the library is, for messages: host (or socket folder), port and database, no credentials."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        return redact(url)
    host = info.get("host") or "localhost"
    port = f":{info['port']}" if info.get("port") else ""
    return f"{host}{port}/{info.get('dbname') or ''}"


def _secrets(url: str) -> list[str]:
    try:
        found = conninfo_to_dict(url).get("password")
    except psycopg.Error:
        found = urlsplit(url).password
    password = str(found) if found is not None else None
    return [p for p in {password, quote(password or "", safe=""), unquote(password or "")} if p]


class Connections:
    """One connection per thread (autocommit: reads see the latest commits; writes use transactions)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = describe(url)
        self._local = threading.local()
        self._all: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self.on_connect: list[Callable[[psycopg.Connection], None]] = []  # run on each new connection (adapters)

    def clean(self, text: str) -> str:
        """Text with the password taken out (errors from the server or libpq may quote a connection string)."""
        for secret in _secrets(self.url):
            text = text.replace(secret, "***")
        return text.replace(self.url, redact(self.url))

    def error(self, exc: BaseException) -> CatalogError:
        """A server failure as a CatalogError a person can act on, with no password in it."""
        if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, psycopg.errors.DiskFull):
            message = (
                f"The shared library's server ({self.where}) cannot be reached: "
                f"{self.clean(str(exc)).strip().splitlines()[0] if str(exc).strip() else 'no answer'}. "
                "Nothing was lost: start the server or check the address and the network, then try again."
            )
            return CatalogError(UNREACHABLE, message)
        if isinstance(exc, psycopg.errors.DiskFull):
            return CatalogError("other", f"The shared library's server ({self.where}) is out of disk space.")
        text = self.clean(str(exc)).strip()
        return CatalogError("other", f"The shared library ({self.where}) could not be used: {text}")

    def connect(self) -> psycopg.Connection:
        """A new connection (also for callers that need their own, e.g. a listener)."""
        if self._closed:
            raise CatalogError("other", "The shared library is closed.")
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:  # even a malformed URL's error quotes it, password included
            raise self.error(exc) from None
        for hook in self.on_connect:
            hook(conn)
        return conn

    def get(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and (conn.closed or conn.broken):
            self._forget(conn)
            conn = None
        if conn is None:
            conn = self.connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _forget(self, conn: psycopg.Connection) -> None:
        self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        try:
            conn.close()
        except psycopg.Error:
            pass

    def drop_broken(self) -> None:
        """After a failure: a connection the server dropped (a restart) is replaced at the next call."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and (conn.closed or conn.broken):
            self._forget(conn)

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """The library's boundary: server failures become a classified CatalogError."""
        try:
            yield
        except (psycopg.errors.UniqueViolation, psycopg.ProgrammingError, psycopg.DataError):
            raise  # a bug in clipdesk, not a state of the server: keep its traceback
        except psycopg.Error as exc:
            self.drop_broken()
            raise self.error(exc) from None  # the original may quote connection details

    def close(self) -> None:
        self._closed = True
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except psycopg.Error:
                pass
