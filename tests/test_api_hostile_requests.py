"""Hostile requests get clear answers, and nothing changes: non-ASCII tokens, deeply
nested JSON, oversize bodies, and the framework's own answers (unknown path, wrong
method) on the API, all as JSON {error, message}; the server stays up throughout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pycrdt import Map

from api_harness import Api, refused
from conftest import ServerFactory
from sprankel import status
from sprankel.api._http import MAX_BODY, MAX_DEPTH


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.5"))
    yield client
    await client.aclose()


def _is_error(response: httpx.Response, code: int, error: str) -> dict[str, Any]:
    assert response.status_code == code, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error and body["message"], body
    return dict(body)


async def test_a_non_ascii_token_is_401_on_http_and_4401_on_websockets(api: Api) -> None:
    sid, f, _code = await api.create()
    bystander = await api.ws(f"sessions/{sid}/board", f.token).connect()
    try:
        for raw in (b"Bearer v1.\xe9t\xe9.sig", b"Bearer \xff\xfe", "Bearer v1.ünï.cöde".encode()):
            response = await api.http.get(f"/api/sessions/{sid}",
                                          headers={"Authorization": raw})
            _is_error(response, 401, "unauthorized")
        for token in ("%E9t%E9", "%C3%A9", "v1.%FF.%FE"):
            code, reason = await refused(api.ws(f"sessions/{sid}/board", token))
            assert code == status.CLOSE_UNAUTHORIZED
            assert "token" in reason
        assert not bystander.closed.is_set()
        await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
    finally:
        await bystander.close()


async def test_deeply_nested_json_is_422_and_nothing_changes(api: Api) -> None:
    sid, f, _code = await api.create()
    before = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
    board = await api.ws(f"sessions/{sid}/board", f.token).connect()
    auth = {"Authorization": f"Bearer {f.token}", "Content-Type": "application/json"}
    try:
        for depth in (30_000, MAX_DEPTH + 1):
            body = "[" * depth + "]" * depth
            for path in (f"/api/sessions/{sid}/rounds", f"/api/sessions/{sid}/ideas",
                         "/api/sessions"):
                response = await api.http.post(path, content=body, headers=auth)
                answer = _is_error(response, 422, "invalid")
                assert "nested" in answer["message"]
        # An object nested deep inside a valid-looking body is refused the same way.
        deep: Any = "x"
        for _ in range(MAX_DEPTH + 1):
            deep = {"a": deep}
        response = await api.http.post(f"/api/sessions/{sid}/ideas",
                                       json={"text": "hi", "extra": deep}, headers=auth)
        _is_error(response, 422, "invalid")
        assert board.doc.get("ideas", type=Map).to_py() in ({}, None)
        after = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
        assert after["agenda"] == before["agenda"]
        assert not board.closed.is_set()
    finally:
        await board.close()


async def test_an_oversize_body_is_413(api: Api) -> None:
    sid, f, _code = await api.create()
    response = await api.http.post(f"/api/sessions/{sid}/ideas",
                                   content=b'{"text": "' + b"x" * (MAX_BODY + 10) + b'"}',
                                   headers={"Authorization": f"Bearer {f.token}",
                                            "Content-Type": "application/json"})
    _is_error(response, 413, "too_large")
    assert (await api.call("GET", f"/sessions/{sid}/ideas", f.token, expect=200))["ideas"] == []


@pytest.mark.parametrize(("method", "path", "code", "error"), [
    ("GET", "/api/sessions", 405, "method_not_allowed"),
    ("DELETE", "/api/sessions", 405, "method_not_allowed"),
    ("OPTIONS", "/api/icebreakers", 405, "method_not_allowed"),
    ("TRACE", "/api/spaces", 405, "method_not_allowed"),
    ("PUT", "/api/sessions/abc/lock", 405, "method_not_allowed"),
    ("GET", "/api/no-such-thing", 404, "not_found"),
    ("POST", "/api/sessions/abc/rounds/r/dance", 404, "not_found"),
])
async def test_framework_answers_on_the_api_are_json(api: Api, method: str, path: str,
                                                     code: int, error: str) -> None:
    response = await api.http.request(method, path)
    _is_error(response, code, error)
    if code == 405:
        assert response.headers["allow"]


async def test_pages_keep_plain_answers(api: Api) -> None:
    response = await api.http.get("/no-such-page")
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("application/json")
