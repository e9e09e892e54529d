"""GET /api/sessions/{id}/export.md|.json|.csv|.zip: a session's results as a download.

Facilitators may always download; participants and observers only when the session
allows it (`participants_can_export`). What they get is what the control document
and the board already show them: published tallies and revealed ideas, no drafts; the
audit trail (in the JSON export and the zip) only a facilitator gets. The zip is the
archive package (export/archive.py): every export, the whiteboard as .excalidraw and
SVG, the audit trail and MDTO metadata. Every download is an `export.downloaded` entry
of the audit trail.
Errors are JSON {error, message}: 401 without a valid token, 403 for a token of
another session or a role that may not export, 404 for an unknown session, 422 for an
unknown time zone (`?tz=Europe/Amsterdam` sets the summary's time zone; default UTC).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import tzinfo

from starlette.requests import Request
from starlette.responses import Response

from ..audit import actor
from ..export import MEDIA_TYPES, render
from ..export.archive import MEDIA_TYPE as ZIP_MEDIA_TYPE
from ..export.archive import render_archive
from ..export.collect import SessionNotFound, collect
from ..export.filename import export_filename
from ..export.markdown import UnknownTimezone, session_day, timezone
from ..export.sources import LiveSource
from ..facilitation import Engine
from ..facilitation.model import Participant, Session
from ..facilitation.roles import FACILITATOR
from ..feature import Feature
from ..kernel.errors import Forbidden, Invalid, NotFound
from ..kernel.timezones import time_zone
from ..responses import download
from ..services import Services
from ._http import bearer
from .endpoint import Call, CallHandler, Endpoint

_TZ = {"name": "tz", "in": "query", "required": False,
       "schema": {"$ref": "#/components/schemas/TimeZone"},
       "description": "time zone of the summary's times, e.g. Europe/Amsterdam (default: the "
                      "session's settings.timezone, else UTC)"}

_SUMMARIES = {
    "md": "The session's summary as Markdown (facilitators; participants when allowed)",
    "json": "Everything of the session as JSON, with a schema version (for the record)",
    "csv": "One row per idea as CSV (round, cluster, text, votes, author, created)",
    "zip": "The archive package: every export, the whiteboard (.excalidraw, SVG), the audit "
           "trail and MDTO metadata per item (for the records)",
}
FORMATS = ("md", "json", "csv", "zip")


async def session_download(services: Services, session_id: str, fmt: str,
                           zone: tzinfo | None = None, *, with_audit: bool = False
                           ) -> Response:
    """A session's results in `fmt` as a download, as the documents hold them now, with
    times in `zone` (None: the session's own time zone, else UTC); the audit trail only
    `with_audit`. The one place that names and answers a download (also a space's
    summary.md)."""
    try:
        # The trail is in the JSON export and the zip only (and for facilitators only).
        model = await collect(LiveSource(services.store, services.rooms), session_id,
                              audit=with_audit and fmt in ("json", "zip"))
    except SessionNotFound as missing:
        raise NotFound("no such session") from missing
    if zone is None:
        zone = timezone(model.meta.timezone)
    filename = export_filename(model.meta.title, session_day(model, zone), fmt)
    # Rendering 5,000 ideas takes a few hundred ms: off the event loop.
    if fmt == "zip":
        data = await asyncio.to_thread(render_archive, model,
                                       services.settings.archive_creator, zone)
        return download(data, filename, ZIP_MEDIA_TYPE)
    text = await asyncio.to_thread(render, model, fmt, zone)
    return download(text, filename, MEDIA_TYPES[fmt])


class ExportFeature(Feature):
    """The downloads of a session's results, for the callers the engine authenticates."""

    def __init__(self, services: Services, engine: Engine) -> None:
        self.services = services
        self.engine = engine

    async def _caller(self, request: Request) -> tuple[Session, Participant]:
        """The authenticate of the downloads (routing.py calls it)."""
        return await self.engine.sessions.authenticate(request.path_params["session_id"],
                                                       bearer(request))

    async def export(self, request: Request, call: Call[Session, Participant],
                     fmt: str) -> Response:
        session_id = request.path_params["session_id"]
        session, who = call.session, call.who
        # Not a declared role: participants may too, when the session allows it.
        if who.role != FACILITATOR and not session.participants_can_export:
            raise Forbidden("only the facilitator may download the results of this session")
        tz_name = request.query_params.get("tz")
        zone = None
        if tz_name is not None:
            try:
                zone = timezone(time_zone(tz_name, "tz"))
            except UnknownTimezone as unknown:
                raise Invalid(str(unknown)) from unknown
        answer = await session_download(self.services, session_id, fmt, zone,
                                        with_audit=who.role == FACILITATOR)
        await self.engine.core.audit.record(session_id, "export.downloaded", actor(who),
                                            session_id, format=fmt)
        return answer

    def _handler(self, fmt: str) -> CallHandler:
        async def handler(request: Request, call: Call[Session, Participant]) -> Response:
            return await self.export(request, call, fmt)

        return handler

    def endpoints(self) -> Sequence[Endpoint]:
        return [
            Endpoint("GET", f"/api/sessions/{{session_id}}/export.{fmt}", self._handler(fmt),
                     _SUMMARIES[fmt], errors=(401, 403, 404, 422),
                     media_type=MEDIA_TYPES.get(fmt, ZIP_MEDIA_TYPE), parameters=(_TZ,),
                     authenticate=self._caller)
            for fmt in FORMATS
        ]
