"""One HTTP endpoint, declared once: the routes (routing.py) and the OpenAPI document
(openapi.py) are both read from these declarations, so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: str | None = None  # the name of a request schema in openapi.py
    response: str | None = None  # the name of a response schema
    status: int = 200
    auth: bool = True  # a bearer token is needed
    errors: tuple[int, ...] = (401, 403, 404)
    media_type: str = "application/json"  # of the successful answer
    # Parameters beyond the path's strings: OpenAPI parameter objects, by name.
    parameters: tuple[dict[str, Any], ...] = ()
