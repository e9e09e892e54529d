"""The routes of the API, from the features' endpoint declarations.

One route per path, whatever its methods, so a wrong method gets 405 with the full
``Allow`` list; every handler answers refusals as JSON {error, message} (_http.py).
Before a handler runs, in this order: the token (401, or the feature's 403/404) and the
declared roles (403), the guard (rate limits, 429), the body (413/422, the declared
parser).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..kernel.roles import require_role
from ..kernel.validation import no_body
from ._http import Handler, api_errors, json_body
from .endpoint import Call, Endpoint
from .openapi import openapi_route


def api_routes(endpoints: Sequence[Endpoint]) -> list[BaseRoute]:
    """The routes of the endpoints, and /api/openapi.json describing them."""
    return [*_routes_by_path(endpoints), openapi_route(endpoints)]


def _routes_by_path(endpoints: Sequence[Endpoint]) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Handler]] = {}
    for e in endpoints:
        by_path.setdefault(e.path, {})[e.method] = api_errors(bind(e))
    return [Route(path, _dispatch(handlers), methods=list(handlers))
            for path, handlers in by_path.items()]


def bind(e: Endpoint) -> Handler:
    """The request handler of a declaration: token, roles, guard, body, then e.handler."""
    if e.auth and e.authenticate is None:
        raise ValueError(f"{e.method} {e.path} needs a token but declares no authenticate")
    if e.roles and not e.auth:
        raise ValueError(f"{e.method} {e.path} declares roles but is public")

    async def handler(request: Request) -> Response:
        session = who = None
        if e.auth and e.authenticate is not None:
            # The token first: a request without one is a 401 (as the document says),
            # and does not spend the rate limit of those who have one.
            session, who = await e.authenticate(request)
            # The engine checks the same rule again (it is also called directly); the
            # engine's is authoritative, this one answers 403 before the body is read.
            require_role(getattr(who, "role", ""), e.roles)
        if e.guard is not None and (refused := e.guard(request)) is not None:
            return refused
        if not e.auth and e.authenticate is not None:
            # A public endpoint may declare a lookup: it finds what the path names (404)
            # before the body is read, with no token.
            session, who = await e.authenticate(request)
        body = None
        if e.body is not None:
            body = e.body.parse(await json_body(request, optional=e.body.optional))
        elif e.method == "POST":
            # A POST that declares no body (an action: lock, start a round) takes none:
            # an empty body or {}; anything else is a 422, not silently ignored.
            no_body(await json_body(request, optional=True))
        return await e.handler(request, Call(session, who, body))

    return handler


def _dispatch(handlers: dict[str, Handler]) -> Handler:
    async def dispatch(request: Request) -> Response:
        # The route has let only these methods (and HEAD for GET) through.
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return dispatch
