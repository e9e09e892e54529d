"""Host and Origin checks against a real server: another site's page cannot write through
the API or open a document socket (cross-site request forgery, cross-site WebSocket
hijacking), a forged Host header does not end up in links or the CSP, and scripts
without an Origin header keep working."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from conftest import ServerFactory
from server_process import ServerProcess, free_port
from sprankel import status
from sprankel.sync import protocol

EVIL = "https://evil.example"


def _get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=10)


def _post_session(server: ServerProcess, **headers: str) -> httpx.Response:
    return httpx.post(server.http_url + "/api/sessions", json={"title": "Koffie"},
                      headers=headers, timeout=10)


async def _ws_close(server: ServerProcess, path: str, origin: str | None = None,
                    host: str | None = None) -> tuple[int | None, str]:
    """Open a document socket with the given Origin (and Host); its close code and reason,
    or (None, "open") when the server kept it open and synced."""
    name = host or f"127.0.0.1:{server.port}"
    kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": server.port,
                              "open_timeout": 10, "compression": None}
    if origin is not None:
        kwargs["origin"] = origin
    async with connect(f"ws://{name}/ws/{path}", **kwargs) as ws:
        try:
            await ws.send(protocol.create_sync_step1_message(b"\x00"))
            while True:
                frame = await ws.recv(decode=False)
                message = protocol.decode_message(frame)
                if isinstance(message, protocol.SyncMessage) and message.step == 1:
                    return None, "open"
        except ConnectionClosed:
            return ws.close_code, ws.close_reason or ""


def _session(server: ServerProcess) -> dict[str, Any]:
    created = _post_session(server)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _board(session: dict[str, Any]) -> str:
    return f"sessions/{session['id']}/board?token={session['facilitator_token']}"


def _sessions_in_store(server: ServerProcess) -> int:
    import sqlite3

    with sqlite3.connect(server.data_dir / "sprankel.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM records WHERE kind = 'session'")
                   .fetchone()[0])


async def test_local_development_allows_same_origin_and_scripts_but_not_other_sites(
        start_server: ServerFactory) -> None:
    server = start_server()
    assert "NO --public-url OR --allowed-hosts" in server.log()
    same = f"http://127.0.0.1:{server.port}"
    assert _post_session(server, Origin=same).status_code == 201
    assert _post_session(server).status_code == 201  # curl, scripts: no Origin
    count = _sessions_in_store(server)
    for origin in (EVIL, "null", f"http://127.0.0.1:{server.port + 1}", "not a url"):
        refused = _post_session(server, Origin=origin)
        assert refused.status_code == 403, origin
        assert refused.json()["error"] == "forbidden_origin"
    assert _sessions_in_store(server) == count  # nothing was created
    # Reading is not a state change: a foreign page's GET is the browser's business (CORS).
    assert _get(server.http_url + "/api/icebreakers", Origin=EVIL).status_code == 200

    session = _session(server)
    bystander = await _ws_close(server, _board(session), origin=same)
    assert bystander == (None, "open")
    code, reason = await _ws_close(server, _board(session), origin=EVIL)
    assert code == status.CLOSE_FORBIDDEN and "another site" in reason
    assert await _ws_close(server, _board(session)) == (None, "open")


async def test_the_public_url_sets_links_csp_and_the_allowed_origins(
        start_server: ServerFactory) -> None:
    public = "https://sprankel.example.org"
    server = start_server("--public-url", public,
                          "--allowed-origins", "https://intranet.example.org:8443")
    assert "NO --public-url" not in server.log()
    created = _post_session(server, Host="evil.example", Origin=public)
    assert created.status_code == 201, created.text
    assert all(link.startswith(public + "/") for link in created.json()["links"].values())
    allowed = _post_session(server, Origin="https://intranet.example.org:8443")
    assert allowed.status_code == 201
    for origin in (EVIL, f"http://127.0.0.1:{server.port}", "http://sprankel.example.org"):
        assert _post_session(server, Origin=origin).status_code == 403, origin

    page = _get(server.http_url + "/", Host="evil.example")
    csp = page.headers["content-security-policy"]
    assert "wss://sprankel.example.org" in csp and "evil.example" not in csp

    session = created.json()
    code, _reason = await _ws_close(server, _board(session), origin=EVIL)
    assert code == status.CLOSE_FORBIDDEN
    assert await _ws_close(server, _board(session), origin=public) == (None, "open")


async def test_allowed_hosts_refuse_other_host_headers_but_not_the_health_probes(
        start_server: ServerFactory) -> None:
    server = start_server("--allowed-hosts", "sprankel.test, *.sprankel.test")
    good = f"sprankel.test:{server.port}"
    created = _post_session(server, Host=good)
    assert created.status_code == 201
    assert created.json()["links"]["join"].startswith(f"http://{good}/join/")
    assert _post_session(server, Host=f"team.sprankel.test:{server.port}").status_code == 201
    for host in ("evil.example", f"127.0.0.1:{server.port}", "sprankel.test.evil.example"):
        refused = _post_session(server, Host=host)
        assert refused.status_code == 400, host
        assert refused.json()["error"] == "bad_host"
        assert "evil" not in refused.headers["content-security-policy"]
    for probe in ("/healthz", "/readyz"):
        answer = _get(server.http_url + probe, Host="10.0.0.7:8000")
        assert answer.status_code == 200
    page = _get(server.http_url + "/", Host=good)
    assert f"ws://{good}" in page.headers["content-security-policy"]

    session = created.json()
    code, reason = await _ws_close(server, _board(session), host="evil.example")
    assert code == status.CLOSE_BAD_REQUEST and "host" in reason
    # A page of an allowed host may open sockets, from any of its origins.
    assert await _ws_close(server, _board(session), origin=f"http://{good}",
                           host=good) == (None, "open")


def test_security_txt_follows_rfc_9116(start_server: ServerFactory) -> None:
    server = start_server("--security-contact", "mailto:security@example.org",
                          "--public-url", "https://sprankel.example.org",
                          "--security-policy", "https://docs.example.org/security")
    answer = httpx.get(server.http_url + "/.well-known/security.txt", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in answer.text.strip().splitlines())
    assert fields["Contact"] == "mailto:security@example.org"
    assert fields["Preferred-Languages"] == "nl, en"
    assert fields["Canonical"] == "https://sprankel.example.org/.well-known/security.txt"
    assert fields["Policy"] == "https://docs.example.org/security"
    expires = datetime.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    assert now < expires < now + datetime.timedelta(days=365)
    assert "no --security-contact" not in server.log()


def test_security_txt_is_404_without_a_contact_and_warns(start_server: ServerFactory) -> None:
    server = start_server()
    answer = httpx.get(server.http_url + "/.well-known/security.txt", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    deadline = time.monotonic() + 10
    while "no --security-contact" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "no --security-contact" in server.log()


@pytest.mark.parametrize(("flags", "words"), [
    (["--security-contact", "security@example.org"], "--security-contact must start"),
    (["--allowed-origins", "evil.example"], "is not an origin"),
    (["--public-url", "sprankel.example.org"], "is not an http(s) URL"),
])
def test_bad_security_settings_are_one_line_at_start(flags: list[str], words: str) -> None:
    done = subprocess.run([sys.executable, "-m", "sprankel.cli", "serve", "--port",
                           str(free_port()), *flags], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
