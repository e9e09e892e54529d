"""The facilitation engine: sessions, participants, the agenda, the timer, votes,
ratings, hidden ideas and moderation, kept in the store and written into documents.

Every rule is decided here, on the server. A change is one atomic update of the
session record (also across processes); what follows from it (the control document,
moving hidden ideas, passing brainwriting sheets, publishing tallies, telling the
other processes) is done after it, by the process that made the change.

`Engine` is the one object the edges hold. It is put together from a core (core.py:
the collaborators, the atomic change and what follows it, timers, flags, events) and
one section per concern, each reached by name:

    engine.sessions   create, join, authenticate, get, participants, lock, end
    engine.agenda     rounds planned, changed, removed; round actions; deadlines
    engine.hidden     reveal, hidden ideas, hold back; brainwriting sheets
    engine.ideas      ideas added through the API; the board's ideas
    engine.votes      votes and ratings, the caller's own, published results
    engine.reactions  reactions (emoji) published to everyone, stored nowhere
    engine.spotlight  the idea in the spotlight
    engine.people     removing a participant; co-facilitators
    engine.versions   the board's version history: snapshots, preview, restore
    engine.retention  deleting a session and all it owns; the sweep after retention_days
    engine.core       collaborators (clock, signer, store), flags, on_session_ended, and
                      the audit trail (engine.core.audit.record: audit/trail.py)

Section methods take the `Session` their caller was authenticated for (the API has it
from `sessions.authenticate`), so a request reads the record once. Every change still
re-reads it inside the store's atomic update (`Core.change`), and what follows a change
(publishing results, revealing ideas) reads it afresh.

A new rule goes into the section it belongs to (an author's edit of their idea: ideas.py;
something open connections must know at once: `Flags` in core.py), and a section that
needs another gets it in its constructor here, in import order: versions, votes, hidden,
agenda, ideas, sessions.
"""

from __future__ import annotations

from ..audit.trail import Sink
from ..broker import Broker
from ..kernel.clock import Clock
from ..kernel.tokens import TokenSigner
from ..store import Store
from .agenda import Agenda
from .core import RECONCILE_S, Core, Documents
from .hidden import Hidden
from .ideas import Ideas
from .people import People
from .reactions import Reactions
from .retention import DEFAULT_SWEEP_S, Retention
from .sessions import Sessions
from .spotlight import Spotlight
from .versions import DEFAULT_INTERVAL_S, Versions
from .votes import Votes


class Engine:
    def __init__(self, store: Store, broker: Broker, documents: Documents, signer: TokenSigner,
                 clock: Clock | None = None, reconcile_s: float = RECONCILE_S,
                 version_interval_s: float = DEFAULT_INTERVAL_S,
                 retention_days: float = 0.0, retention_sweep_s: float = DEFAULT_SWEEP_S,
                 audit_sink: Sink | None = None) -> None:
        self.core = Core(store, broker, documents, signer, clock, reconcile_s, audit_sink)
        self.versions = Versions(self.core, interval_s=version_interval_s)
        self.votes = Votes(self.core)
        self.hidden = Hidden(self.core, self.votes, self.versions)
        self.agenda = Agenda(self.core, self.hidden, self.votes)
        self.ideas = Ideas(self.core, self.hidden)
        self.sessions = Sessions(self.core, self.agenda, self.versions, retention_days)
        self.retention = Retention(self.core, retention_days, retention_sweep_s)
        self.people = People(self.core)
        self.reactions = Reactions(self.core)
        self.spotlight = Spotlight(self.core, self.hidden)
        self.core.on_deadline = self.agenda.on_deadline

    async def start(self) -> None:
        """Listen to the other processes, re-arm the timers of running rounds, and finish
        the round ends a stop interrupted."""
        sessions = await self.core.start()
        self.agenda.finish_interrupted(sessions)
        self.core.spawn(self.versions.run_intervals(), "board versions at intervals")
        self.core.spawn(self.retention.run_sweeps(), "retention sweep")

    async def stop(self) -> None:
        await self.core.stop()
