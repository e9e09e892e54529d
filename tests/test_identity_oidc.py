"""Login with OpenID Connect against a real provider (tests/oidc: npm oidc-provider):
the whole flow, the policy it enables, the cookie and its cross-site check (issue 13)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import ServerFactory
from oidc_login import login, submit
from oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from redis_server import RedisServer
from server_process import ServerProcess, free_port

CREATORS = "sprankel-makers"


@dataclass
class World:
    provider: OidcProvider
    server: ServerProcess
    base: str


@pytest.fixture
def oidc_provider(tmp_path: Path) -> Iterator[tuple[OidcProvider, int]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with OidcProvider(tmp_path / "oidc", base + "/auth/callback", base + "/",
                      groups={"anna": [CREATORS], "bert": ["others"]}) as provider:
        yield provider, port


def start(start_server: ServerFactory, provider: OidcProvider, port: int, *flags: str
          ) -> World:
    base = f"http://127.0.0.1:{port}"
    server = start_server("--public-url", base, "--oidc-issuer", provider.issuer,
                          "--oidc-client-id", CLIENT_ID, "--oidc-client-secret", CLIENT_SECRET,
                          "--oidc-scopes", "openid profile email groups", *flags, port=port)
    return World(provider, server, base)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as http:
        yield http


def page_headers(world: World) -> dict[str, str]:
    """What a browser sends with a fetch() from Sprankel's own page."""
    return {"Origin": world.base}


async def test_login_then_create_a_session_and_logout(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider)
    anonymous = (await client.get(world.base + "/api/me")).json()
    assert anonymous == {"logged_in": False, "login": True, "guests": True, "can_create": False}
    done = await login(client, world.base, "anna", next_path="/k")
    assert done.headers["location"] == "/k"
    me = (await client.get(world.base + "/api/me")).json()
    assert me["logged_in"] and me["name"] == "Anna de Tester"  # from userinfo
    assert me["email"] == "anna@example.org" and CREATORS in me["groups"] and me["can_create"]
    created = await client.post(world.base + "/api/sessions", headers=page_headers(world),
                                json={"title": "Met account", "facilitator_name": "Anna"})
    assert created.status_code == 201, created.text
    listed = await client.get(
        f"{world.base}/api/sessions/{created.json()['id']}/participants",
        headers={"Authorization": f"Bearer {created.json()['facilitator_token']}"})
    (facilitator,) = listed.json()["participants"]
    assert facilitator["name"] == "Anna" and facilitator["with_account"] is True
    out = await client.get(world.base + "/logout")
    assert out.status_code == 303
    assert out.headers["location"].startswith(world.provider.issuer)  # RP-initiated logout
    assert "id_token_hint=" in out.headers["location"]
    assert (await client.get(world.base + "/api/me")).json()["logged_in"] is False


async def test_without_a_login_creating_is_401_and_pages_may_still_join(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider)
    for path, body in (("/api/sessions", {"title": "Zonder"}),
                       ("/api/spaces", {"name": "Team", "your_name": "Kim"})):
        refused = await client.post(world.base + path, json=body)
        assert refused.status_code == 401 and refused.json()["error"] == "login_required"
    # Guests (the default): someone without an account joins a logged-in user's session.
    await login(client, world.base, "anna")
    created = (await client.post(world.base + "/api/sessions", headers=page_headers(world),
                                 json={"title": "Open"})).json()
    async with httpx.AsyncClient() as guest:
        joined = await guest.post(f"{world.base}/api/sessions/{created['id']}/participants",
                                  json={"name": "Gast", "join_code": created["join_code"]})
    assert joined.status_code == 201 and joined.json()["name"] == "Gast"
    listed = await client.get(f"{world.base}/api/sessions/{created['id']}/participants",
                              headers={"Authorization": f"Bearer {created['facilitator_token']}"})
    kinds = {p["name"]: p["with_account"] for p in listed.json()["participants"]}
    assert kinds == {"Anna de Tester": True, "Gast": False}


async def test_outside_the_creator_group_creating_is_403(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider, "--oidc-creator-group", CREATORS)
    await login(client, world.base, "bert")
    me = (await client.get(world.base + "/api/me")).json()
    assert me["logged_in"] and me["can_create"] is False
    for path, body in (("/api/sessions", {"title": "Niet van mij"}),
                       ("/api/spaces", {"name": "Team", "your_name": "Bert"})):
        refused = await client.post(world.base + path, headers=page_headers(world), json=body)
        assert refused.status_code == 403 and refused.json()["error"] == "not_in_creator_group"
    async with httpx.AsyncClient(timeout=15) as anna:
        await login(anna, world.base, "anna")
        made = await anna.post(world.base + "/api/spaces", headers=page_headers(world),
                               json={"name": "Team", "your_name": "Anna"})
        assert made.status_code == 201


async def test_without_guests_joining_needs_a_login_and_names_come_from_the_account(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider, "--no-guests")
    await login(client, world.base, "anna")
    created = (await client.post(world.base + "/api/sessions", headers=page_headers(world),
                                 json={"title": "Alleen accounts"})).json()
    join = f"{world.base}/api/sessions/{created['id']}/participants"
    async with httpx.AsyncClient(timeout=15) as bert:
        body = {"name": "Mallory", "join_code": created["join_code"]}
        refused = await bert.post(join, json=body)
        assert refused.status_code == 401 and refused.json()["error"] == "login_required"
        assert (await bert.get(world.base + "/api/me")).json()["guests"] is False
        space = (await client.post(world.base + "/api/spaces", headers=page_headers(world),
                                   json={"name": "Team", "your_name": "Anna"})).json()
        member = await bert.post(f"{world.base}/api/spaces/{space['id']}/members",
                                 json={"name": "Mallory"})
        assert member.status_code == 401 and member.json()["error"] == "login_required"
        await login(bert, world.base, "bert")
        # A name the account does not bear is replaced by the account's; a shortening stays.
        joined = await bert.post(join, headers=page_headers(world), json=body)
        assert joined.status_code == 201 and joined.json()["name"] == "Bert de Tester"
        again = await bert.post(join, headers=page_headers(world),
                                json={"name": "Bert", "join_code": created["join_code"]})
        assert again.json()["name"] == "Bert"


async def test_the_login_cookie_and_the_cross_site_check(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider)
    done = await login(client, world.base, "anna")
    (cookie,) = [c for c in done.headers.get_list("set-cookie")
                 if c.startswith("sprankel-login=")]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # plain http (development); https: see the next test
    body = {"title": "Van elders"}
    sessions = world.base + "/api/sessions"
    foreign = await client.post(sessions, json=body, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {}):
        refused = await client.post(sessions, json=body, headers=headers)
        assert refused.status_code == 403 and refused.json()["error"] == "cross_site", headers
    ok = await client.post(sessions, json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 201
    # Reading with the cookie is fine from anywhere (it changes nothing).
    assert (await client.get(world.base + "/api/me",
                             headers={"Sec-Fetch-Site": "cross-site"})).json()["logged_in"]


async def test_on_https_the_cookies_are_secure_and_host_prefixed(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    provider, port = oidc_provider
    server = start_server("--public-url", f"https://127.0.0.1:{port}", "--oidc-issuer",
                          provider.issuer, "--oidc-client-id", CLIENT_ID, port=port)
    started = await client.get(server.http_url + "/login")
    assert started.status_code == 302
    (cookie,) = started.headers.get_list("set-cookie")
    assert cookie.startswith("__Host-sprankel-oidc=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    assert not any(flag.startswith("domain") for flag in flags)  # __Host- forbids one
    location = started.headers["location"]
    for part in ("code_challenge_method=S256", "code_challenge=", "nonce=", "state=",
                 "redirect_uri=https%3A%2F%2F127.0.0.1"):
        assert part in location


async def test_a_callback_that_was_not_started_here_or_is_replayed_is_refused(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider)
    forged = await client.get(world.base + "/auth/callback",
                              params={"code": "x", "state": "not-started-here"})
    assert forged.status_code == 400 and "state" in forged.text
    denied = await client.get(world.base + "/auth/callback", params={"error": "access_denied"})
    assert denied.status_code == 400 and "access_denied" in denied.text
    # A whole login, then its callback once more: the state was used up.
    response = await client.get(world.base + "/login")
    callback = None
    for _ in range(20):
        if response.is_redirect:
            target = httpx.URL(response.url).join(response.headers["location"])
            if target.path == "/auth/callback":
                callback = target
                break
            response = await client.get(target)
            continue
        response = await submit(client, response, "anna")  # the provider's own forms
    assert callback is not None
    first = await client.get(callback)
    assert first.status_code == 303
    replayed = await client.get(callback)
    assert replayed.status_code == 400


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
async def test_next_goes_only_to_a_path_on_this_server(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient, target: str) -> None:
    world = start(start_server, *oidc_provider)
    done = await login(client, world.base, "anna", next_path=target)
    assert done.headers["location"] == "/"


async def test_a_login_ends_after_its_idle_time(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider, "--login-idle-hours", "0.0005")
    await login(client, world.base, "anna")
    deadline = asyncio.get_running_loop().time() + 60
    while (await client.get(world.base + "/api/me")).json()["logged_in"]:
        assert asyncio.get_running_loop().time() < deadline, "the login did not end"
        await asyncio.sleep(0.2)  # polling for the state, not measuring
    refused = await client.post(world.base + "/api/sessions", headers=page_headers(world),
                                json={"title": "Te laat"})
    assert refused.status_code == 401


async def test_without_oidc_everyone_may_create(start_server: ServerFactory,
                                                client: httpx.AsyncClient) -> None:
    server = start_server()
    assert (await client.get(server.http_url + "/api/me")).json() == {
        "logged_in": False, "login": False, "guests": True, "can_create": True}
    assert (await client.get(server.http_url + "/login")).status_code == 404


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
async def test_a_login_holds_on_every_process_with_the_redis_store(
        redis: RedisServer, oidc_provider: tuple[OidcProvider, int],
        start_server: ServerFactory, client: httpx.AsyncClient, tmp_path: Path) -> None:
    # redis first: fixtures end in reverse order, so the servers stop before their Redis.
    shared = ("--store", "redis", "--redis-url", redis.url, "--secret-key",
              "a-shared-secret-key-for-both-processes")
    world = start(start_server, *oidc_provider, *shared)
    provider, _port = oidc_provider
    other = start_server("--public-url", world.base, "--oidc-issuer", provider.issuer,
                         "--oidc-client-id", CLIENT_ID, "--oidc-client-secret", CLIENT_SECRET,
                         *shared, data_dir=tmp_path / "other")
    await login(client, world.base, "anna")
    # Cookies are per host, not per port: the other process gets the same cookie.
    me = (await client.get(other.http_url + "/api/me")).json()
    assert me["logged_in"] and me["name"] == "Anna de Tester"
    await client.get(other.http_url + "/logout")
    assert (await client.get(world.base + "/api/me")).json()["logged_in"] is False


async def test_the_account_is_kept_for_access_only(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider)
    await login(client, world.base, "anna")
    created = (await client.post(world.base + "/api/sessions", headers=page_headers(world),
                                 json={"title": "Anoniem", "settings": {"anonymous": True}})
               ).json()
    auth = {"Authorization": f"Bearer {created['facilitator_token']}"}
    sid = created["id"]
    async with httpx.AsyncClient(timeout=15) as bert:
        await login(bert, world.base, "bert")
        joined = await bert.post(f"{world.base}/api/sessions/{sid}/participants",
                                 headers=page_headers(world),
                                 json={"name": "Bert", "join_code": created["join_code"]})
        assert joined.status_code == 201
    seen = [(await client.get(f"{world.base}/api/sessions/{sid}", headers=auth)).text,
            (await client.get(f"{world.base}/api/sessions/{sid}/participants",
                              headers=auth)).text]
    for fmt in ("md", "json", "csv"):
        seen.append((await client.get(f"{world.base}/api/sessions/{sid}/export.{fmt}",
                                      headers=auth)).text)
    for text in seen:
        assert world.provider.issuer not in text and '"sub"' not in text
        assert "anna@example.org" not in text and "bert@example.org" not in text
    # The export of an anonymous session names no participant (the facilitator runs it
    # under their name, as without accounts).
    assert all("Bert" not in text for text in seen[2:])


async def test_starting_logins_is_rate_limited(
        oidc_provider: tuple[OidcProvider, int], start_server: ServerFactory,
        client: httpx.AsyncClient) -> None:
    world = start(start_server, *oidc_provider, "--logins-per-minute", "3")
    answers = [(await client.get(world.base + "/login")).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    refused = await client.get(world.base + "/login")
    assert refused.json()["error"] == "rate_limited" and "Retry-After" in refused.headers
