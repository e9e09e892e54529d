"""GET /api/sessions/{id}/export.md|.json|.csv: a session's results as a download.

Facilitators may always download; participants and observers only when the session
allows it (`participants_can_export`). What they get is what the control document
and the board already show them: published tallies and revealed ideas, no drafts.
Errors are JSON {error, message}: 401 without a valid token, 403 for a token of
another session or a role that may not export, 404 for an unknown session, 422 for an
unknown time zone (`?tz=Europe/Amsterdam` sets the summary's time zone; default UTC).
"""

from __future__ import annotations

import asyncio
import zoneinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..export import MEDIA_TYPES, render
from ..export.collect import SessionNotFound, collect
from ..export.filename import export_filename
from ..export.markdown import UnknownTimezone, session_day, timezone
from ..export.sources import LiveSource
from ..facilitation import Engine
from ..facilitation.roles import FACILITATOR
from ..kernel.errors import AppError
from ..services import Services
from .sessions import Endpoint

# The names ?tz= takes, exactly (the OpenAPI document lists them as schema TimeZone).
TIME_ZONES = sorted(zoneinfo.available_timezones() | {"UTC"})
_TIME_ZONE_SET = frozenset(TIME_ZONES)
_TZ = {"name": "tz", "in": "query", "required": False,
       "schema": {"$ref": "#/components/schemas/TimeZone"},
       "description": "time zone of the summary's times, e.g. Europe/Amsterdam (default UTC)"}

_SUMMARIES = {
    "md": "The session's summary as Markdown (facilitators; participants when allowed)",
    "json": "Everything of the session as JSON, with a schema version (for the record)",
    "csv": "One row per idea as CSV (round, cluster, text, votes, author, created)",
}


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def _engine(services: Services) -> Engine | None:
    # api/__init__.py installs the engine of this process under "facilitation".
    engine = services.extras.get("facilitation")
    return engine if isinstance(engine, Engine) else None


def routes(services: Services) -> list[Endpoint]:
    async def export(request: Request, fmt: str) -> Response:
        engine = _engine(services)
        if engine is None:
            return _error(503, "not_ready", "the facilitation engine is not running")
        session_id = request.path_params["session_id"]
        try:
            session, who = await engine.sessions.authenticate(session_id, _bearer(request))
        except AppError as refusal:
            return _error(refusal.status, refusal.error, refusal.message)
        if who.role != FACILITATOR and not session.participants_can_export:
            return _error(403, "forbidden",
                          "only the facilitator may download the results of this session")
        tz_name = request.query_params.get("tz")
        try:
            if tz_name is not None and tz_name not in _TIME_ZONE_SET:
                raise UnknownTimezone(f"unknown time zone {tz_name!r}; use a name like "
                                      "Europe/Amsterdam")
            zone = timezone(tz_name)
        except UnknownTimezone as error:
            return _error(422, "invalid", str(error))
        try:
            model = await collect(LiveSource(services.store, services.rooms), session_id)
        except SessionNotFound:
            return _error(404, "not_found", "no such session")
        filename = export_filename(model.meta.title, session_day(model, zone), fmt)
        headers = {
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Results of a session are not for shared caches or later visitors.
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        # Rendering 5,000 ideas takes a few hundred ms: off the event loop.
        text = await asyncio.to_thread(render, model, fmt, zone)
        return Response(text.encode("utf-8"), headers=headers, media_type=MEDIA_TYPES[fmt])

    def endpoint(fmt: str) -> Any:
        async def handler(request: Request) -> Response:
            return await export(request, fmt)

        return handler

    return [
        Endpoint("GET", f"/api/sessions/{{session_id}}/export.{fmt}", endpoint(fmt),
                 _SUMMARIES[fmt], errors=(401, 403, 404, 422, 503),
                 media_type=MEDIA_TYPES[fmt], parameters=(_TZ,))
        for fmt in ("md", "json", "csv")
    ]
