"""Votes and ratings: one record per participant and round, so participants never
contend; the results are published into the round record (and so the control document)
when the round ends or the facilitator opens them."""

from __future__ import annotations

from typing import Any

from ..kernel.errors import Conflict, NotFound
from . import documents as docs
from . import rounds
from .core import Core
from .errors import WrongPhase
from .model import (
    RATINGS,
    VOTES,
    Participant,
    Round,
    Session,
    max_votes_per_idea,
    round_member_key,
    vote_budget,
)
from .roles import PARTICIPANT, require_contributor


class Votes:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def set_votes(self, session: Session, who: Participant, idea_id: str, count: int
                        ) -> dict[str, Any]:
        rnd = await self._running(session, who, "vote", idea_id,
                                  "votes are taken only while a voting round runs")
        budget, cap = vote_budget(session, rnd), max_votes_per_idea(session, rnd)
        if count > cap:
            raise Conflict(f"at most {cap} dots per idea in this round", "max_votes_per_idea")

        def change(record: dict[str, Any] | None) -> dict[str, Any]:
            votes = dict((record or {}).get("votes", {}))
            votes[idea_id] = count
            if count == 0:
                del votes[idea_id]
            used = sum(votes.values())
            if used > budget:
                left = budget - (used - count)
                raise Conflict(f"vote budget spent: {left} of {budget} dots left",
                               "vote_budget_spent")
            return {"votes": votes}

        key = round_member_key(session.id, rnd.id, who.id)
        record = await self.core.store.update_record(VOTES, key, change) or {}
        if rnd.revealed:
            await self.core.after(await self.publish_results(session.id, rnd.id))
        await self.publish_progress(session, rnd)
        return _my_votes(record.get("votes", {}), budget, cap, rnd.id)

    async def progress(self, session: Session, rnd: Round) -> dict[str, Any]:
        """How many participants placed all, some or none of their dots in a vote round."""
        budget = vote_budget(session, rnd)
        used: dict[str, int] = {}
        for key, record in (await self.core.store.list_records(
                VOTES, f"{session.id}/{rnd.id}/")).items():
            used[key.rsplit("/", 1)[-1]] = sum(int(n) for n in record.get("votes", {}).values())
        people = [p.id for p in await self.core.participants(session.id)
                  if p.role == PARTICIPANT]
        spent = [used.get(pid, 0) for pid in people]
        return {"round_id": rnd.id, "participants": len(people),
                "all": sum(1 for n in spent if n >= budget),
                "some": sum(1 for n in spent if 0 < n < budget),
                "none": sum(1 for n in spent if n == 0)}

    async def publish_progress(self, session: Session, rnd: Round) -> None:
        """The facilitator's live view of a vote round, in the control document (another
        process may write a count a moment older; the next dot puts it right)."""
        progress = await self.progress(session, rnd)
        await self.core.documents.apply_server_change(
            docs.control_name(session.id), lambda doc: docs.write_vote_progress(doc, progress))

    async def my_votes(self, session: Session, who: Participant) -> dict[str, Any] | None:
        mine = await self._mine(session, who, "vote", VOTES)
        if mine is None:
            return None
        rnd, record = mine
        return _my_votes(record.get("votes", {}), vote_budget(session, rnd),
                         max_votes_per_idea(session, rnd), rnd.id)

    async def set_rating(self, session: Session, who: Participant, idea_id: str,
                         originality: int, feasibility: int) -> dict[str, Any]:
        rnd = await self._running(session, who, "rate", idea_id,
                                  "ratings are taken only while a rating round runs")

        def change(record: dict[str, Any] | None) -> dict[str, Any]:
            ratings = dict((record or {}).get("ratings", {}))
            ratings[idea_id] = {"originality": originality, "feasibility": feasibility}
            return {"ratings": ratings}

        key = round_member_key(session.id, rnd.id, who.id)
        record = await self.core.store.update_record(RATINGS, key, change) or {}
        if rnd.revealed:
            await self.core.after(await self.publish_results(session.id, rnd.id))
        return {"round_id": rnd.id, "ratings": record.get("ratings", {})}

    async def my_ratings(self, session: Session, who: Participant) -> dict[str, Any] | None:
        mine = await self._mine(session, who, "rate", RATINGS)
        if mine is None:
            return None
        ratings: dict[str, Any] = mine[1].get("ratings", {})
        return ratings

    async def _mine(self, session: Session, who: Participant, kind: str, record_kind: str
                    ) -> tuple[Round, dict[str, Any]] | None:
        """The caller's record of the current round, when that round is of `kind`."""
        rnd = session.current_round
        if rnd is None or rnd.kind != kind:
            return None
        key = round_member_key(session.id, rnd.id, who.id)
        return rnd, await self.core.store.get_record(record_kind, key) or {}

    async def publish_results(self, sid: str, round_id: str) -> Session:
        """Tallies (vote) or averages (rate) into the round record, and so the control doc."""
        # A fresh read: this follows a change (a round's end, a vote in an open round).
        session = await self.core.session(sid)
        rnd = rounds.find(session, round_id)
        prefix = f"{sid}/{round_id}/"
        store = self.core.store
        tallies: dict[str, int] | None = None
        averages: dict[str, dict[str, float]] | None = None
        if rnd.kind == "vote":
            tallies = {}
            for record in (await store.list_records(VOTES, prefix)).values():
                for idea_id, n in record.get("votes", {}).items():
                    tallies[idea_id] = tallies.get(idea_id, 0) + int(n)
            tallies = {k: v for k, v in sorted(tallies.items()) if v > 0}
        else:
            sums: dict[str, list[int]] = {}
            for record in (await store.list_records(RATINGS, prefix)).values():
                for idea_id, r in record.get("ratings", {}).items():
                    s = sums.setdefault(idea_id, [0, 0, 0])
                    s[0] += int(r["originality"])
                    s[1] += int(r["feasibility"])
                    s[2] += 1
            averages = {k: {"originality": round(o / n, 2), "feasibility": round(f / n, 2),
                            "count": n} for k, (o, f, n) in sorted(sums.items())}

        def change(s: Session) -> None:
            r = rounds.find(s, round_id)
            r.revealed = True
            if tallies is not None:
                r.tallies = tallies
            if averages is not None:
                r.ratings = averages

        return await self.core.change(sid, change)

    async def _running(self, session: Session, who: Participant, kind: str, idea_id: str,
                       refusal: str) -> Round:
        """The running round of `kind` that takes this caller's choice about the idea."""
        require_contributor(who)
        rounds.check_open(session)
        rnd = session.active_round
        if rnd is None or rnd.kind != kind or rnd.state != "running":
            raise WrongPhase(refusal)
        if not await self.core.documents.read(docs.board_name(session.id),
                                              lambda d: docs.idea_exists(d, idea_id)):
            raise NotFound("no such idea on the board")
        return rnd


def _my_votes(votes: dict[str, Any], budget: int, cap: int, round_id: str) -> dict[str, Any]:
    mine = {k: int(v) for k, v in votes.items()}
    return {"round_id": round_id, "votes": mine, "budget": budget, "used": sum(mine.values()),
            "left": budget - sum(mine.values()), "max_votes_per_idea": cap}
