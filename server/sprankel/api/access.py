"""Who may connect to a session's documents, and write to them (the WebSocket rules).

The sync layer calls the authorizer once per connection, before any content is sent,
with the document name and the query parameters (``?token=``), and asks the returned
Access's can_write() on every update. can_write() reads the engine's per-process
flags, which every process updates from the broker's events, so a lock or the end of
a session takes effect at once on connections that are already open everywhere.

Refusals (the connection is accepted, then closed with the code and reason):
    4401  no token, or a token that is malformed, forged, revoked or expired (also
          while connected: at the token's expiry the connection is closed with 4401)
    4403  a token of another session; another participant's drafts; an observer's drafts;
          a participant who was removed (also while connected, on every process)
    4404  no such session, or a name under sessions/ that is no session document
    4410  the drafts of a session that has ended

With --open-documents, names under sessions/ whose session does not exist are open
documents too (interop tests and benchmarks use such names); real sessions keep
their rules.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import status
from ..facilitation import Engine
from ..facilitation.documents import parse_document_name
from ..facilitation.roles import may_open_document, may_write_document
from ..kernel.errors import AppError, Forbidden, NotFound
from ..sync.access import Access, Authorizer, Refusal

_CODES = {401: status.CLOSE_UNAUTHORIZED, 403: status.CLOSE_FORBIDDEN,
          404: status.CLOSE_NOT_FOUND, 410: status.CLOSE_GONE}


def session_authorizer(engine: Engine, open_documents: bool = False) -> Authorizer:
    async def authorize(name: str, params: Mapping[str, str]) -> Access | Refusal:
        document = parse_document_name(name)
        if open_documents and (document is None
                               or not await engine.sessions.exists(document.session_id)):
            # Development mode: a name under sessions/ that belongs to no session is an
            # open document like any other; real sessions keep every rule below.
            return Access()
        if document is None:
            return Refusal(status.CLOSE_NOT_FOUND, "no such session document")
        try:
            session, who = await engine.sessions.authenticate(document.session_id,
                                                              params.get("token"))
        except (Forbidden, NotFound) as refusal:
            return Refusal(_CODES[refusal.status], refusal.message)
        except AppError as refusal:
            return Refusal(_CODES.get(refusal.status, status.CLOSE_UNAUTHORIZED), refusal.message)
        kind, owner = document.kind, document.owner_id
        if not may_open_document(kind, who.role, who.id, owner):
            return Refusal(status.CLOSE_FORBIDDEN,
                           "only its participant and the facilitator may open these drafts")
        if kind == "drafts" and session.ended:
            return Refusal(status.CLOSE_GONE, "the session has ended")
        sid, role, pid = session.id, who.role, who.id

        def can_write() -> bool:
            flags = engine.core.flags(sid)
            return may_write_document(kind, role, pid, owner, flags.locked, flags.ended,
                                      flags.drafts_open)

        if kind == "board":
            # Named (by id) in the board's next version: who was there while it changed.
            await engine.versions.note_active(sid, pid)
        anonymous = session.anonymous
        claims = engine.core.signer.verify(params.get("token") or "")
        expires_at = engine.sessions.expires_at(session, who,
                                                claims.expires_at if claims else None)

        def unnamed() -> bool:
            return anonymous

        # Presence and cursors live on the board; the control document is the server's own.
        return Access(user=who.public(), can_write=can_write,
                      may_publish_awareness=kind == "board", anonymous=unnamed,
                      expires_at=expires_at)

    return authorize
