"""Login with OpenID Connect against a real provider (tests/oidc: npm oidc-provider):
the whole flow, the policy it enables, the cookie and its cross-site check (issue 13)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from conftest import ServerFactory
from oidc_login import login
from oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
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
