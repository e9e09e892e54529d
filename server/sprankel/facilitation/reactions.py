"""Reactions: an emoji anyone in a session sends, which floats up on every screen.

Ephemeral, not content: never in a document or a record. The server publishes them as
an awareness state of its own on the control document (sync/rooms.py
publish_server_state), so they reach every connection, in every process (awareness goes
through the broker), and nothing is stored. The state names nobody, in any session: only
the emoji and a sequence number, so a reaction is anonymous by construction. The rate
limit per participant is the API's (api/sessions.py).

The state holds the reactions of the last few seconds (each with its number): several
sent within one event-loop turn reach the browser as one awareness message, whose last
state would otherwise hide the others.
"""

from __future__ import annotations

import itertools
from collections import deque

from . import documents as docs
from . import rounds
from .core import Core
from .model import Participant, Session
from .roles import require_contributor

RECENT_MS = 3_000  # how long a reaction stays in the published state
RECENT_MAX = 12  # and at most so many (a burst of the whole room)


class Reactions:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._numbers = itertools.count(1)
        self._recent: dict[str, deque[tuple[int, int, str]]] = {}  # sid -> (n, at ms, emoji)

    async def send(self, session: Session, who: Participant, emoji: str) -> int:
        """Publish a reaction (validation.REACTIONS); returns its number."""
        require_contributor(who)
        rounds.check_open(session)
        now = self.core.clock.now_ms()
        number = next(self._numbers)
        recent = self._recent.setdefault(session.id, deque(maxlen=RECENT_MAX))
        recent.append((number, now, emoji))
        while recent and recent[0][1] < now - RECENT_MS:
            recent.popleft()
        # Sessions quiet for a while are forgotten (bounded memory).
        for sid in [s for s, r in self._recent.items() if r[-1][1] < now - RECENT_MS]:
            del self._recent[sid]
        state = {"reactions": [[n, e] for n, _, e in recent]}
        await self.core.documents.publish_server_state(docs.control_name(session.id), state)
        return number
