"""The routes of the API, from the features' endpoint declarations.

One route per path, whatever its methods, so a wrong method gets 405 with the full
``Allow`` list; every handler answers refusals as JSON {error, message} (_http.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ._http import Handler, api_errors
from .endpoint import Endpoint
from .openapi import openapi_route


def api_routes(endpoints: Sequence[Endpoint]) -> list[BaseRoute]:
    """The routes of the endpoints, and /api/openapi.json describing them."""
    return [*_routes_by_path(endpoints), openapi_route(endpoints)]


def _routes_by_path(endpoints: Sequence[Endpoint]) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Handler]] = {}
    for e in endpoints:
        by_path.setdefault(e.path, {})[e.method] = api_errors(e.handler)
    return [Route(path, _dispatch(handlers), methods=list(handlers))
            for path, handlers in by_path.items()]


def _dispatch(handlers: dict[str, Handler]) -> Handler:
    async def dispatch(request: Request) -> Response:
        # The route has let only these methods (and HEAD for GET) through.
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return dispatch
