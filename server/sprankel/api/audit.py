"""GET /api/sessions/{sid}/audit: the session's audit trail, for its facilitator.

In order (by `seq`), a page at a time: `?after=SEQ` (default 0) and `?limit=N` (1 to
500, default 100). The answer's `next_after` is the `after` of the next page, or null
when this one was the last. Errors are JSON {error, message}: 401 without a token, 403
for another session's token or a role other than facilitator, 404 for an unknown
session, 422 for a bad `after` or `limit`.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..facilitation import Engine
from ..facilitation.model import Participant, Session
from ..facilitation.roles import FACILITATOR
from ..feature import Feature
from ..kernel.errors import Invalid
from ._http import bearer
from .endpoint import Call, Endpoint

MAX_PAGE = 500
DEFAULT_PAGE = 100
_MAX_SEQ = 10**10 - 1  # ten digits: audit/trail.py SEQ_DIGITS

_PARAMETERS = (
    {"name": "after", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, "maximum": _MAX_SEQ, "default": 0},
     "description": "the entries numbered above this one (the previous page's next_after)"},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                "default": DEFAULT_PAGE},
     "description": "at most this many entries"},
)


def _query_int(request: Request, name: str, low: int, high: int, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


class AuditFeature(Feature):
    """The facilitator's reading of the trail the engine records (engine.core.audit)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def _caller(self, request: Request) -> tuple[Session, Participant]:
        return await self.engine.sessions.authenticate(request.path_params["sid"],
                                                       bearer(request))

    async def trail(self, request: Request, call: Call[Session, Participant]) -> Response:
        after = _query_int(request, "after", 0, _MAX_SEQ, 0)
        limit = _query_int(request, "limit", 1, MAX_PAGE, DEFAULT_PAGE)
        # One more than asked tells whether another page follows.
        entries = await self.engine.core.audit.entries(call.session.id, after, limit + 1)
        page = entries[:limit]
        more = len(entries) > limit
        return JSONResponse({"entries": [e.to_json() for e in page],
                             "next_after": page[-1].seq if more else None})

    def endpoints(self) -> Sequence[Endpoint]:
        return [Endpoint("GET", "/api/sessions/{sid}/audit", self.trail,
                         "The session's audit trail, oldest first (facilitator)",
                         response="AuditTrail", errors=(401, 403, 404, 422),
                         parameters=_PARAMETERS, roles=(FACILITATOR,),
                         authenticate=self._caller)]
