"""Awareness is coalesced per client id within an event-loop turn: older states of a
client may be skipped, but the newest state of every client always arrives, and a
peer never receives an older state after a newer one."""

from __future__ import annotations

import asyncio
import json

from server_process import ServerProcess
from sprankel.sync import protocol
from yclient import YClient

STATES = 40


def clocks_seen(client: YClient) -> dict[int, list[int]]:
    """Per client id, the clocks of the awareness entries the client received, in order."""
    seen: dict[int, list[int]] = {}
    for frame in client.received:
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.AwarenessMessage):
            for entry in protocol.decode_awareness(message.payload):
                seen.setdefault(entry.client_id, []).append(entry.clock)
    return seen


async def move_cursor(client: YClient) -> None:
    # As fast as the socket takes them: many land in one turn of the server's loop.
    for n in range(1, STATES + 1):
        await client.set_awareness({"cursor": {"x": n, "y": -n}, "n": n})


async def test_the_newest_cursor_of_every_client_arrives(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/sessions/cursors/whiteboard"
    movers = [await YClient(url).connect() for _ in range(3)]
    observer = await YClient(url).connect()
    await asyncio.gather(*(move_cursor(m) for m in movers))
    for mover in movers:
        await observer.wait_for(
            lambda m=mover: (observer.awareness.get(m.client_id) or {}).get("n") == STATES,
            timeout=30)
        assert observer.awareness[mover.client_id]["cursor"] == {"x": STATES, "y": -STATES}
    seen = clocks_seen(observer)
    for mover in movers:
        clocks = seen[mover.client_id]
        assert clocks == sorted(set(clocks)), "an older state after a newer one"
        assert clocks[-1] == STATES
    # The sender's own echo ends at its newest state too (it keeps its socket alive).
    for mover in movers:
        await mover.wait_for(lambda m=mover: (m.awareness.get(m.client_id) or {}).get("n")
                             == STATES, timeout=30)
    for client in [*movers, observer]:
        await client.close()


async def test_a_removal_after_a_state_in_one_turn_arrives_as_the_removal(
    open_server: ServerProcess,
) -> None:
    url = open_server.ws_url + "/sessions/cursor-leave/whiteboard"
    leaver = await YClient(url).connect()
    observer = await YClient(url).connect()
    await leaver.set_awareness({"n": 1})
    await leaver.set_awareness(None)  # the client says goodbye itself
    await observer.wait_for(lambda: leaver.client_id in observer.awareness
                            and observer.awareness[leaver.client_id] is None, timeout=30)
    assert json.dumps(observer.awareness[leaver.client_id]) == "null"
    await leaver.close()
    await observer.close()
