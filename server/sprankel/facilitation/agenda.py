"""The agenda and the timer: rounds planned, changed and removed; their phases (start,
pause, resume, extend, end, reveal); what a deadline does; and what follows a round's
end (results published, hidden ideas revealed), also when a restart interrupted it."""

from __future__ import annotations

import logging
from typing import Any

from ..audit import actor
from ..kernel.errors import NotFound
from ..kernel.icebreakers import pick_icebreaker
from ..kernel.ids import new_id
from . import rounds
from .core import Core
from .errors import WrongPhase
from .hidden import Hidden
from .model import PARTICIPANT, Participant, Round, Session
from .roles import require_facilitator
from .votes import Votes

log = logging.getLogger("sprankel.facilitation")

TIMER_LEASE_S = 30.0


class Agenda:
    def __init__(self, core: Core, hidden: Hidden, votes: Votes) -> None:
        self.core = core
        self.hidden = hidden
        self.votes = votes

    async def add_round(self, session: Session, who: Participant, fields: dict[str, Any]
                        ) -> Round:
        require_facilitator(who)
        rnd = Round(id=new_id(), kind=fields["kind"], prompt=fields["prompt"],
                    duration_s=fields["duration_s"])
        _apply_round_fields(rnd, fields)

        def change(s: Session) -> None:
            rounds.check_open(s)
            if rnd.kind == "warmup" and rnd.icebreaker is None:
                rnd.icebreaker = pick_icebreaker(s.language)
            if rnd.kind == "warmup" and not rnd.prompt:
                rnd.prompt = rnd.icebreaker or ""
            s.rounds.append(rnd)

        changed = await self.core.change(session.id, change)
        await self.core.after(changed)
        await self.core.audit.record(session.id, "round.added", actor(who), rnd.id,
                                     kind=rnd.kind)
        return rounds.find(changed, rnd.id)

    async def update_round(self, session: Session, who: Participant, round_id: str,
                           fields: dict[str, Any]) -> Round:
        require_facilitator(who)

        def change(s: Session) -> None:
            rounds.check_open(s)
            rnd = rounds.find(s, round_id)
            if rnd.state == "ended":
                raise WrongPhase("an ended round cannot be changed")
            if rnd.state != "planned":
                fixed = sorted(set(fields) - {"prompt", "icebreaker"})
                if fixed:
                    raise WrongPhase(f"the round is {rnd.state}: only prompt and icebreaker "
                                     f"can change now, not {', '.join(fixed)}")
            _apply_round_fields(rnd, fields)

        changed = await self.core.change(session.id, change)
        await self.core.after(changed)
        await self.core.audit.record(session.id, "round.changed", actor(who), round_id,
                                     fields=",".join(sorted(fields)))
        return rounds.find(changed, round_id)

    async def delete_round(self, session: Session, who: Participant, round_id: str) -> None:
        require_facilitator(who)

        def change(s: Session) -> None:
            rounds.check_open(s)
            rnd = rounds.find(s, round_id)
            if rnd.state != "planned":
                raise WrongPhase(f"the round is {rnd.state}; only planned rounds can be deleted")
            s.rounds.remove(rnd)

        await self.core.after(await self.core.change(session.id, change))
        await self.core.audit.record(session.id, "round.deleted", actor(who), round_id)

    async def move_round(self, session: Session, who: Participant, round_id: str,
                         position: int) -> Round:
        """Facilitator: a planned round to another place in the agenda (0: first). Rounds
        that ran keep their place: the agenda is the plan, the summary the order run."""
        require_facilitator(who)

        def change(s: Session) -> None:
            rounds.check_open(s)
            rnd = rounds.find(s, round_id)
            if rnd.state != "planned":
                raise WrongPhase(f"the round is {rnd.state}; only planned rounds move")
            s.rounds.remove(rnd)
            s.rounds.insert(min(position, len(s.rounds)), rnd)

        changed = await self.core.change(session.id, change)
        await self.core.after(changed)
        return rounds.find(changed, round_id)

    # The timer and the phases of a round

    async def round_action(self, session: Session, who: Participant, round_id: str,
                           action: str, seconds: int | None = None) -> Round:
        require_facilitator(who)
        if action == "reveal":
            was_active = rounds.find(session, round_id).active
            revealed = await self.hidden.reveal(session, round_id)
            if was_active and revealed.state == "ended" and revealed.is_hidden:
                # A hidden round that still ran ends with its reveal.
                await self.core.audit.record(session.id, "round.ended", actor(who), round_id,
                                             kind=revealed.kind)
            await self.core.audit.record(session.id, "round.revealed", actor(who), round_id,
                                         kind=revealed.kind)
            return revealed
        participant_ids: list[str] = []
        if action == "start":
            participant_ids = [p.id for p in await self.core.participants(session.id)
                               if p.role == PARTICIPANT]
        now = self.core.clock.now_ms()

        def change(s: Session) -> None:
            rnd = rounds.find(s, round_id)
            if action == "start":
                rounds.start(s, rnd, now, participant_ids)
            elif action == "pause":
                rounds.pause(s, rnd, now)
            elif action == "resume":
                rounds.resume(s, rnd, now)
            elif action == "extend":
                assert seconds is not None
                rounds.extend(s, rnd, seconds)
            elif action == "end":
                rounds.end(s, rnd, now)
            else:
                raise NotFound(f"unknown round action {action!r}")

        changed = await self.core.change(session.id, change)
        rnd = rounds.find(changed, round_id)
        details: dict[str, str | int] = {"kind": rnd.kind}
        if action == "extend" and seconds is not None:
            details["seconds"] = seconds
        await self.core.audit.record(session.id, _ACTIONS[action], actor(who), round_id,
                                     **details)
        if action == "start" and rnd.kind == "brainwrite":
            await self.hidden.pass_sheets(changed, rnd)
        if action == "start" and rnd.kind == "vote":
            await self.votes.publish_progress(changed, rnd)  # nobody has voted yet
        if action == "end":
            changed = await self.round_ended(changed, rnd, who)
        await self.core.after(changed)
        return rounds.find(changed, round_id)

    async def on_deadline(self, sid: str, round_id: str, deadline: int) -> None:
        """A running round's deadline passed (the core's timer calls this)."""
        self.core.timer_fired(sid)
        if self.core.documents.stopping:
            # This process is shutting down: its documents take no more changes, so a
            # transition now would leave the round ended and its reveal (and control
            # document) undone. The deadline stays in the record: the next process (or
            # another one) arms it at start, already past, and ends the round at it.
            log.info("round deadline left to the next start session=%s round=%s", sid,
                     round_id)
            return
        try:
            # Every process has this timer; the lease lets one of them do the work. The
            # transition below is idempotent as well, so a lost lease cannot double it.
            if not await self.core.broker.acquire_once(f"timer:{sid}:{round_id}:{deadline}",
                                                       TIMER_LEASE_S):
                # Another process holds the lease. Should it die before the transition,
                # try again when the lease has expired (a no-op if the round has ended).
                self._retry_later(sid, round_id, deadline)
                return
            now = self.core.clock.now_ms()
            outcome: list[rounds.Expiry] = []

            def change(s: Session) -> None:
                outcome.clear()
                rnd = s.round(round_id)
                if rnd is not None:
                    result = rounds.expire(s, rnd, deadline, now)
                    if result is not None:
                        outcome.append(result)

            session = await self.core.change(sid, change)
            rnd = session.round(round_id)
            if outcome and rnd is not None:
                log.info("round deadline session=%s round=%s outcome=%s", sid, round_id,
                         outcome[0].what)
                if outcome[0].what == "rotated":
                    await self.hidden.pass_sheets(session, rnd)
                else:
                    await self.core.audit.record(sid, "round.ended", actor(None), round_id,
                                                 kind=rnd.kind, deadline=True)
                    session = await self.round_ended(session, rnd)
            await self.core.after(session)
        except NotFound:
            return
        except Exception:
            log.exception("round timer failed session=%s round=%s", sid, round_id)

    def _retry_later(self, sid: str, round_id: str, deadline: int) -> None:
        if self.core.stopped:
            return
        when = self.core.clock.now_ms() + int(TIMER_LEASE_S * 1000) + 1

        async def retry() -> None:
            forget()
            session = await self.core.session(sid)
            rnd = session.round(round_id)
            if rnd is not None and rnd.state == "running" and rnd.deadline_ms == deadline:
                await self.on_deadline(sid, round_id, deadline)

        forget = self.core.call_at(when, retry)

    # What follows the end of a round

    async def round_ended(self, session: Session, rnd: Round,
                          who: Participant | None = None) -> Session:
        """What follows the end of a round: results published, hidden ideas revealed
        (in the trail as a reveal by whoever ended the round, or by the server)."""
        if rnd.kind in ("vote", "rate"):
            after = await self.votes.publish_results(session.id, rnd.id)
        else:
            # Writing has closed: what the facilitator reviews from now on is this copy.
            await self.hidden.freeze(session, rnd)
            if not (rnd.is_hidden and rnd.auto_reveal):
                return session
            after = await self.hidden.reveal_ideas(session.id, rnd.id)
        if not rnd.revealed and rounds.find(after, rnd.id).revealed:
            await self.core.audit.record(session.id, "round.revealed", actor(who), rnd.id,
                                         kind=rnd.kind, automatic=True)
        return after

    def finish_interrupted(self, sessions: list[Session]) -> None:
        """At start: finish, in the background, the rounds whose end a stop interrupted."""
        due = [(s.id, r.id) for s in sessions for r in s.rounds if _follow_up_due(r)]
        if due:
            self.core.spawn(self._finish_follow_ups(due), "finish interrupted round ends")

    async def _finish_follow_ups(self, due: list[tuple[str, str]]) -> None:
        """A process that stopped between a round's end and its reveal (or its published
        tallies) left the round ended but unfinished: finish it now, once across processes
        (the lease) and idempotently (revealed rounds are skipped)."""
        for sid, round_id in due:
            try:
                if not await self.core.broker.acquire_once(f"follow-up:{sid}:{round_id}",
                                                           TIMER_LEASE_S):
                    continue
                session = await self.core.session(sid)
                rnd = session.round(round_id)
                if rnd is None or not _follow_up_due(rnd):
                    continue
                log.info("finishing an interrupted round end session=%s round=%s", sid, round_id)
                await self.core.after(await self.round_ended(session, rnd))
            except NotFound:
                continue
            except Exception:
                log.exception("finishing a round end failed session=%s round=%s", sid, round_id)


# The trail's name of each round action.
_ACTIONS = {"start": "round.started", "pause": "round.paused", "resume": "round.resumed",
            "extend": "round.extended", "end": "round.ended"}


def _apply_round_fields(rnd: Round, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(rnd, name, value)
    if rnd.kind == "brainwrite":
        rnd.hidden = True
        if rnd.ideas_per_sheet is None:
            rnd.ideas_per_sheet = 3


def _follow_up_due(rnd: Round) -> bool:
    """An ended round whose results or hidden ideas should be out but are not."""
    if rnd.state != "ended" or rnd.revealed:
        return False
    return rnd.kind in ("vote", "rate") or (rnd.is_hidden and rnd.auto_reveal)
