"""Voice tables: the signalling socket relays offers, answers and ICE candidates only
between seats of one table, on one process and across two with Redis, and refuses
everything else with a clear close code (real servers, real WebSocket clients)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from conftest import ServerFactory
from redis_server import RedisServer
from server_process import ServerProcess
from sprankel import status
from sprankel.voice.signals import MAX_CANDIDATE, MAX_MESSAGE, MAX_SDP
from voice_client import VoiceClient, add_table, new_space

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
             "sdpMid": "0", "sdpMLineIndex": 0}


@pytest.fixture
def server(start_server: ServerFactory) -> ServerProcess:
    return start_server("--voice-messages-per-s", "20")


@pytest.fixture
async def opened() -> AsyncIterator[list[VoiceClient]]:
    clients: list[VoiceClient] = []
    yield clients
    for client in clients:
        await client.close()


async def _open(opened: list[VoiceClient], server: ServerProcess, space: str,
                token: str | None) -> VoiceClient:
    client = await VoiceClient.open(server, space, token)
    opened.append(client)
    return client


async def test_two_members_sit_down_and_their_signals_reach_each_other(
        server: ServerProcess, opened: list[VoiceClient]) -> None:
    space, [(ada_id, ada_token), (_, zoe_token)] = await new_space(server, "Ada", "Zoë")
    ada = await _open(opened, server, space, ada_token)
    zoe = await _open(opened, server, space, zoe_token)
    assert await zoe.tables(lambda t: t == {"koffietafel": []})

    seated = await ada.sit()
    assert seated["type"] == "seated" and seated["peers"] == [] and seated["table"] == \
        "koffietafel"
    # Everyone in the space sees who sits where, without sitting down.
    await zoe.tables(lambda t: t == {"koffietafel": ["Ada"]})

    zoe_seat = await zoe.sit()
    assert [p["seat"] for p in zoe_seat["peers"]] == [seated["seat"]]
    assert zoe_seat["peers"][0]["member"] == ada_id
    await ada.tables(lambda t: t == {"koffietafel": ["Ada", "Zoë"]})

    # The newcomer calls; the relay says who it is from.
    await zoe.send({"type": "signal", "to": seated["seat"], "kind": "offer", "sdp": SDP})
    offer = await ada.wait_for(lambda m: m.get("type") == "signal")
    assert offer == {"type": "signal", "from": zoe_seat["seat"], "member": offer["member"],
                     "name": "Zoë", "kind": "offer", "sdp": SDP}
    await ada.send({"type": "signal", "to": zoe_seat["seat"], "kind": "answer", "sdp": SDP})
    await ada.send({"type": "signal", "to": zoe_seat["seat"], "kind": "candidate",
                    "candidate": CANDIDATE})
    await zoe.wait_for(lambda m: m.get("kind") == "answer" and m["from"] == seated["seat"])
    candidate = await zoe.wait_for(lambda m: m.get("kind") == "candidate")
    assert candidate["candidate"] == CANDIDATE

    # Mute shows in the view; leaving empties the chair.
    await ada.send({"type": "state", "muted": True, "camera": False})
    await zoe.wait_for(lambda m: m.get("type") == "tables" and any(
        s["muted"] for s in m["tables"][0]["sitting"] if s["name"] == "Ada"))
    await ada.send({"type": "leave"})
    await ada.wait_for(lambda m: m.get("type") == "left")
    await zoe.tables(lambda t: t == {"koffietafel": ["Zoë"]})


async def test_a_closed_socket_gives_up_its_seat(server: ServerProcess,
                                                  opened: list[VoiceClient]) -> None:
    space, [(_, ada_token), (_, zoe_token)] = await new_space(server, "Ada", "Zoë")
    ada = await _open(opened, server, space, ada_token)
    zoe = await _open(opened, server, space, zoe_token)
    await ada.sit()
    await zoe.tables(lambda t: t == {"koffietafel": ["Ada"]})
    await ada.close()
    await zoe.tables(lambda t: t == {"koffietafel": []})


async def test_signals_stay_at_their_table(server: ServerProcess,
                                           opened: list[VoiceClient]) -> None:
    space, members = await new_space(server, "Ada", "Zoë", "Bram")
    hoek = await add_table(server, space, members[0][1], name="Hoek", seats=3)
    ada, zoe, bram = [await _open(opened, server, space, token) for _, token in members]
    ada_seat = await ada.sit()
    await zoe.sit()
    bram_seat = await bram.sit(hoek)
    assert bram_seat["type"] == "seated" and bram_seat["peers"] == []
    await zoe.tables(lambda t: t == {"koffietafel": ["Ada", "Zoë"], hoek: ["Bram"]})

    # Bram is seated, but at another table: signalling Ada is refused, and she gets nothing.
    await bram.send({"type": "signal", "to": ada_seat["seat"], "kind": "offer", "sdp": SDP})
    assert await bram.closed() == (status.CLOSE_FORBIDDEN, "that seat is not at your table")
    assert not [m for m in ada.received if m.get("type") == "signal"]


async def test_a_member_not_seated_may_not_signal(server: ServerProcess,
                                                  opened: list[VoiceClient]) -> None:
    space, [(_, ada_token), (_, zoe_token)] = await new_space(server, "Ada", "Zoë")
    ada = await _open(opened, server, space, ada_token)
    zoe = await _open(opened, server, space, zoe_token)
    seat = await ada.sit()
    await zoe.send({"type": "signal", "to": seat["seat"], "kind": "offer", "sdp": SDP})
    assert await zoe.closed() == (status.CLOSE_FORBIDDEN, "sit at a table before signalling")


@pytest.mark.parametrize("token", [None, "v1.bogus.token", "tampered"])
async def test_non_members_are_refused(server: ServerProcess, opened: list[VoiceClient],
                                       token: str | None) -> None:
    space, _ = await new_space(server, "Ada")
    _, [(_, outsider)] = await new_space(server, "Eve")
    if token == "tampered":
        token = outsider  # a valid member token, of another space
    client = await _open(opened, server, space, token)
    code, reason = await client.closed()
    assert code == status.CLOSE_UNAUTHORIZED and reason
    assert not client.received  # not even the tables


async def test_no_such_space(server: ServerProcess, opened: list[VoiceClient]) -> None:
    _, [(_, token)] = await new_space(server, "Ada")
    client = await _open(opened, server, "nosuchspace", token)
    assert (await client.closed())[0] == status.CLOSE_NOT_FOUND


@pytest.mark.parametrize(("message", "code", "reason"), [
    ("not json", status.CLOSE_INVALID_PAYLOAD, "not JSON"),
    ("[1, 2]", status.CLOSE_INVALID_PAYLOAD, "a message is a JSON object"),
    ('{"type": "dance"}', status.CLOSE_INVALID_PAYLOAD,
     '"type" must be sit, leave, state or signal'),
    ('{"type": "sit", "table": "koffietafel", "x": 1}', status.CLOSE_INVALID_PAYLOAD,
     "unknown field in message: 'x'"),
    ('{"type": "sit"}', status.CLOSE_INVALID_PAYLOAD, "missing field in message: 'table'"),
    ('{"type": "sit", "table": "../x"}', status.CLOSE_INVALID_PAYLOAD,
     '"table" must be an id (letters, digits, - and _)'),
    ('{"type": "state", "muted": 1, "camera": false}', status.CLOSE_INVALID_PAYLOAD,
     '"muted" must be true or false'),
    ('{"type": "signal", "to": "abc", "kind": "offer", "sdp": NaN}',
     status.CLOSE_INVALID_PAYLOAD, "not JSON"),
    (json.dumps({"type": "signal", "to": "abc", "kind": "offer", "sdp": "x" * (MAX_SDP + 1)}),
     status.CLOSE_MESSAGE_TOO_BIG, f'"sdp" over {MAX_SDP} characters'),
    (json.dumps({"type": "signal", "to": "abc", "kind": "candidate",
                 "candidate": {**CANDIDATE, "candidate": "c" * (MAX_CANDIDATE + 1)}}),
     status.CLOSE_MESSAGE_TOO_BIG, f'"candidate.candidate" over {MAX_CANDIDATE} characters'),
    (json.dumps({"type": "signal", "to": "abc", "kind": "candidate",
                 "candidate": {**CANDIDATE, "usernameFragment": "x"}}),
     status.CLOSE_INVALID_PAYLOAD, "unknown field in candidate: 'usernameFragment'"),
    (json.dumps({"type": "leave", "pad": "x" * MAX_MESSAGE}), status.CLOSE_MESSAGE_TOO_BIG,
     f"message over {MAX_MESSAGE} bytes"),
    (b"\x01\x02", status.CLOSE_UNSUPPORTED_DATA, "JSON text frames only"),
])
async def test_bad_messages_close_with_a_reason(server: ServerProcess,
                                                opened: list[VoiceClient], message: str | bytes,
                                                code: int, reason: str) -> None:
    space, [(_, ada_token), (_, zoe_token)] = await new_space(server, "Ada", "Zoë")
    ada = await _open(opened, server, space, ada_token)
    zoe = await _open(opened, server, space, zoe_token)
    await zoe.sit()
    await ada.sit()
    await ada.send(message)
    assert await ada.closed() == (code, reason)
    # Nothing reached the other seat, and the one who sent it has left the table.
    await zoe.tables(lambda t: t == {"koffietafel": ["Zoë"]})
    assert not [m for m in zoe.received if m.get("type") == "signal"]


async def test_too_fast_signalling_is_closed(server: ServerProcess,
                                             opened: list[VoiceClient]) -> None:
    space, [(_, ada_token), (_, zoe_token)] = await new_space(server, "Ada", "Zoë")
    ada = await _open(opened, server, space, ada_token)
    zoe = await _open(opened, server, space, zoe_token)
    zoe_seat = await zoe.sit()
    await ada.sit()
    signal = json.dumps({"type": "signal", "to": zoe_seat["seat"], "kind": "candidate",
                         "candidate": CANDIDATE})
    for _ in range(200):  # a burst of 60 is allowed at 20 a second
        await ada.send(signal)
    assert await ada.closed() == (status.CLOSE_POLICY_VIOLATION,
                                  "too many messages: at most 20 a second")


async def test_a_full_table_says_so_and_the_socket_stays(
        server: ServerProcess, opened: list[VoiceClient]) -> None:
    space, members = await new_space(server, "Ada", "Zoë", "Bram")
    duo = await add_table(server, space, members[0][1], name="Duo", seats=2)
    ada, zoe, bram = [await _open(opened, server, space, token) for _, token in members]
    assert (await ada.sit(duo))["type"] == "seated"
    assert (await zoe.sit(duo))["type"] == "seated"
    full = await bram.sit(duo)
    assert full == {"type": "error", "error": "table_full", "table": duo,
                    "message": "this table is full: 2 seats"}
    assert (await bram.sit())["type"] == "seated"  # the coffee table still has room
    unknown = await zoe.sit("nosuchtable")
    assert unknown["error"] == "not_found"


async def test_cameras_only_where_the_table_allows_them(
        server: ServerProcess, opened: list[VoiceClient]) -> None:
    space, [(_, token)] = await new_space(server, "Ada")
    video = await add_table(server, space, token, name="Beeld", cameras=True,
                            muted_on_arrival=True)
    ada = await _open(opened, server, space, token)
    seated = await ada.sit(video)
    assert seated["muted"] is True and seated["cameras"] is True
    await ada.send({"type": "state", "muted": False, "camera": True})
    await ada.wait_for(lambda m: m.get("type") == "tables" and any(
        s["camera"] for t in m["tables"] for s in t["sitting"]))
    assert (await ada.sit())["cameras"] is False
    await ada.send({"type": "state", "muted": False, "camera": True})
    assert await ada.closed() == (status.CLOSE_FORBIDDEN, "this table does not allow cameras")


async def test_turn_credentials_only_on_sitting_down(start_server: ServerFactory,
                                                     opened: list[VoiceClient]) -> None:
    secret = "coturn-static-auth-secret"
    server = start_server("--ice-servers", "stun:stun.example.org:3478, turn:127.0.0.1:3478",
                          "--turn-secret", secret, "--turn-ttl-s", "600")
    space, [(ada_id, token)] = await new_space(server, "Ada")
    ada = await _open(opened, server, space, token)
    view = await ada.wait_for(lambda m: m.get("type") == "tables")
    assert "credential" not in json.dumps(view)
    before = int(time.time())
    seated = await ada.sit()
    stun, turn = seated["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["urls"] == ["turn:127.0.0.1:3478"]
    expiry, member = turn["username"].split(":")
    assert member == ada_id and before + 600 <= int(expiry) <= int(time.time()) + 600
    expected = base64.b64encode(hmac.new(secret.encode(), turn["username"].encode(),
                                         hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected


def test_ice_configuration_errors_are_messages_at_start(tmp_path: Path) -> None:
    from sprankel.config import ConfigError, Settings, validate

    for flags, message in [
        ({"ice_servers": "http://example.org"}, "is not a stun:, turn: or turns: URL"),
        ({"ice_servers": "turn:turn.example.org:3478"}, "set --turn-secret"),
        ({"ice_servers": "stun:x:3478", "turn_ttl_s": 5}, "--turn-ttl-s must be at least 60"),
    ]:
        with pytest.raises(ConfigError, match=message):
            validate(Settings(data_dir=tmp_path, **flags))  # type: ignore[arg-type]


# Across two processes on one Redis


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
async def test_signals_cross_processes_through_redis(
        redis: RedisServer, start_server: ServerFactory, tmp_path: Path,
        opened: list[VoiceClient]) -> None:
    # redis first: fixtures end in reverse order, so the servers stop before their Redis.
    flags = ("--store", "redis", "--redis-url", redis.url, "--secret-key",
             "a-shared-secret-key-for-both-processes")
    a = start_server(*flags, data_dir=tmp_path / "a")
    b = start_server(*flags, data_dir=tmp_path / "b")
    space, members = await new_space(a, "Ada", "Zoë", "Bram")
    hoek = await add_table(b, space, members[0][1], name="Hoek")
    ada = await _open(opened, a, space, members[0][1])
    zoe = await _open(opened, b, space, members[1][1])
    bram = await _open(opened, b, space, members[2][1])
    ada_seat = await ada.sit()
    zoe_seat = await zoe.sit()
    assert [p["seat"] for p in zoe_seat["peers"]] == [ada_seat["seat"]]
    await ada.tables(lambda t: t == {"koffietafel": ["Ada", "Zoë"], hoek: []})
    await zoe.send({"type": "signal", "to": ada_seat["seat"], "kind": "offer", "sdp": SDP})
    await ada.wait_for(lambda m: m.get("kind") == "offer" and m["from"] == zoe_seat["seat"])
    await ada.send({"type": "signal", "to": zoe_seat["seat"], "kind": "answer", "sdp": SDP})
    await zoe.wait_for(lambda m: m.get("kind") == "answer")

    # Bram, on the other process and at another table, is refused and Ada gets nothing.
    await bram.sit(hoek)
    await ada.tables(lambda t: t[hoek] == ["Bram"])
    await bram.send({"type": "signal", "to": ada_seat["seat"], "kind": "offer", "sdp": SDP})
    assert (await bram.closed())[0] == status.CLOSE_FORBIDDEN
    assert len([m for m in ada.received if m.get("type") == "signal"]) == 1

    # A socket that goes away on one process frees its chair on the other.
    await zoe.close()
    await ada.tables(lambda t: t["koffietafel"] == ["Ada"])


def test_the_policy_allows_the_microphone_here_and_nothing_new_elsewhere() -> None:
    from sprankel.security import STATIC_HEADERS, content_security_policy

    csp = dict(part.split(" ", 1) for part in content_security_policy("h.example").split("; "))
    # The voice socket is this origin's WebSocket: connect-src names nothing else.
    assert csp["connect-src"] == "'self' data: blob: ws://h.example wss://h.example"
    assert csp["media-src"] == "'self' data: blob:"
    policy = dict(STATIC_HEADERS)[b"permissions-policy"].decode()
    assert policy == "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"
