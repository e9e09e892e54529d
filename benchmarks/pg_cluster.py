"""A PostgreSQL of the benchmark's own, for the ``sprankel-postgres`` row.

Made as tests/postgres_server.py makes one (initdb and pg_ctl from Debian's
``postgresql`` package, a fresh folder, a free loopback port, an ordinary role that
owns the database; run by the ``postgres`` system user when we are root), but with
PostgreSQL's default durability: fsync and synchronous_commit on, so every commit
waits for its WAL flush, as in production. The role is made with psql over the
unix socket: the load venv this runs in has no PostgreSQL driver.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLE = "sprankel"
PASSWORD = "bench-secret"


def binaries() -> Path | None:
    found = sorted((Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


@dataclass
class Cluster:
    bin: Path
    root: Path
    port: int
    user: pwd.struct_passwd | None

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{self.port}/sprankel"

    def postmaster_pid(self) -> int:
        return int((self.root / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        _run(self, "pg_ctl", "stop", "-D", str(self.root / "data"), "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


def start(port: int) -> Cluster:
    found = binaries()
    if found is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="sprankel-bench-pg-"))
    cluster = Cluster(found, root, port, user)
    socket_dir = root / "socket"
    socket_dir.mkdir(mode=0o700)
    if user is not None:
        for path in (root, socket_dir):
            os.chown(path, user.pw_uid, user.pw_gid)
    try:
        _run(cluster, "initdb", "-D", str(root / "data"), "-U", "boot", "-E", "UTF8",
             "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256")
        _run(cluster, "pg_ctl", "start", "-D", str(root / "data"), "-w", "-l",
             str(root / "postgres.log"), "-o",
             f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={socket_dir}")
        for statement in (
            f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' NOSUPERUSER NOCREATEDB",
            f"CREATE DATABASE sprankel OWNER {ROLE} ENCODING 'UTF8'",
        ):
            _run(cluster, "psql", "-h", str(socket_dir), "-p", str(port), "-U", "boot",
                 "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", statement)
    except Exception:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster


def _run(cluster: Cluster, *argv: str) -> None:
    extra: dict[str, Any] = {}
    if cluster.user is not None:
        extra = {"user": cluster.user.pw_uid, "group": cluster.user.pw_gid,
                 "env": {**os.environ, "HOME": str(cluster.root)}}
    done = subprocess.run([str(cluster.bin / argv[0]), *argv[1:]], capture_output=True,
                          cwd=cluster.root, timeout=120, **extra)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stdout.decode()}{done.stderr.decode()}")
