"""A session's hallway ("gang"): open before the first round and after the end, the
facilitator opens or closes it, and closing it stands everyone up (real server, sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api_harness import Api
from conftest import ServerFactory
from sprankel import status
from voice_client import VoiceClient

SDP = "v=0\r\n"


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server())
    yield client
    await client.aclose()


async def test_the_hallway_is_open_around_a_session_and_the_facilitator_decides(
        api: Api) -> None:
    sid, facilitator, code = await api.create()
    zoe = await api.join(sid, code, "Zoë")
    f = await VoiceClient.open(api.server, sid, facilitator.token, "sessions")
    z = await VoiceClient.open(api.server, sid, zoe.token, "sessions")
    try:
        await z.tables(lambda t: t == {"gang": []})
        f_seat = await f.sit("gang")
        z_seat = await z.sit("gang")
        assert [p["seat"] for p in z_seat["peers"]] == [f_seat["seat"]]
        await z.send({"type": "signal", "to": f_seat["seat"], "kind": "offer", "sdp": SDP})
        await f.wait_for(lambda m: m.get("kind") == "offer")

        # A participant may not close it; the facilitator may, and everyone stands up.
        await api.call("PUT", f"/sessions/{sid}/hallway", zoe.token, {"open": False},
                       expect=403)
        assert await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token,
                              {"open": False}, expect=200) == {"open": False,
                                                               "override": False}
        await z.wait_for(lambda m: m.get("type") == "left")
        await f.tables(lambda t: t == {})
        assert (await z.sit("gang"))["error"] == "not_found"

        # Back to the rule: open before the first round starts ...
        await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token, {"open": None},
                       expect=200)
        await z.tables(lambda t: t == {"gang": []})
        assert (await z.sit("gang"))["type"] == "seated"
        # ... and closed while it runs (every process hears the session's event).
        rid = await api.round(sid, facilitator)
        await api.act(sid, facilitator, rid, "start")
        await z.wait_for(lambda m: m.get("type") == "left", timeout=30)
        await z.tables(lambda t: t == {})
        await api.call("POST", f"/sessions/{sid}/end", facilitator.token, expect=200)
        await z.tables(lambda t: t == {"gang": []}, timeout=30)
    finally:
        await f.close()
        await z.close()


async def test_a_choice_holds_for_its_phase_the_start_closes_and_the_end_opens(
        api: Api) -> None:
    sid, facilitator, code = await api.create()
    zoe = await api.join(sid, code, "Zoë")
    z = await VoiceClient.open(api.server, sid, zoe.token, "sessions")
    try:
        # Opened by hand before the start: the start still closes it.
        await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token, {"open": True},
                       expect=200)
        rid = await api.round(sid, facilitator)
        await api.act(sid, facilitator, rid, "start")
        await z.tables(lambda t: t == {})
        # Opened for a break during the session, then closed again: the end opens it.
        assert await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token,
                              {"open": True}, expect=200) == {"open": True, "override": True}
        await z.tables(lambda t: t == {"gang": []})
        await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token, {"open": False},
                       expect=200)
        await z.tables(lambda t: t == {})
        await api.call("POST", f"/sessions/{sid}/end", facilitator.token, expect=200)
        await z.tables(lambda t: t == {"gang": []})
        # After the end the facilitator may still close it.
        await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token, {"open": False},
                       expect=200)
        await z.tables(lambda t: t == {})
    finally:
        await z.close()


@pytest.mark.parametrize("body", [{}, {"open": "yes"}, {"open": 0}, {"open": 1},
                                  {"open": True, "x": 1}, []])
async def test_bad_hallway_bodies_are_refused(api: Api, body: object) -> None:
    sid, facilitator, _ = await api.create()
    await api.call("PUT", f"/sessions/{sid}/hallway", facilitator.token, body, expect=422)


async def test_only_the_session_s_people_reach_its_hallway(api: Api) -> None:
    sid, _, _ = await api.create()
    _, stranger, _ = await api.create()
    client = await VoiceClient.open(api.server, sid, stranger.token, "sessions")
    assert (await client.closed())[0] == status.CLOSE_UNAUTHORIZED
    client = await VoiceClient.open(api.server, sid, None, "sessions")
    assert (await client.closed())[0] == status.CLOSE_UNAUTHORIZED
