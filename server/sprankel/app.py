"""The Starlette application: builds the parts of one process and wires the edges."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from . import __version__, api, pages
from .broker import Broker
from .broker.memory import MemoryBroker
from .config import Settings, validate
from .security import SecurityHeadersMiddleware
from .services import Services
from .store import Store
from .store.sqlite import SQLiteStore
from .sync.access import open_access
from .sync.endpoint import serve_document
from .sync.guard import UpdateLimits
from .sync.rooms import RoomManager

log = logging.getLogger("sprankel")

API_NOT_FOUND = "api_not_found"  # the catch-all that answers unknown /api paths with JSON


def build_store(settings: Settings) -> Store:
    if settings.store == "redis":
        from .store.redis import RedisStore

        assert settings.redis_url is not None
        return RedisStore(settings.redis_url, compact_after=settings.compact_after)
    return SQLiteStore(settings.database_path, compact_after=settings.compact_after)


def build_broker(settings: Settings, store: Store | None = None) -> Broker:
    if settings.redis_url:
        from .broker.redis import RedisBroker

        # After a Redis blip the broker re-reads open documents from the store to fill gaps.
        return RedisBroker(settings.redis_url, recover=store.load if store else None)
    return MemoryBroker()


def build_services(settings: Settings) -> Services:
    store = build_store(settings)
    broker = build_broker(settings, store)
    limits = UpdateLimits(
        max_value_depth=settings.max_value_depth,
        max_type_depth=settings.max_type_depth,
        max_update_structs=settings.max_update_structs,
        max_document_size=settings.max_document_size,
    )
    rooms = RoomManager(store, broker, settings.room_grace_s, settings.outbox_limit, limits)
    if settings.open_documents:
        rooms.set_authorizer(open_access)
    return Services(settings=settings, store=store, broker=broker, rooms=rooms)


def create_app(settings: Settings) -> Starlette:
    validate(settings)
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.store.start()
        await services.broker.start()
        for hook in services.on_startup:
            await hook()
        if settings.open_documents:
            log.warning(
                "OPEN DOCUMENTS: every document outside a session can be read and written "
                "by anyone without a token. Use this for development and tests only."
            )
        log.info("sprankel %s ready store=%s broker=%s", __version__, settings.store,
                 "redis" if settings.redis_url else "memory")
        try:
            yield
        finally:
            await services.rooms.shutdown()
            for hook in reversed(services.on_shutdown):
                await hook()
            await services.broker.close()
            await services.store.close()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    async def readyz(request: Request) -> JSONResponse:
        if await services.store.healthy():
            return JSONResponse({"status": "ready"})
        return JSONResponse(
            {"error": "not_ready", "message": "the store does not answer"}, status_code=503
        )

    async def websocket(ws: WebSocket) -> None:
        await serve_document(ws, services.rooms, ws.path_params["name"])

    async def api_not_found(request: Request) -> JSONResponse:
        return JSONResponse({"error": "not_found", "message": "no such API endpoint"},
                            status_code=404)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        WebSocketRoute("/ws/{name:path}", websocket),
        *api.routes(services),
        # Clients of the API get JSON errors, also for a mistyped path.
        Route("/api/{path:path}", api_not_found, name=API_NOT_FOUND,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        *pages.routes(services),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(SecurityHeadersMiddleware)])
    app.state.services = services
    return app
