"""A real PostgreSQL of our own, for tests (never the machine's own on 5432).

`initdb` and `pg_ctl` from Debian's `postgresql` package make a cluster in a fresh
folder under /tmp, listening on a free loopback port, with its unix socket in that
folder. The bootstrap superuser (``boot``) may only log in over that socket; it
creates an ordinary role (``sprankel``: no superuser, no CREATEDB, no CREATEROLE)
that owns the databases the tests use over TCP with a password, as a managed
PostgreSQL would offer. initdb and postgres refuse to run as root: as root (CI) the
cluster is run by the ``postgres`` system user that the package creates.

Making and starting a cluster costs about two seconds, so one serves a whole test session and
every test gets a fresh database of its own (`PostgresServer.database`); tests that
stop the server start their own.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
import pytest
from psycopg import sql

from server_process import PortTaken, free_port, port_taken, start_moving_on

ROLE = "sprankel"
PASSWORD = "pg-test-secret"
SUPERUSER = "boot"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps one per major version)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if not found:
        initdb = shutil.which("initdb")
        return Path(initdb).resolve().parent if initdb else None
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def require_postgres() -> Path:
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    return binaries


class PostgresServer:
    def __init__(self, port: int | None = None, *, fast: bool = True) -> None:
        """``fast`` turns fsync off: a test cluster need not survive a power cut, and a
        clean stop (pg_ctl stop) still writes everything. Benchmarks keep the defaults."""
        self.bin = require_postgres()
        self.port = port or free_port()
        self._may_move = port is None  # as in ServerProcess: only a port we chose, only once
        self.fast = fast
        self.root = Path(tempfile.mkdtemp(prefix="sprankel-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log_path = self.root / "postgres.log"
        self._user = _cluster_user()
        self._databases = 0
        self._initdb()

    # The cluster

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], check=check,
                              capture_output=True, timeout=120, cwd=self.root,
                              **self._as_user())

    def _as_user(self) -> dict[str, Any]:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid,
                "env": {**os.environ, "HOME": str(self.root)}}

    def _initdb(self) -> None:
        self.socket_dir.mkdir(mode=0o700)
        if self._user is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)
        done = self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8",
                         "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                         check=False)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout.decode()}{done.stderr.decode()}")

    def start(self, timeout: float = 30) -> PostgresServer:
        start_moving_on(lambda: self._start_once(timeout), self._may_move, self._move,
                        "PostgreSQL", self.log)
        self._may_move = False
        return self

    def _move(self) -> None:
        self.port = free_port()

    def _start_once(self, timeout: float) -> None:
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                   f"-c unix_socket_directories={self.socket_dir}", "-c max_connections=200"]
        if self.fast:
            options += ["-c fsync=off", "-c full_page_writes=off"]
        done = self._run("pg_ctl", "start", "-D", str(self.data), "-w", "-t", str(int(timeout)),
                         "-l", str(self.log_path), "-o", " ".join(options), check=False)
        if done.returncode != 0:
            if port_taken(self.log()):
                raise PortTaken(self.log())
            raise RuntimeError(f"pg_ctl start failed: {done.stdout.decode()}"
                               f"{done.stderr.decode()}\n{self.log()}")

    def stop(self) -> None:
        """Stop at once (open connections are ended), as an outage looks to Sprankel."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", check=False)

    def restart(self) -> PostgresServer:
        self.stop()
        return self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except (FileNotFoundError, PermissionError):
            return ""

    # Roles and databases

    def superuser(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        """The bootstrap superuser, over the unix socket; only for setting up."""
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=SUPERUSER,
                               dbname=dbname, autocommit=True)

    def database(self, name: str | None = None) -> str:
        """A new empty database owned by the ordinary role; its URL (over TCP, with password)."""
        self._databases += 1
        name = name or f"sprankel_{self._databases}"
        with self.superuser() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone()
            if exists is None:
                conn.execute(sql.SQL(
                    "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE"
                ).format(sql.Identifier(ROLE), sql.Literal(PASSWORD)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                sql.Identifier(name), sql.Identifier(ROLE)))
        return self.url(name)

    def url(self, dbname: str, password: str = PASSWORD) -> str:
        return f"postgresql://{ROLE}:{password}@127.0.0.1:{self.port}/{dbname}"

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.destroy()


def _cluster_user() -> pwd.struct_passwd | None:
    """Who runs the cluster: we ourselves, or the postgres system user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root needs the postgres system user (apt-get install postgresql)")


def session_server() -> Iterator[PostgresServer]:
    """The body of the session fixture in conftest.py."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.destroy()
