"""Awareness under the server's rules, written as the attacks they stop.

Each attack comes from a real participant or observer of a real session; a bystander
stays connected throughout and must see nothing of the attack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api_harness import Api, Member, session_of_four
from conftest import ServerFactory
from redis_server import RedisServer, start_processes
from sprankel import status
from sprankel.sync import protocol
from yclient import YClient

STATE_LIMIT = 16 * 1024




async def _board(api: Api, sid: str, who: Member) -> YClient:
    return await api.ws(f"sessions/{sid}/board", who.token).connect()


def _message(*entries: tuple[int, int, bytes]) -> bytes:
    return protocol.encode_awareness([protocol.encode_awareness_entry(*e) for e in entries])


def _strict_json(text: bytes) -> Any:
    """What a browser's JSON.parse accepts, and nothing more."""
    def refuse(name: str) -> Any:
        raise ValueError(name)

    value = json.loads(text.decode("utf-8"), parse_constant=refuse)
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    return value


def _awareness_states(client: YClient) -> list[tuple[int, bytes]]:
    out = []
    for frame in client.received:
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.AwarenessMessage):
            out += [(e.client_id, e.state) for e in protocol.decode_awareness(message.payload)]
    return out


async def _refused(attacker: YClient, frame: bytes) -> tuple[int | None, str]:
    await attacker.send_raw(frame)
    code = await attacker.wait_closed()
    return code, attacker.close_reason


async def test_290000_client_ids_in_one_message_are_refused_and_nothing_is_relayed(
        api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    attacker = await _board(api, sid, ann)
    flood = _message(*[(i, 1, b"{}") for i in range(1, 290_001)])
    code, reason = await _refused(attacker, flood)
    assert code == status.CLOSE_POLICY_VIOLATION
    assert "entries" in reason
    await bystander.set_awareness({"cursor": [1, 2]})
    await bystander.wait_for(lambda: bystander.client_id in bystander.awareness)
    assert set(bystander.awareness) == {bystander.client_id}
    assert not bystander.closed.is_set()
    await bystander.close()


async def test_a_state_of_1_9_mb_is_refused(api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    attacker = await _board(api, sid, ann)
    huge = json.dumps({"pad": "x" * 1_900_000}).encode()
    code, reason = await _refused(attacker, _message((4242, 1, huge)))
    assert code == status.CLOSE_POLICY_VIOLATION
    assert "bytes" in reason
    late = await _board(api, sid, bob)
    assert all(cid != 4242 for cid, _ in _awareness_states(late))
    assert 4242 not in bystander.awareness and not bystander.closed.is_set()
    await late.close()
    await bystander.close()


async def test_joiners_never_get_a_huge_snapshot(api: Api) -> None:
    sid, _, code = await api.create()
    bob = await api.join(sid, code, "Bob")
    bystander = await _board(api, sid, bob)
    members = [await api.join(sid, code, f"P{i}") for i in range(5)]
    full = json.dumps({"pad": "y" * (STATE_LIMIT - 20)}).encode()
    clients = []
    for n, member in enumerate(members):
        client = await _board(api, sid, member)
        clients.append(client)
        # Each keeps its four ids at the size limit; a fifth id closes it.
        await client.send_raw(_message(*[(10_000 + 10 * n + k, 1, full) for k in range(4)]))
        await bystander.wait_for(lambda n=n: 10_000 + 10 * n + 3 in bystander.awareness)
        closed, _ = await _refused(client, _message((10_000 + 10 * n + 5, 1, full + full)))
        assert closed == status.CLOSE_POLICY_VIOLATION
    # Five connections published 20 states at the limit: what a joiner could ever get is
    # bounded by connections x ids x state size, never by what clients try to send.
    late = await _board(api, sid, bob)
    snapshot = sum(len(frame) for frame in late.received
                   if isinstance(protocol.decode_message(frame), protocol.AwarenessMessage))
    assert snapshot <= len(members) * 4 * (STATE_LIMIT + 512)
    assert not bystander.closed.is_set()
    await late.close()
    await bystander.close()


async def test_too_many_client_ids_on_one_connection_are_refused(api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    attacker = await _board(api, sid, ann)
    code, reason = await _refused(attacker, _message(*[(900 + i, 1, b"{}") for i in range(5)]))
    assert code == status.CLOSE_POLICY_VIOLATION and "client ids" in reason
    assert not any(900 <= cid < 905 for cid, _ in _awareness_states(bystander))
    assert not bystander.closed.is_set()
    await bystander.close()


async def test_an_observer_publishing_awareness_on_the_control_document_is_refused(
        api: Api) -> None:
    sid, _, _, bob, obs = await session_of_four(api)
    bystander = await api.ws(f"sessions/{sid}/control", bob.token).connect()
    observer = await api.ws(f"sessions/{sid}/control", obs.token).connect()
    code, reason = await _refused(observer, _message((777, 1, b'{"cursor":[1,2]}')))
    assert code == status.CLOSE_POLICY_VIOLATION and "no awareness" in reason
    # Participants neither: the control document is the server's.
    participant = await api.ws(f"sessions/{sid}/control", bob.token).connect()
    code, _ = await _refused(participant, _message((778, 1, b"{}")))
    assert code == status.CLOSE_POLICY_VIOLATION
    assert _awareness_states(bystander) == [] and not bystander.closed.is_set()
    await bystander.close()


async def test_an_observer_may_show_a_cursor_on_the_board(api: Api) -> None:
    sid, _, _, bob, obs = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    observer = await _board(api, sid, obs)
    await observer.set_awareness({"pointer": {"x": 3, "y": 4}})
    await bystander.wait_for(lambda: observer.client_id in bystander.awareness)
    state = bystander.awareness[observer.client_id]
    assert state["pointer"] == {"x": 3, "y": 4}
    assert state["user"]["role"] == "observer" and state["user"]["name"] == "Olga"
    await observer.close()
    await bystander.close()


async def test_spoofing_another_connections_client_id_is_refused_and_the_victim_keeps_its_state(
        api: Api) -> None:
    sid, f, ann, bob, _ = await session_of_four(api)
    victim = await _board(api, sid, f)
    bystander = await _board(api, sid, bob)
    await victim.set_awareness({"cursor": [1, 1]})
    await bystander.wait_for(lambda: victim.client_id in bystander.awareness)
    attacker = await _board(api, sid, ann)
    # A removal of someone else's id is dropped (the stock client sends such removals
    # for peers it timed out): the attacker stays, the victim stays.
    await attacker.send_raw(_message((victim.client_id, 50, b"null")))
    # The same state at the same clock is what stock clients relay: dropped as well.
    held = dict(_awareness_states(attacker))[victim.client_id]
    await attacker.send_raw(_message((victim.client_id, 1, held)))
    code, reason = await _refused(attacker, _message(
        (victim.client_id, 99, b'{"user":{"name":"Ann","role":"facilitator"},"cursor":[9,9]}')))
    assert code == status.CLOSE_POLICY_VIOLATION and "another connection" in reason
    assert bystander.awareness[victim.client_id]["cursor"] == [1, 1]
    assert bystander.awareness[victim.client_id]["user"]["role"] == "facilitator"
    late = await _board(api, sid, bob)
    await late.wait_for(lambda: victim.client_id in late.awareness)
    assert late.awareness[victim.client_id]["cursor"] == [1, 1]
    assert not bystander.closed.is_set() and not victim.closed.is_set()
    for client in (late, bystander, victim):
        await client.close()


async def test_a_participant_posing_as_the_facilitator_is_relayed_with_the_server_stamped_user(
        api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    poser = await _board(api, sid, ann)
    await poser.set_awareness({"user": {"id": "someone-else", "name": "De Facilitator",
                                        "role": "facilitator", "color": "#000000"},
                               "typing": True})
    await bystander.wait_for(lambda: poser.client_id in bystander.awareness)
    state = bystander.awareness[poser.client_id]
    assert state["typing"] is True
    assert state["user"]["id"] == ann.id
    assert state["user"]["name"] == "Ann"
    assert state["user"]["role"] == "participant"
    raw = dict(_awareness_states(bystander))[poser.client_id]
    assert b"De Facilitator" not in raw and b"someone-else" not in raw
    await poser.close()
    await bystander.close()


@pytest.mark.parametrize("state", [
    b'{"x":NaN}', b'{"x":Infinity}', b'{"x":-Infinity}', b'{"x":"\\ud800"}',
    b'{"x":"\\udfff tail"}', b'{"x":"\xff"}', b"[1,2]", b'"just text"', b"42", b"true",
    b"{not json",
], ids=["nan", "infinity", "minus-infinity", "lone-high-surrogate", "lone-low-surrogate",
        "invalid-utf8", "array", "string", "number", "boolean", "garbage"])
async def test_states_a_browser_cannot_parse_are_refused_and_joiners_get_only_valid_json(
        api: Api, state: bytes) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    await bystander.set_awareness({"cursor": [0, 0]})
    attacker = await _board(api, sid, ann)
    code, _ = await _refused(attacker, _message((31337, 1, state)))
    assert code == status.CLOSE_INVALID_PAYLOAD
    late = await _board(api, sid, bob)
    await late.wait_for(lambda: bystander.client_id in late.awareness)
    for client in (late, bystander):
        for client_id, text in _awareness_states(client):
            assert client_id != 31337
            assert text == b"null" or isinstance(_strict_json(text), dict)
    assert not bystander.closed.is_set()
    await late.close()
    await bystander.close()


@pytest.mark.redis
async def test_spoofing_a_client_id_owned_in_another_process_is_refused(
        tmp_path: Path, start_server: ServerFactory) -> None:
    with RedisServer(tmp_path / "redis") as redis:
        first, second = start_processes(start_server, redis, 2)
        name = "sessions/aw-spoof/board"
        victim = await YClient(f"{first.ws_url}/{name}").connect()
        bystander = await YClient(f"{second.ws_url}/{name}").connect()
        await victim.set_awareness({"cursor": [5, 5]})
        await bystander.wait_for(lambda: victim.client_id in bystander.awareness)
        attacker = await YClient(f"{second.ws_url}/{name}").connect()
        await attacker.wait_for(lambda: victim.client_id in attacker.awareness)
        code, reason = await _refused(attacker, _message((victim.client_id, 40,
                                                          b'{"cursor":[6,6]}')))
        assert code == status.CLOSE_POLICY_VIOLATION and "another connection" in reason
        assert bystander.awareness[victim.client_id] == {"cursor": [5, 5]}
        assert not bystander.closed.is_set() and not victim.closed.is_set()
        await victim.close()
        await bystander.wait_for(lambda: bystander.awareness.get(victim.client_id, 0) is None)
        await bystander.close()
        for server in (first, second):
            server.stop()


async def test_a_reconnecting_tab_takes_its_client_id_back_before_the_old_socket_closes(
        api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    old = await _board(api, sid, ann)
    await old.set_awareness({"cursor": [1, 1]})
    await bystander.wait_for(lambda: old.client_id in bystander.awareness)
    # The same tab (the same Y.Doc, so the same client id) on a new socket, the old one
    # still open: its first message is its state at the clock it had.
    new = await YClient(f"{api.server.ws_url}/sessions/{sid}/board?token={ann.token}",
                        client_id=old.client_id).connect()
    await new.send_raw(_message((old.client_id, 1, b'{"cursor":[1,1]}')))
    await new.send_raw(_message((old.client_id, 2, b'{"cursor":[2,2]}')))
    await bystander.wait_for(lambda: bystander.awareness[old.client_id]["cursor"] == [2, 2])
    await old.close()  # the old socket no longer owns the id: no removal for it
    late = await _board(api, sid, bob)
    await late.wait_for(lambda: old.client_id in late.awareness)
    assert late.awareness[old.client_id]["cursor"] == [2, 2]
    assert bystander.awareness[old.client_id] is not None
    assert not new.closed.is_set() and not bystander.closed.is_set()
    for client in (late, new, bystander):
        await client.close()


async def test_a_tab_relaying_its_sibling_tabs_state_neither_takes_it_nor_is_closed(
        api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    bystander = await _board(api, sid, bob)
    first, second = await _board(api, sid, ann), await _board(api, sid, ann)
    await first.set_awareness({"tab": 1})
    await second.set_awareness({"tab": 2})
    await first.wait_for(lambda: second.client_id in first.awareness)
    # The stock client sends back what it receives: the sibling's state, same clock.
    held = dict(_awareness_states(first))[second.client_id]
    await first.send_raw(_message((second.client_id, 1, held)))
    await first.close()
    await bystander.wait_for(lambda: bystander.awareness.get(first.client_id, 0) is None)
    assert bystander.awareness[second.client_id]["tab"] == 2
    assert not second.closed.is_set()
    for client in (second, bystander):
        await client.close()
