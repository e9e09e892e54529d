"""When the store refuses a write, clients are told to reconnect and nothing is lost."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from pycrdt import Map

from server_process import free_port
from sprankel import status
from sprankel.app import create_app
from sprankel.config import Settings
from sprankel.store.sqlite import SQLiteStore
from yclient import YClient


class FlakyStore(SQLiteStore):
    """The real SQLite store with a switch that makes appends fail, like a full disk."""

    failing = False

    async def append(self, name: str, update: bytes) -> None:
        if self.failing:
            raise OSError(28, "No space left on device")
        await super().append(name, update)


@pytest.fixture
async def flaky_server(tmp_path: Path) -> AsyncIterator[tuple[str, FlakyStore]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", free_port()))  # held from here on: nobody can take it meanwhile
    settings = Settings(open_documents=True, data_dir=tmp_path, port=sock.getsockname()[1],
                        room_grace_s=60)
    store = FlakyStore(settings.database_path)
    app = create_app(settings, store=store)
    config = uvicorn.Config(app, port=settings.port, ws="websockets-sansio", log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{settings.port}/ws", store
    server.should_exit = True
    await task
    sock.close()


async def test_failed_append_closes_with_1011_and_edits_arrive_after_reconnect(
    flaky_server: tuple[str, FlakyStore],
) -> None:
    url, store = flaky_server
    writer = await YClient(url + "/disk").connect()
    await writer.change(lambda d: d.get("ideas", type=Map).__setitem__("kept", 1))
    await writer.wait_for(lambda: len(writer.received) >= 3)  # its own update echoed: stored

    store.failing = True
    await writer.change(lambda d: d.get("ideas", type=Map).__setitem__("during", 2))
    assert await writer.wait_closed() == status.CLOSE_INTERNAL_ERROR
    await writer.close()

    # The client still holds its edit; after the store recovers, a reconnect
    # (the y-websocket client does it by itself) sends it again in sync step 2.
    store.failing = False
    again = YClient(url + "/disk", doc=writer.doc)
    await again.connect()
    reader = await YClient(url + "/disk").connect()
    await reader.wait_for(lambda: reader.doc.get("ideas", type=Map).to_py() == {
        "kept": 1.0, "during": 2.0})
    await again.close()
    await reader.close()
