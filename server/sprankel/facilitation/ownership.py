"""What a session owns in the store: the one list that deletion works from.

A feature that keeps something per session adds one line here (its record kind and
how its keys start), and deleting a session (retention.py: the API's DELETE, the
sweep after retention_days, `sprankel admin delete`) removes it too.

A key template ending in "/" is a prefix (every record whose key starts with it);
otherwise it is the one key. ``{sid}`` is the session's id.
"""

from __future__ import annotations

from ..audit.trail import AUDIT, AUDIT_SEQUENCE
from ..sync.restore import GUARDED, QUARANTINE
from . import documents as docs
from .authorship import AUTHORSHIP
from .model import PARTICIPANT, RATINGS, SESSION, VOTES
from .review import REVIEW
from .versions import ACTIVITY, VERSION, VERSION_DATA

# (record kind, key template). The session record comes first: deleting it is what
# closes the door (the API, the WebSocket and the engine answer 404 from then on).
SESSION_RECORDS: tuple[tuple[str, str], ...] = (
    (SESSION, "{sid}"),
    (PARTICIPANT, "{sid}/"),
    (VOTES, "{sid}/"),
    (RATINGS, "{sid}/"),
    (AUTHORSHIP, "{sid}/"),
    (REVIEW, "{sid}/"),  # the frozen copies of hidden rounds' drafts
    (VERSION, "{sid}/"),
    (VERSION_DATA, "{sid}/"),
    (ACTIVITY, "{sid}"),
    (GUARDED, "sessions/{sid}/"),
    (QUARANTINE, "sessions/{sid}/"),
    (AUDIT, "{sid}/"),  # what the law asks to keep is the operator's sink (docs/records.md)
    (AUDIT_SEQUENCE, "{sid}"),
)


def session_documents(sid: str, participant_ids: list[str]) -> list[str]:
    """Every document a session can have: its board, its control document and one drafts
    document per participant (the store cannot list documents, so they are named)."""
    return [docs.board_name(sid), docs.control_name(sid),
            *(docs.drafts_name(sid, pid) for pid in participant_ids)]


def document_prefix(sid: str) -> str:
    """The prefix of every document name of the session (open rooms are dropped by it)."""
    return docs.session_prefix(sid)
