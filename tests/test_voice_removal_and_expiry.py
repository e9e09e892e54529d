"""Removal and token expiry reach the voice sockets: a member removed from a space, or a
participant removed from a session, is stood up and their voice socket closes (4403) at
once; a voice socket whose token expires while it is open closes with 4401 (real server,
real WebSocket clients)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api_harness import Api
from conftest import ServerFactory
from sprankel import status
from voice_client import VoiceClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server())
    yield client
    await client.aclose()


@pytest.fixture
async def opened() -> AsyncIterator[list[VoiceClient]]:
    clients: list[VoiceClient] = []
    yield clients
    for client in clients:
        await client.close()


async def _open(opened: list[VoiceClient], api: Api, place: str, token: str | None,
                kind: str = "spaces") -> VoiceClient:
    client = await VoiceClient.open(api.server, place, token, kind)
    opened.append(client)
    return client


async def _space(api: Api) -> tuple[str, str, str, str]:
    """A space of Kim (its creator) and Lex: the space, Kim's token, Lex's id and token."""
    created = await api.call("POST", "/spaces", body={"name": "Team", "your_name": "Kim"},
                             expect=201)
    joined = await api.call("POST", f"/spaces/{created['id']}/members", body={"name": "Lex"},
                            expect=201)
    return created["id"], created["token"], joined["member_id"], joined["token"]


async def test_a_removed_member_is_stood_up_and_their_voice_socket_closes(
        api: Api, opened: list[VoiceClient]) -> None:
    space, kim_token, lex_id, lex_token = await _space(api)
    kim = await _open(opened, api, space, kim_token)
    lex = await _open(opened, api, space, lex_token)
    assert (await kim.sit())["type"] == "seated"
    assert (await lex.sit())["type"] == "seated"
    await kim.tables(lambda t: t == {"koffietafel": ["Kim", "Lex"]})

    await api.call("DELETE", f"/spaces/{space}/members/{lex_id}", kim_token, expect=204)
    code, reason = await lex.closed()
    assert code == status.CLOSE_FORBIDDEN and "removed" in reason
    await kim.tables(lambda t: t == {"koffietafel": ["Kim"]})
    # Kim stays at the table, and Lex cannot come back with the old token.
    assert kim.ws.close_code is None
    again = await _open(opened, api, space, lex_token)
    assert (await again.closed())[0] == status.CLOSE_UNAUTHORIZED


async def test_a_removed_participant_leaves_the_hallway_at_once(
        api: Api, opened: list[VoiceClient]) -> None:
    sid, facilitator, code = await api.create()
    zoe = await api.join(sid, code, "Zoë")
    ann = await api.join(sid, code, "Ann")
    f = await _open(opened, api, sid, facilitator.token, "sessions")
    z = await _open(opened, api, sid, zoe.token, "sessions")
    a = await _open(opened, api, sid, ann.token, "sessions")
    for client in (f, z, a):
        assert (await client.sit("gang"))["type"] == "seated"
    await f.tables(lambda t: len(t.get("gang", [])) == 3)

    await api.call("DELETE", f"/sessions/{sid}/participants/{zoe.id}", facilitator.token,
                   expect=204)
    closed_with, reason = await z.closed()
    assert closed_with == status.CLOSE_FORBIDDEN and "removed" in reason
    await f.tables(lambda t: len(t.get("gang", [])) == 2 and "Zoë" not in t["gang"])
    assert a.ws.close_code is None  # only hers


async def test_a_voice_socket_closes_with_4401_when_its_token_expires(
        start_server: ServerFactory, opened: list[VoiceClient]) -> None:
    # Tokens of about five seconds: the test waits for the closes, it does not sleep.
    api = Api(start_server("--member-token-days", "0.00006",
                           "--token-lifetime-hours", "0.0015"))
    try:
        space, kim_token, _, _ = await _space(api)
        # Every visit renews the member token: open the socket with a fresh one.
        fresh = (await api.call("GET", f"/spaces/{space}", kim_token, expect=200))["token"]
        kim = await _open(opened, api, space, fresh)
        assert (await kim.sit())["type"] == "seated"
        code, reason = await kim.closed(timeout=30)
        assert code == status.CLOSE_UNAUTHORIZED and "expired" in reason
        again = await _open(opened, api, space, fresh)
        assert (await again.closed())[0] == status.CLOSE_UNAUTHORIZED
        # The seat went with the socket: a newcomer finds the table empty.
        joined = await api.call("POST", f"/spaces/{space}/members", body={"name": "Lex"},
                                expect=201)
        lex = await _open(opened, api, space, joined["token"])
        await lex.tables(lambda t: t == {"koffietafel": []})

        sid, facilitator, _ = await api.create()
        hallway = await _open(opened, api, sid, facilitator.token, "sessions")
        await hallway.tables(lambda t: "gang" in t)
        code, reason = await hallway.closed(timeout=30)
        assert code == status.CLOSE_UNAUTHORIZED and "expired" in reason
    finally:
        await api.aclose()
