"""A real coturn (Debian's package `coturn`, binary `turnserver`) on loopback, with the
REST credentials of `use-auth-secret`: the TURN server of the relay-only voice tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import pytest

from server_process import RELAY_PORTS, free_port, worker_index

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
# A STUN binding request: type 0x0001, length 0, the magic cookie, a transaction id.
_BINDING = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + os.urandom(12)


def require_turnserver() -> str:
    if not Path(TURNSERVER).exists():
        pytest.skip("turnserver is missing (apt-get install coturn; scripts/test does it)")
    return TURNSERVER


def relay_ports() -> int:
    """The first of 100 relay ports, outside every worker's TCP block (see server_process)."""
    return RELAY_PORTS + 100 * ((worker_index() or 0) % 7)


class TurnServer:
    def __init__(self, workdir: Path, secret: str) -> None:
        self.workdir = workdir
        self.secret = secret
        self.port = free_port(udp=True)  # TURN listens on UDP and TCP
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "turnserver.log"

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def start(self, timeout: float = 15) -> TurnServer:
        binary = require_turnserver()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "turnserver.conf"
        config.write_text("")  # not Debian's /etc/turnserver.conf
        low = relay_ports()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [binary, "-c", str(config), "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                 f"--listening-port={self.port}", f"--min-port={low}", f"--max-port={low + 99}",
                 "--use-auth-secret", f"--static-auth-secret={self.secret}",
                 "--realm=sprankel.test", "--no-tls", "--no-dtls", "--no-cli",
                 "--allow-loopback-peers", "--fingerprint", "--no-multicast-peers",
                 f"--userdb={self.workdir / 'turndb'}", f"--pidfile={self.workdir / 'pid'}",
                 "--simple-log", f"--log-file={self.workdir / 'coturn'}", "--verbose"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"turnserver did not start: {self.log()[-2000:]}")
        return self

    def _answers(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.settimeout(0.3)
            probe.sendto(_BINDING, ("127.0.0.1", self.port))
            try:
                return len(probe.recv(1024)) >= 20
            except OSError:
                return False

    def log(self) -> str:
        logs = [self.log_path, *sorted(self.workdir.glob("coturn*"))]
        return "".join(p.read_text(errors="replace") for p in logs if p.exists())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def __enter__(self) -> TurnServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
