"""Every response carries a CSP without inline scripts, and pages contain none."""

from __future__ import annotations

import re

import httpx
import pytest

from server_process import ServerProcess

# The shared fixtures (a module-scoped Chromium, a `sprankel serve` per test), by name.

def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize("path", ["/", "/join/abc", "/s/abc", "/static/manifest.json",
                                  "/api/sessions/nope", "/healthz", "/no-such-page"])
def test_every_response_has_the_security_headers(sprankel: ServerProcess, path: str) -> None:
    response = httpx.get(sprankel.http_url + path)
    csp = directives(response.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert set(csp["connect-src"]) >= {"'self'", f"ws://127.0.0.1:{sprankel.port}"}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_forged_host_header_does_not_widen_the_policy(sprankel: ServerProcess) -> None:
    response = httpx.get(sprankel.http_url + "/", headers={"Host": "evil.example; script-src *"})
    csp = response.headers["content-security-policy"]
    assert "evil.example" not in csp
    assert directives(csp)["script-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/join/abc", "/s/abc", "/s/abc/console"])
def test_pages_have_no_inline_scripts(sprankel: ServerProcess, path: str) -> None:
    html = httpx.get(sprankel.http_url + path).text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None  # no inline event handlers


def test_hashed_assets_are_cached_and_pages_are_not(sprankel: ServerProcess) -> None:
    manifest = httpx.get(sprankel.http_url + "/static/manifest.json").json()
    asset = httpx.get(sprankel.http_url + "/static/" + manifest["session.js"])
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    page = httpx.get(sprankel.http_url + "/")
    assert page.headers["cache-control"] == "no-store"
    assert manifest["session.js"] in page.text or manifest["home.js"] in page.text


def test_a_session_id_outside_the_id_alphabet_gets_not_found(sprankel: ServerProcess) -> None:
    response = httpx.get(sprankel.http_url + "/join/a%3Cscript%3E")
    assert response.status_code == 404
    assert "<script>" not in response.text
