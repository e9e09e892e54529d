"""The HTTP JSON API under /api and the WebSocket access rules of sessions.

`routes(services)` builds the facilitation engine once per process (install), and
returns the routes of the sessions API, its OpenAPI document, and the routes of the
other API modules that exist (presence, export, spaces). Every module declares its
endpoints (api/sessions.py Endpoint): one table gives the routes and the document.
One route per path, whatever its methods, so a wrong method gets 405 with the full
``Allow`` list.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .. import status
from ..facilitation import Engine
from ..facilitation.documents import drafts_prefix
from ..kernel.tokens import TokenSigner, load_or_create_key
from ..services import Services
from ._http import Handler, api_errors
from .access import session_authorizer
from .openapi import openapi_route
from .sessions import Endpoint, SessionsApi

log = logging.getLogger("sprankel.api")

# API modules of other parts, included when present: each has routes(services).
_OTHER_MODULES = ("presence", "export", "spaces")


def install(services: Services) -> Engine:
    """The facilitation engine of this process, registered in services (once)."""
    existing = services.extras.get("facilitation")
    if isinstance(existing, Engine):
        return existing
    settings = services.settings
    key = load_or_create_key(settings.secret_key, settings.data_dir)
    engine = Engine(services.store, services.broker, services.rooms, TokenSigner(key))

    async def close_drafts(session_id: str) -> None:
        await services.rooms.close_connections(drafts_prefix(session_id), status.CLOSE_GONE,
                                               "the session has ended")

    async def start() -> None:
        # The parts as they are at startup (a test may swap the store after create_app).
        core = engine.core
        core.store, core.broker, core.documents = services.store, services.broker, services.rooms
        await engine.start()

    engine.core.on_session_ended.append(close_drafts)
    services.extras["facilitation"] = engine
    services.on_startup.append(start)
    services.on_shutdown.append(engine.stop)
    services.rooms.add_authorizer(
        "sessions/", session_authorizer(engine, open_documents=settings.open_documents))
    return engine


def routes(services: Services) -> list[BaseRoute]:
    engine = install(services)
    sessions = SessionsApi(services, engine)
    endpoints = sessions.endpoints()
    others: list[BaseRoute] = []
    for name in _OTHER_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"{__name__}.{name}":
                raise
            continue
        for item in module.routes(services):
            if isinstance(item, Endpoint):
                endpoints.append(item)
            else:
                others.append(item)
    out = [*_routes_by_path(endpoints), *others]
    out.append(openapi_route(endpoints, others))
    return out


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
