"""A client that stops reading is closed with 1013 once its bounded outbox is full."""

from __future__ import annotations

import asyncio

from pycrdt import Text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import ServerFactory
from sprankel import status
from sprankel.sync import protocol
from yclient import YClient


async def test_stalled_reader_is_closed_and_others_keep_going(
    start_server: ServerFactory,
) -> None:
    # The writer sends 4000 updates as fast as it can: a flood the message limit would
    # close (test_limits.py); here only the outbox matters.
    server = start_server("--open-documents", "--outbox-limit", "262144",
                          "--ws-messages-per-s", "0")
    url = server.ws_url + "/slow"
    # max_queue=1 and no reads: websockets stops reading the socket, TCP backs up.
    stalled = await connect(url, max_queue=1, compression=None, max_size=None)
    await stalled.send(protocol.create_sync_step1_message(b"\x00"))
    writer = await YClient(url).connect()
    reader = await YClient(url).connect()
    chunk = "x" * 2000
    total = 0
    for _ in range(200):  # 8 MB: far beyond socket buffers plus the outbox limit
        for _ in range(20):
            await writer.change(lambda d: d.get("t", type=Text).insert(0, chunk))
            total += len(chunk)
        # Healthy clients keep up: only the stalled one falls behind.
        await reader.wait_for(
            lambda total=total: len(str(reader.doc.get("t", type=Text))) == total, timeout=30
        )
        if stalled.close_code is not None or stalled.state.name == "CLOSING":
            break

    async def closed_code() -> int | None:
        try:
            async for _ in stalled:  # drain what was queued before the close frame
                pass
        except ConnectionClosed:
            pass
        return stalled.close_code

    assert await asyncio.wait_for(closed_code(), 30) == status.CLOSE_TRY_AGAIN_LATER
    assert writer.close_code is None and reader.close_code is None
    await stalled.close()
    await writer.close()
    await reader.close()
