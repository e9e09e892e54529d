"""One HTTP endpoint, declared once: method, path, who may call it (auth, roles), its
body (schema and parser, bodies.py) and its handler. The routes (routing.py), which
authenticate, check the roles and parse the body before the handler runs, and the
OpenAPI document (openapi.py) are both read from these declarations, so they cannot
drift apart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]

S = TypeVar("S")
W = TypeVar("W")


@dataclass(frozen=True)
class Call(Generic[S, W]):
    """What the routing layer found out before the handler runs: the session (or space)
    the token opens, who holds it, and the parsed body. None for what the endpoint
    does not declare (a public endpoint has no session; one without a body no body)."""

    session: S
    who: W
    body: Any = None


# handler(request, call): the Call's types are those of the feature's authenticate.
CallHandler = Callable[[Request, Any], Awaitable[Response]]
# The feature's own token check: (session or space, who) or an AppError (401/403/404).
Authenticate = Callable[[Request], Awaitable[tuple[Any, Any]]]
# Runs before anything else (a rate limit: every attempt counts, good body or bad).
Guard = Callable[[Request], Response | None]


@dataclass(frozen=True)
class Body:
    """A request body, declared once: its JSON schema (the OpenAPI document) and its
    parser (raw JSON -> the fields the handler takes, or Invalid with the message)."""

    name: str
    schema: dict[str, Any]
    parse: Callable[[Any], Any]
    optional: bool = False  # an empty body is allowed: the parser gets None


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: CallHandler
    summary: str
    body: Body | None = None  # None: no body (a POST then takes only nothing or {})
    response: str | None = None  # the name of a response schema in openapi.py
    status: int = 200
    auth: bool = True  # a bearer token is needed (checked by authenticate)
    errors: tuple[int, ...] = (401, 403, 404)
    media_type: str = "application/json"  # of the successful answer
    # Parameters beyond the path's strings: OpenAPI parameter objects, by name.
    parameters: tuple[dict[str, Any], ...] = ()
    # Who may call it: empty = anyone with a valid token (checked after authenticate).
    roles: tuple[str, ...] = ()
    # Needed when auth is True; on a public endpoint, an optional lookup of the path.
    authenticate: Authenticate | None = None
    guard: Guard | None = None
