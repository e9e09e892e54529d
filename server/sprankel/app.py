"""The composition root: builds every part of one process, in order, and wires the edges.

    store, broker, rooms  ->  Services (the shared parts)
    the features          ->  each built with what it needs (feature.py); a new feature
                              is one line in build_features() below
    routes and pages      ->  the features' endpoints, the WebSocket route, the pages

The lifespan starts the store, the broker and then each feature in order, and stops
them in reverse after closing the rooms' connections.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from . import __version__, metrics, pages, wellknown
from .api.admin import AdminFeature
from .api.audit import AuditFeature
from .api.export import ExportFeature
from .api.identity import IdentityFeature
from .api.presence import PresenceFeature
from .api.routing import api_routes
from .api.sessions import SessionsFeature
from .api.spaces import KoffiehoekFeature
from .api.voice import VoiceFeature
from .broker import Broker
from .broker.memory import MemoryBroker
from .config import Settings, validate
from .feature import Feature
from .kernel.tokens import Lifetimes, TokenSigner, load_or_create_keys
from .logs import RequestIds
from .looplag import LoopLag
from .origins import RequestCheckMiddleware, RequestPolicy
from .ratelimits import Limits
from .responses import error
from .security import SecurityHeadersMiddleware
from .services import Services
from .store import Store
from .store.sqlite import SQLiteStore
from .sync.access import open_access
from .sync.awareness import AwarenessLimits
from .sync.endpoint import serve_document
from .sync.guard import UpdateLimits
from .sync.rooms import RoomManager

log = logging.getLogger("sprankel")

# The `error` of the framework's own answers (unknown path, wrong method, ...) on /api.
_HTTP_ERRORS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                413: "too_large", 415: "unsupported_media_type", 422: "invalid"}


def build_store(settings: Settings) -> Store:
    if settings.store == "redis":
        from ._redis import RedisTarget
        from .store.redis import RedisStore

        return RedisStore(RedisTarget.from_settings(settings),
                          compact_after=settings.compact_after)
    if settings.store == "postgres":
        from .store.postgres import PostgresStore

        assert settings.database_url is not None
        return PostgresStore(settings.database_url, compact_after=settings.compact_after)
    return SQLiteStore(settings.database_path, compact_after=settings.compact_after)


def build_broker(settings: Settings, store: Store) -> Broker:
    if settings.redis_url:
        from ._redis import RedisTarget
        from .broker.redis import RedisBroker

        # After a Redis blip the broker re-reads open documents from the store to fill gaps.
        return RedisBroker(RedisTarget.from_settings(settings), recover=store.load)
    return MemoryBroker()


def build_rooms(settings: Settings, store: Store, broker: Broker) -> RoomManager:
    limits = UpdateLimits(
        max_value_depth=settings.max_value_depth,
        max_type_depth=settings.max_type_depth,
        max_update_structs=settings.max_update_structs,
        max_document_size=settings.max_document_size,
    )
    rooms = RoomManager(store, broker, settings.room_grace_s, settings.outbox_limit, limits)
    rooms.awareness_limits = AwarenessLimits(
        settings.awareness_client_ids, settings.awareness_entries, settings.awareness_state_bytes)
    if settings.open_documents:
        rooms.set_authorizer(open_access)
    return rooms


def build_services(settings: Settings, store: Store | None = None) -> Services:
    store = store if store is not None else build_store(settings)
    broker = build_broker(settings, store)
    rooms = build_rooms(settings, store, broker)
    return Services(settings=settings, store=store, broker=broker, rooms=rooms,
                    limits=Limits.from_settings(settings))


def build_features(services: Services) -> list[Feature]:
    """Every feature of the product, in start order; each gets its collaborators here."""
    settings = services.settings
    hour_ms = 3_600_000
    lifetimes = Lifetimes(session_ms=int(settings.token_lifetime_hours * hour_ms),
                          after_end_ms=int(settings.token_hours_after_end * hour_ms),
                          member_ms=int(settings.member_token_days * 24 * hour_ms))
    signer = TokenSigner(load_or_create_keys(settings.secret_key, settings.data_dir),
                         lifetimes=lifetimes)
    identity = IdentityFeature(services)
    sessions = SessionsFeature(services, signer, identity.gate)
    spaces = KoffiehoekFeature(services, sessions.engine, identity.gate)
    voice = VoiceFeature(services, spaces.koffiehoek, spaces.gatherings, sessions.engine)
    spaces.on_tables = voice.tables_changed  # watchers of a space see a new table at once
    # Someone removed is stood up from the voice tables at once, on every process.
    spaces.koffiehoek.on_member_removed.append(
        lambda space, by, member: voice.drop_member(space.id, member.id))
    sessions.engine.people.on_removed.append(
        lambda session, by, who: voice.drop_participant(session.id, who.id))
    return [
        identity,
        sessions,
        spaces,
        voice,
        ExportFeature(services, sessions.engine),
        AuditFeature(sessions.engine),
        PresenceFeature(services),
        AdminFeature(services, sessions.engine),
    ]


def create_app(settings: Settings, *, store: Store | None = None) -> Starlette:
    """The app of one process; `store` replaces the one the settings name (tests give
    a store that fails on purpose)."""
    validate(settings)
    services = build_services(settings, store)
    features = build_features(services)
    for feature in features:
        for prefix, authorizer in feature.authorizers().items():
            services.rooms.add_authorizer(prefix, authorizer)
    policy = RequestPolicy.build(settings.public_url, settings.allowed_hosts,
                                 settings.allowed_origins)
    # The document sockets skip the middleware (server.py): the rooms check them.
    services.rooms.set_admission(policy.websocket_refusal)
    registry = None
    loop_lag = LoopLag() if settings.metrics else None
    if loop_lag is not None:
        engine = next(f for f in features if isinstance(f, SessionsFeature)).engine
        registry = metrics.build_registry(services, lambda: engine.core.running_rounds,
                                          loop_lag)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.store.start()
        await services.broker.start()
        if loop_lag is not None:
            loop_lag.start()
        for feature in features:
            await feature.start()
        if settings.open_documents:
            log.warning(
                "OPEN DOCUMENTS: every document outside a session can be read and written "
                "by anyone without a token. Use this for development and tests only."
            )
        if not policy.configured:
            log.warning(
                "NO --public-url OR --allowed-hosts: links and the Content-Security-Policy "
                "follow each request's Host header, and only same-origin browser requests "
                "are checked. Set --public-url (or --allowed-hosts) in production.")
        if not settings.security_contact:
            log.warning("no --security-contact: /.well-known/security.txt answers 404, so "
                        "researchers cannot find where to report a vulnerability")
        log.info("sprankel %s ready store=%s broker=%s", __version__, settings.store,
                 "redis" if settings.redis_url else "memory")
        try:
            yield
        finally:
            if loop_lag is not None:
                await loop_lag.stop()
            await services.rooms.shutdown()
            for feature in reversed(features):
                await feature.stop()
            await services.broker.close()
            await services.store.close()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    async def readyz(request: Request) -> JSONResponse:
        if await services.store.healthy():
            return JSONResponse({"status": "ready"})
        return error(503, "not_ready", "the store does not take writes (down, full or read-only)")

    async def websocket(ws: WebSocket) -> None:
        await serve_document(ws, services.rooms, ws.path_params["name"], services.limits.sockets)

    async def http_error(request: Request, exc: Exception) -> Response:
        # Clients of the API get JSON {error, message} also from the router (a mistyped
        # path, a wrong method); pages keep the framework's plain answers.
        assert isinstance(exc, HTTPException)
        if not request.url.path.startswith("/api/"):
            return PlainTextResponse(exc.detail, status_code=exc.status_code,
                                     headers=exc.headers)
        return error(exc.status_code, _HTTP_ERRORS.get(exc.status_code, "http_error"),
                     _http_message(exc, request), headers=exc.headers)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        wellknown.route(settings),
        WebSocketRoute("/ws/{name:path}", websocket),
        *api_routes([e for feature in features for e in feature.endpoints()]),
        *([Route("/metrics", metrics.endpoint(registry, settings.metrics_token))]
          if registry is not None and settings.metrics_token else []),
        *[route for feature in features for route in feature.routes()],
        *pages.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(RequestIds),
                                Middleware(SecurityHeadersMiddleware, policy=policy),
                                Middleware(RequestCheckMiddleware, policy=policy)],
                    exception_handlers={HTTPException: http_error})
    app.state.services = services
    app.state.metrics = registry  # server.py serves it on --metrics-address as well
    return app


def _http_message(exc: HTTPException, request: Request) -> str:
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed here" + (f"; use {allowed}" if allowed else "")
    if exc.status_code == 404:
        return "no such API endpoint"
    return str(exc.detail)
