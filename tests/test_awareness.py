"""Awareness (names, cursors) reaches every connection and disappears with its client."""

from __future__ import annotations

from server_process import ServerProcess
from sprankel.sync import protocol
from yclient import YClient


async def test_awareness_reaches_others_and_the_sender(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/sessions/aw/board"
    a = await YClient(url).connect()
    b = await YClient(url).connect()
    await a.set_awareness({"user": {"name": "Zoë Ørsted", "color": "#0a7"}, "cursor": [1, 2]})
    await b.wait_for(lambda: a.client_id in b.awareness)
    assert b.awareness[a.client_id]["user"]["name"] == "Zoë Ørsted"
    # Echoed to the sender too: the y-websocket client closes a socket silent for 30 s.
    await a.wait_for(lambda: a.client_id in a.awareness)
    await a.close()
    await b.close()


async def test_late_joiner_gets_current_awareness(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/aw-late"
    a = await YClient(url).connect()
    await a.set_awareness({"user": {"name": "Ängel"}})
    await a.wait_for(lambda: a.client_id in a.awareness)
    late = await YClient(url).connect()
    await late.wait_for(lambda: a.client_id in late.awareness)
    assert late.awareness[a.client_id] == {"user": {"name": "Ängel"}}
    await a.close()
    await late.close()


async def test_leaving_client_is_removed_for_the_others(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/aw-leave"
    a = await YClient(url).connect()
    b = await YClient(url).connect()
    await a.set_awareness({"user": {"name": "weg"}})
    await b.wait_for(lambda: b.awareness.get(a.client_id) is not None)
    await a.close()  # closes without saying goodbye in awareness
    await b.wait_for(lambda: a.client_id in b.awareness and b.awareness[a.client_id] is None)
    await b.close()


async def test_query_awareness_is_answered(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/aw-query"
    a = await YClient(url).connect()
    b = await YClient(url).connect()
    await a.set_awareness({"user": {"name": "a"}})
    await b.wait_for(lambda: a.client_id in b.awareness)
    seen = len(b.received)
    await b.send_raw(bytes([protocol.MESSAGE_QUERY_AWARENESS]))
    await b.wait_for(lambda: len(b.received) > seen)
    reply = protocol.decode_message(b.received[seen])
    assert isinstance(reply, protocol.AwarenessMessage)
    assert [e.client_id for e in protocol.decode_awareness(reply.payload)] == [a.client_id]
    await a.close()
    await b.close()
