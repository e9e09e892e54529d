"""Static assets in gzip for clients that take it: the same bytes after decompression,
Content-Encoding and Vary set, an ETag of its own that revalidates; woff2 and small
files stay as they are; a client that refuses gzip gets the plain file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx

from server_process import ServerProcess

STATIC = Path(__file__).resolve().parent.parent / "static"


def raw_get(url: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (httpx would decode gzip by itself)."""
    with httpx.stream("GET", url, headers=headers, timeout=30) as response:
        return response, b"".join(response.iter_raw())


def session_script() -> str:
    return str(json.loads((STATIC / "manifest.json").read_text())["session.js"])


def test_a_script_is_sent_in_gzip_with_the_same_bytes(open_server: ServerProcess) -> None:
    name = session_script()
    url = f"{open_server.http_url}/static/{name}"
    response, body = raw_get(url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.headers["content-type"].startswith("text/javascript")
    assert int(response.headers["content-length"]) == len(body)
    plain = (STATIC / name).read_bytes()
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain) / 2
    assert "immutable" in response.headers["cache-control"]  # content-hashed name
    assert response.headers["content-security-policy"]  # the security headers still apply

    # Its own ETag, which revalidates to 304 (a second request is served from memory).
    etag = response.headers["etag"]
    again, _ = raw_get(url, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert "accept-encoding" in again.headers["vary"].lower()

    # The plain file has another ETag: a cache never hands one for the other.
    identity, identity_body = raw_get(url, **{"Accept-Encoding": "identity"})
    assert identity.status_code == 200
    assert "content-encoding" not in identity.headers
    assert identity_body == plain
    assert identity.headers["etag"] != etag
    assert "accept-encoding" in identity.headers["vary"].lower()


def test_a_client_that_refuses_gzip_gets_the_plain_file(open_server: ServerProcess) -> None:
    name = session_script()
    for refusal in ("gzip;q=0", "br", "", "gzip;q=nonsense"):
        response, body = raw_get(f"{open_server.http_url}/static/{name}",
                                 **{"Accept-Encoding": refusal})
        assert response.status_code == 200, refusal
        assert "content-encoding" not in response.headers, refusal
        assert body == (STATIC / name).read_bytes(), refusal


def test_fonts_and_head_requests(open_server: ServerProcess) -> None:
    font = next(STATIC.glob("assets/*.woff2"))
    response, body = raw_get(f"{open_server.http_url}/static/assets/{font.name}",
                             **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers  # woff2 is compressed already
    assert body == font.read_bytes()

    name = session_script()
    head = httpx.head(f"{open_server.http_url}/static/{name}",
                      headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert head.status_code == 200
    assert head.headers["content-encoding"] == "gzip"
    assert head.content == b""


def test_a_missing_asset_is_still_not_found(open_server: ServerProcess) -> None:
    response, _ = raw_get(f"{open_server.http_url}/static/no-such-file.js",
                          **{"Accept-Encoding": "gzip"})
    assert response.status_code == 404
