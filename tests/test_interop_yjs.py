"""The stock Yjs client from npm (yjs 13 + y-websocket 3 in Node.js) works with the server."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from pycrdt import Map

from server_process import ServerProcess
from yclient import YClient

NODE_DIR = Path(__file__).parent / "node"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(
        shutil.which("node") is None or not (NODE_DIR / "node_modules" / "yjs").exists(),
        reason="needs Node.js and `npm ci` in tests/node (the test command does both)",
    ),
]


async def run_node_client(server: ServerProcess, room: str, name: str, count: int,
                          expected: int) -> dict[str, list[str]]:
    process = await asyncio.create_subprocess_exec(
        "node", "interop.mjs", server.ws_url, room, name, str(count), str(expected),
        cwd=NODE_DIR, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    result: dict[str, list[str]] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def test_two_node_clients_share_a_document(open_server: ServerProcess) -> None:
    room = "sessions/node/board"
    a, b = await asyncio.gather(
        run_node_client(open_server, room, "ada", 5, 10),
        run_node_client(open_server, room, "bob", 5, 10),
    )
    expected = sorted([f"ada-{i}" for i in range(5)] + [f"bob-{i}" for i in range(5)])
    assert a["keys"] == b["keys"] == expected
    assert a["names"] == b["names"] == ["ada", "bob"]


async def test_node_client_and_python_client_converge(open_server: ServerProcess) -> None:
    room = "sessions/mixed/board"
    python = await YClient(f"{open_server.ws_url}/{room}").connect()
    await python.set_awareness({"user": {"name": "Zoë"}})
    await python.change(lambda d: d.get("ideas", type=Map).__setitem__("py-0", "from Python"))
    node = asyncio.create_task(run_node_client(open_server, room, "node", 3, 4))
    await python.wait_for(lambda: len(python.doc.get("ideas", type=Map)) == 4, timeout=30)
    result = await node
    assert result["keys"] == sorted(python.doc.get("ideas", type=Map).keys())
    assert sorted(result["names"]) == ["Zoë", "node"]  # non-ASCII names arrive intact
    await python.close()
