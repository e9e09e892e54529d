"""A real Redis Cluster for tests: three masters and three replicas on loopback ports.

Each node is a `redis-server --cluster-enabled yes` (tests/redis_server.py's RedisServer
with cluster flags), joined with `redis-cli --cluster create ... --cluster-replicas 1`.
The fixture waits for cluster_state:ok on every node and for every replica to be
attached. `kill_master_of(key)` kills the master that holds a key's slot (SIGKILL) and
promotes its replica (CLUSTER FAILOVER FORCE), then waits until the cluster is ok again.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

from redis_server import SPRANKEL_ACL, SPRANKEL_PASSWORD, RedisServer, require_valkey_server

# On a cluster Sprankel's user also needs the slot map (CLUSTER SLOTS), the command table
# redis-py reads at start (COMMAND) and sharded pub/sub (docs/scaling.md).
SPRANKEL_CLUSTER_ACL = (
    f"{SPRANKEL_ACL} +cluster|slots +command +spublish +ssubscribe +sunsubscribe"
)

REDIS_CLI = shutil.which("redis-cli")
NODE_TIMEOUT_MS = 2000  # how soon the nodes agree that a master is gone


class RedisCluster:
    def __init__(self, workdir: Path, masters: int = 3, binary: str | None = None) -> None:
        if REDIS_CLI is None:
            pytest.skip("redis-cli is not installed (apt-get install redis-tools)")
        self.workdir = workdir
        self.binary = binary
        self.nodes = [self._node(i) for i in range(masters * 2)]

    def _node(self, index: int) -> RedisServer:
        return RedisServer(self.workdir / f"node-{index}-{uuid.uuid4().hex[:6]}",
                           binary=self.binary, extra=(
                               "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                               "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                               # A replica whose master died takes over even if it lagged.
                               "--cluster-replica-validity-factor", "0"))

    @property
    def url(self) -> str:
        """One node's URL: the cluster client finds the others (with --redis-cluster)."""
        return self.alive()[0].url

    def add_sprankel_user(self, acl: str = SPRANKEL_CLUSTER_ACL) -> str:
        """The user ``sprankel`` on every node (ACLs are per node); returns its URL."""
        for node in self.alive():
            reply = node.command("ACL", "SETUSER", "sprankel", "reset", "on",
                                 f">{SPRANKEL_PASSWORD}", *acl.split())
            assert reply.startswith(b"+OK"), reply
        return self.url.replace("redis://", f"redis://sprankel:{SPRANKEL_PASSWORD}@")

    def acl_denials(self) -> set[str]:
        return set().union(*(node.acl_denials() for node in self.alive()))

    def sprankel_flags(self) -> list[str]:
        return ["--redis-cluster"]

    def alive(self) -> list[RedisServer]:
        return [n for n in self.nodes if n.process is not None]

    def start(self, timeout: float = 60) -> RedisCluster:
        for node in self.nodes:
            node.start()  # picks another port (and bus port) if one was taken meanwhile
        assert REDIS_CLI is not None
        subprocess.run(
            [REDIS_CLI, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in self.nodes),
             "--cluster-replicas", "1", "--cluster-yes"],
            check=True, capture_output=True, timeout=timeout,
        )
        self.wait_ok(timeout, replicas=len(self.nodes) // 2)
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def info(self, node: RedisServer) -> dict[str, str]:
        text = node.command("CLUSTER", "INFO").decode(errors="replace")
        return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)

    def topology(self, node: RedisServer) -> list[list[str]]:
        """CLUSTER NODES as rows: id, address, flags, master id, ..., slots."""
        text = self._bulk(node.command("CLUSTER", "NODES"))
        return [line.split() for line in text.splitlines() if line.strip()]

    def wait_ok(self, timeout: float = 60, replicas: int = 0) -> None:
        """Until every live node says cluster_state:ok and `replicas` replicas are up."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                states = [self.info(n).get("cluster_state") for n in self.alive()]
                rows = self.topology(self.alive()[0])
                attached = sum(1 for r in rows if "slave" in r[2] and "fail" not in r[2]
                               and r[7] == "connected")
                if all(s == "ok" for s in states) and attached >= replicas:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster not ok within {timeout} s: {states}")
            time.sleep(0.1)

    def master_of(self, key: str) -> RedisServer:
        slot = int(self.alive()[0].command("CLUSTER", "KEYSLOT", key).strip()[1:])
        for row in self.topology(self.alive()[0]):
            if "master" not in row[2] or "fail" in row[2]:
                continue
            for part in row[8:]:
                low, _, high = part.partition("-")
                if part[0] != "[" and int(low) <= slot <= int(high or low):
                    return self._node_at(row[1])
        raise RuntimeError(f"no master holds slot {slot}")

    def kill_master_of(self, key: str, timeout: float = 60) -> RedisServer:
        """SIGKILL the master of key's slot, promote its replica; returns the new master."""
        master = self.master_of(key)
        master_id = next(r[0] for r in self.topology(master) if "myself" in r[2])
        replica = next(self._node_at(r[1]) for r in self.topology(master)
                       if r[3] == master_id)
        master.stop()
        deadline = time.monotonic() + timeout
        # FORCE: the master cannot agree any more; the other masters vote.
        while b"+OK" not in replica.command("CLUSTER", "FAILOVER", "FORCE"):
            assert time.monotonic() < deadline, "the replica refused to take over"
            time.sleep(0.2)
        while "master" not in next(r[2] for r in self.topology(replica) if "myself" in r[2]):
            assert time.monotonic() < deadline, "the replica was not promoted"
            time.sleep(0.1)
        self.wait_ok(timeout)
        return replica

    def _node_at(self, address: str) -> RedisServer:
        port = int(address.split("@")[0].rsplit(":", 1)[1])
        return next(n for n in self.nodes if n.port == port)

    @staticmethod
    def _bulk(reply: bytes) -> str:
        text = reply.decode(errors="replace")
        return text.split("\r\n", 1)[1] if text.startswith("$") else text

    def __enter__(self) -> RedisCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    """One cluster for the tests that only read and write (each under its own key prefix);
    tests that kill a node start their own."""
    with RedisCluster(tmp_path_factory.mktemp("redis-cluster")) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def valkey_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    """The same, of Valkey servers (redis-cli joins them: the protocol is the same)."""
    binary = require_valkey_server()
    with RedisCluster(tmp_path_factory.mktemp("valkey-cluster"), binary=binary) as cluster:
        yield cluster


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}:"
