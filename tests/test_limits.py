"""Floods from one client, as an attacker would send them: each is refused with a clear
answer (429 + Retry-After + JSON, or a WebSocket close code with a reason), what was
there before stays, and other clients (another address, another session) go on.

Other client addresses are real: Linux routes all of 127.0.0.0/8 to the loopback, so
a client bound to 127.0.0.2 is another address to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pycrdt import Array, Map
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api_harness import Api
from conftest import ServerFactory
from server_process import ServerProcess
from sprankel import status
from sprankel.koffiehoek.chat import chat_name
from sprankel.ratelimits import RateLimiter, client_key
from sprankel.sync import protocol
from yclient import YClient

MAX_ATTEMPTS = 200  # every flood below is bounded


def http_from(server: ServerProcess, source: str = "127.0.0.1",
              headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.http_url, timeout=10, headers=headers,
                             transport=httpx.AsyncHTTPTransport(local_address=source))


async def create_session(http: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await http.post("/api/sessions", json={"title": "Heidag"}, headers=headers)


async def flood_until_refused(send: Any) -> tuple[int, httpx.Response]:
    """Call send() until it answers 429; how many passed, and the refusal."""
    for passed in range(MAX_ATTEMPTS):
        response = await send()
        if response.status_code == 429:
            return passed, response
    raise AssertionError(f"no 429 after {MAX_ATTEMPTS} requests")


def assert_rate_limited(response: httpx.Response, words: str) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["error"] == "rate_limited"
    assert words in body["message"]
    assert int(response.headers["Retry-After"]) >= 1


async def until_passes(send: Any, timeout: float = 30) -> httpx.Response:
    """Retry send() until it is no longer 429: the window has passed."""
    deadline = time.monotonic() + timeout
    while True:
        response = await send()
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)


# HTTP: creating things


async def test_session_creation_flood_is_refused_with_429_until_the_window_passes(
    start_server: ServerFactory,
) -> None:
    server = start_server("--sessions-per-minute", "30")
    async with http_from(server) as http:
        first = await create_session(http)
        assert first.status_code == 201
        passed, refused = await flood_until_refused(lambda: create_session(http))
        assert passed >= 29
        assert_rate_limited(refused, "sessions created from your address")
        assert "at most 30 a minute" in refused.json()["message"]

        # Another address is not affected, and neither is the session made before.
        async with http_from(server, "127.0.0.2") as other:
            assert (await create_session(other)).status_code == 201
        token = first.json()["facilitator_token"]
        view = await http.get(f"/api/sessions/{first.json()['id']}",
                              headers={"Authorization": f"Bearer {token}"})
        assert view.status_code == 200

        # Once the bucket refills, this address creates normally again.
        again = await until_passes(lambda: create_session(http))
        assert again.status_code == 201, again.text


async def test_space_creation_flood_is_refused_with_429(start_server: ServerFactory) -> None:
    server = start_server("--spaces-per-minute", "5")

    async def create_space(http: httpx.AsyncClient) -> httpx.Response:
        return await http.post("/api/spaces", json={"name": "Team", "your_name": "Ada"})

    async with http_from(server) as http:
        passed, refused = await flood_until_refused(lambda: create_space(http))
        assert passed == 5
        assert_rate_limited(refused, "spaces created from your address")
    async with http_from(server, "127.0.0.2") as other:
        assert (await create_space(other)).status_code == 201


async def test_join_code_guessing_is_throttled_even_for_the_right_code(
    start_server: ServerFactory,
) -> None:
    server = start_server("--joins-per-minute", "5")  # a token back every 12 s
    async with http_from(server) as http:
        created = (await create_session(http)).json()
        sid, code = created["id"], created["join_code"]

        async def guess() -> httpx.Response:
            return await http.post(f"/api/sessions/{sid}/participants",
                                   json={"name": "Mallory", "join_code": "x" * 22})

        passed, refused = await flood_until_refused(guess)
        assert passed == 5
        assert_rate_limited(refused, "join attempts from your address")
        right = await http.post(f"/api/sessions/{sid}/participants",
                                json={"name": "Mallory", "join_code": code})
        assert right.status_code == 429  # the guesser gains nothing by guessing right now
        participants = await http.get(f"/api/sessions/{sid}/participants", headers={
            "Authorization": f"Bearer {created['facilitator_token']}"})
        assert [p["role"] for p in participants.json()["participants"]] == ["facilitator"]

    async with http_from(server, "127.0.0.2") as colleague:
        joined = await colleague.post(f"/api/sessions/{sid}/participants",
                                      json={"name": "Ann", "join_code": code})
        assert joined.status_code == 201, joined.text


async def test_guessing_from_many_addresses_is_throttled_per_session(
    start_server: ServerFactory,
) -> None:
    server = start_server("--joins-per-session-per-minute", "4")  # a token back every 15 s
    async with http_from(server) as http:
        target = (await create_session(http)).json()
        other = (await create_session(http)).json()
    refusals = []
    for n in range(2, 8):  # one guess from each of 6 addresses
        async with http_from(server, f"127.0.0.{n}") as guesser:
            response = await guesser.post(f"/api/sessions/{target['id']}/participants",
                                          json={"name": "M", "join_code": "wrong"})
            refusals.append(response.status_code)
    assert refusals[:4] == [403] * 4
    assert set(refusals[4:]) == {429}
    async with http_from(server, "127.0.0.20") as http:
        guess = await http.post(f"/api/sessions/{target['id']}/participants",
                                json={"name": "M", "join_code": "wrong"})
        assert_rate_limited(guess, "join attempts on this session")
        elsewhere = await http.post(f"/api/sessions/{other['id']}/participants",
                                    json={"name": "Ann", "join_code": other["join_code"]})
        assert elsewhere.status_code == 201


async def test_a_team_of_30_behind_one_address_joins_at_once_with_the_defaults(
    start_server: ServerFactory,
) -> None:
    api = Api(start_server())
    try:
        sid, _, code = await api.create()
        team = await asyncio.gather(*(api.join(sid, code, f"Person {i}") for i in range(30)))
        # Each browser opens the board, the control document and its drafts.
        clients = [api.ws(f"sessions/{sid}/{doc}", member.token) for member in team
                   for doc in ("board", "control", f"drafts/{member.id}")]
        await asyncio.gather(*(c.connect() for c in clients))
        assert all(c.close_code is None for c in clients)
        await asyncio.gather(*(c.close() for c in clients))
    finally:
        await api.aclose()


async def test_member_creation_is_limited_per_address_and_per_space(
    start_server: ServerFactory,
) -> None:
    server = start_server("--members-per-minute", "6", "--members-per-space-per-minute", "9")
    async with http_from(server) as http:
        space = (await http.post("/api/spaces", json={"name": "T", "your_name": "Ada"})).json()
        url = f"/api/spaces/{space['id']}/members"
        passed, refused = await flood_until_refused(lambda: http.post(url, json={"name": "Z"}))
        assert passed == 6
        assert_rate_limited(refused, "members added from your address")
    async with http_from(server, "127.0.0.2") as other:
        passed, refused = await flood_until_refused(lambda: other.post(url, json={"name": "Y"}))
        assert passed == 3  # 9 for the space, from all addresses
        assert_rate_limited(refused, "members added to this space")
        second = (await other.post("/api/spaces", json={"name": "U", "your_name": "Bo"})).json()
        joined = await other.post(f"/api/spaces/{second['id']}/members", json={"name": "Y"})
        assert joined.status_code == 201


async def test_chat_is_limited_per_space_however_many_members_post(
    start_server: ServerFactory,
) -> None:
    server = start_server("--space-chat-per-minute", "12")
    async with http_from(server) as http:
        space = (await http.post("/api/spaces", json={"name": "T", "your_name": "Ada"})).json()
        sid = space["id"]
        tokens = [space["token"]]
        for i in range(7):
            joined = await http.post(f"/api/spaces/{sid}/members", json={"name": f"M{i}"})
            tokens.append(joined.json()["token"])

        async def post(token: str, text: str) -> httpx.Response:
            return await http.post(f"/api/spaces/{sid}/messages", json={"text": text},
                                   headers={"Authorization": f"Bearer {token}"})

        answers = [await post(token, f"{n}-{i}") for n, token in enumerate(tokens)
                   for i in range(2)]
        assert [a.status_code for a in answers[:12]] == [201] * 12
        assert {a.status_code for a in answers[12:]} == {429}
        assert_rate_limited(answers[12], "this space's chat is busy")

        # Another space is not affected.
        other = (await http.post("/api/spaces", json={"name": "U", "your_name": "Bo"})).json()
        elsewhere = await http.post(f"/api/spaces/{other['id']}/messages",
                                    json={"text": "hallo"},
                                    headers={"Authorization": f"Bearer {other['token']}"})
        assert elsewhere.status_code == 201

    reader = await YClient(f"{server.ws_url}/{chat_name(sid)}?token={tokens[0]}").connect()
    texts = [m["text"] for m in reader.doc.get("messages", type=Array).to_py() or []]
    assert texts == [f"{n}-{i}" for n in range(6) for i in range(2)]  # the first 12 only
    await reader.close()


# WebSockets


@pytest.fixture
async def sockets() -> AsyncIterator[list[ClientConnection]]:
    opened: list[ClientConnection] = []
    yield opened
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)


async def open_socket(opened: list[ClientConnection], url: str, source: str = "127.0.0.1",
                      headers: dict[str, str] | None = None) -> ClientConnection:
    ws = await connect(url, local_addr=(source, 0), additional_headers=headers,
                       compression=None)
    opened.append(ws)
    with contextlib.suppress(ConnectionClosed):  # refused at once: closed_with says why
        await ws.send(protocol.create_sync_step1_message(b"\x00"))
    return ws


async def is_synced(ws: ClientConnection) -> bool:
    """True once the server answered with its sync step 2; False if it closed instead."""
    try:
        while True:
            frame = await asyncio.wait_for(ws.recv(), 10)
            if isinstance(frame, bytes) and frame[:2] == bytes([0, 1]):
                return True
    except ConnectionClosed:
        return False


async def closed_with(ws: ClientConnection) -> tuple[int | None, str]:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return ws.close_code, ws.close_reason or ""


async def test_websockets_per_address_over_the_limit_close_with_1013(
    start_server: ServerFactory, sockets: list[ClientConnection],
) -> None:
    server = start_server("--open-documents", "--ws-per-address", "5")
    url = server.ws_url + "/limits/a"
    first = [await open_socket(sockets, url) for _ in range(5)]
    assert all([await is_synced(ws) for ws in first])
    over = await open_socket(sockets, server.ws_url + "/limits/b")
    code, reason = await closed_with(over)
    assert code == status.CLOSE_TRY_AGAIN_LATER
    assert "too many connections from your address" in reason

    other = await open_socket(sockets, url, source="127.0.0.2")
    assert await is_synced(other)
    assert all(ws.close_code is None for ws in first)  # the first five stay open

    await first[0].close()  # a slot is free again once one closes
    deadline = time.monotonic() + 10
    while True:
        again = await open_socket(sockets, url)
        if await is_synced(again) or time.monotonic() > deadline:
            break
    assert again.close_code is None


async def test_websockets_per_document_over_the_limit_close_with_1013(
    start_server: ServerFactory, sockets: list[ClientConnection],
) -> None:
    server = start_server("--open-documents", "--ws-per-document", "4")
    full = [await open_socket(sockets, server.ws_url + "/limits/full", f"127.0.0.{n}")
            for n in range(2, 6)]
    assert all([await is_synced(ws) for ws in full])
    over = await open_socket(sockets, server.ws_url + "/limits/full", "127.0.0.9")
    code, reason = await closed_with(over)
    assert code == status.CLOSE_TRY_AGAIN_LATER
    assert "too many connections to this document" in reason
    assert await is_synced(await open_socket(sockets, server.ws_url + "/limits/other"))


async def test_message_flood_on_one_socket_closes_it_with_1008_and_spares_the_bystander(
    start_server: ServerFactory, sockets: list[ClientConnection],
) -> None:
    server = start_server("--open-documents", "--ws-messages-per-s", "50")
    url = server.ws_url + "/limits/flood"
    bystander = await YClient(url).connect()
    flooder = await open_socket(sockets, url)
    assert await is_synced(flooder)
    with pytest.raises(ConnectionClosed):
        for clock in range(1, 5001):  # valid awareness updates, as fast as the socket takes
            entry = protocol.encode_awareness_entry(7, clock, b'{"n":1}')
            await flooder.send(protocol.encode_awareness([entry]))
        while True:
            await asyncio.wait_for(flooder.recv(), 10)
    code, reason = await closed_with(flooder)
    assert code == status.CLOSE_POLICY_VIOLATION
    assert "too many messages: at most 50 a second" in reason

    # The bystander is still connected, and its edits still reach a newcomer.
    assert bystander.close_code is None
    await bystander.change(lambda d: d.get("ideas", type=Map).__setitem__("kept", "yes"))
    newcomer = await YClient(url).connect()
    await newcomer.wait_for(lambda: newcomer.doc.get("ideas", type=Map).get("kept") == "yes")
    await newcomer.close()
    await bystander.close()


# Behind a reverse proxy


async def test_x_forwarded_for_is_ignored_without_trusted_proxies(
    start_server: ServerFactory,
) -> None:
    server = start_server("--sessions-per-minute", "3")
    async with http_from(server) as http:
        answers = [(await create_session(http, **{"X-Forwarded-For": f"10.1.0.{n}"}))
                   .status_code for n in range(5)]
    assert answers == [201, 201, 201, 429, 429]


async def test_x_forwarded_for_gives_the_client_address_behind_a_trusted_proxy(
    start_server: ServerFactory, sockets: list[ClientConnection],
) -> None:
    server = start_server("--trusted-proxies", "127.0.0.0/8", "--sessions-per-minute", "3",
                          "--open-documents", "--ws-per-address", "2")
    async with http_from(server) as proxy:
        each_their_own = [(await create_session(proxy, **{"X-Forwarded-For": f"10.1.0.{n}"}))
                          .status_code for n in range(6)]
        assert each_their_own == [201] * 6
        one_client = [(await create_session(proxy, **{"X-Forwarded-For": "10.9.9.9"}))
                      .status_code for _ in range(4)]
        assert one_client == [201, 201, 201, 429]

    # The document sockets (which skip the app's middleware) see the same address.
    url = server.ws_url + "/limits/proxied"
    ann = {"X-Forwarded-For": "10.2.0.1"}
    assert await is_synced(await open_socket(sockets, url, headers=ann))
    assert await is_synced(await open_socket(sockets, url, headers=ann))
    code, _ = await closed_with(await open_socket(sockets, url, headers=ann))
    assert code == status.CLOSE_TRY_AGAIN_LATER
    bob = {"X-Forwarded-For": "10.2.0.2"}
    assert await is_synced(await open_socket(sockets, url, headers=bob))


async def test_a_malformed_trusted_proxy_is_a_clear_start_up_error(
    start_server: ServerFactory,
) -> None:
    expected = re.escape("--trusted-proxies: 'proxy.local' is not an IP address or network")
    with pytest.raises(RuntimeError, match=expected):
        start_server("--trusted-proxies", "10.0.0.1,proxy.local")


# The tables themselves


def test_ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_by_its_address() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:10.0.0.7") == client_key("10.0.0.7") == "10.0.0.7"


def test_idle_keys_are_forgotten_and_the_table_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0], max_keys=100)
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 30]  # Retry-After in seconds
    for n in range(1000):  # many addresses, one request each
        limiter.take(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) <= 100
    now[0] = 61.0  # a minute later every bucket is full again: the same as none
    limiter.take("b")
    assert len(limiter) == 1
