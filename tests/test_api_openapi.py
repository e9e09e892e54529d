"""The OpenAPI document at /api/openapi.json lists every API route of the running app."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from starlette.routing import Route

from sprankel.app import create_app
from sprankel.config import Settings


def test_every_api_route_is_in_the_openapi_document(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    routes = [r for r in app.routes if isinstance(r, Route) and r.path.startswith("/api/")]
    assert len(routes) > 20

    async def fetch() -> dict[str, object]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/api/openapi.json")
            assert response.status_code == 200
            return dict(response.json())

    import asyncio

    document = asyncio.run(fetch())
    assert document["openapi"] == "3.1.0"
    paths = document["paths"]
    assert isinstance(paths, dict)
    for route in routes:
        path = re.sub(r"{([a-z_]+)(?::[a-z]+)?}", r"{\1}", route.path)
        assert path in paths, path
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in paths[path], (method, path)


def test_request_schemas_match_the_validation_limits(tmp_path: Path) -> None:
    from sprankel.api.openapi import SCHEMAS
    from sprankel.facilitation import validation

    assert SCHEMAS["NewIdea"]["properties"]["text"]["maxLength"] == validation.MAX_IDEA
    assert set(SCHEMAS["NewRound"]["properties"]) == set(validation.ROUND_FIELDS)
    assert set(SCHEMAS["NewSession"]["properties"]) == set(validation.SESSION_FIELDS)
    assert set(SCHEMAS["NewIdea"]["properties"]) == set(validation.IDEA_FIELDS)


def test_every_reference_in_the_document_resolves() -> None:
    from sprankel.api.openapi import SCHEMAS, openapi_document
    from sprankel.api.sessions import SessionsApi

    class _Engine:  # the endpoint table needs no running engine
        pass

    endpoints = SessionsApi(None, _Engine(), None).endpoints()  # type: ignore[arg-type]
    document = openapi_document(endpoints)
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in SCHEMAS, ref
