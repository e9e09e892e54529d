"""Gatherings in a space: who is available today, random pairing, and the coffee moments
that invite the available to a table (moments.py has their rules and the .ics), the
groups of a pairing moment each to a table of its own (groups.py).

Records: ``space-status`` (availability.py), ``space-pairing`` ``ID/MID`` {on} and
``space-groups`` (groups.py).
Built on the Koffiehoek (its store, clock, presence and chat), which knows nothing of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..kernel.errors import Invalid, NotFound
from ..kernel.ids import new_id
from ..kernel.validation import body_object, only_fields
from . import availability, groups, moments
from .spaces import SPACE, Koffiehoek, Member, Space

log = logging.getLogger("sprankel.koffiehoek")

PAIRING = "space-pairing"
MOMENTS_INTERVAL_S = 20.0  # a moment's invitation goes out within this of its start


class Gatherings:
    def __init__(self, koffiehoek: Koffiehoek,
                 on_tables: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.k = koffiehoek
        self.store = koffiehoek.store
        self.clock = koffiehoek.clock
        # Told when a space's tables change (a moment's groups got theirs): the voice views.
        self.on_tables = on_tables
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._moments_periodically(), name="coffee moments")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _moments_periodically(self) -> None:
        while True:
            try:
                await self.invite_due_moments()
                await self.forget_past_groups()
            except Exception:
                log.exception("coffee moments failed")
            await asyncio.sleep(MOMENTS_INTERVAL_S)


    # Availability

    async def set_status(self, space: Space, member: Member, status: str, note: str
                         ) -> dict[str, str]:
        today = availability.local_day(self.clock.now_ms(), space.time_zone)
        await self.store.put_record(availability.STATUS, f"{space.id}/{member.id}",
                                    {"status": status, "note": note, "day": today})
        return {"status": status, "note": note}

    async def set_pairing(self, space: Space, member: Member, on: bool) -> dict[str, bool]:
        """Opt in (or out) of random pairing at the space's coffee moments; it lasts."""
        await self.store.put_record(PAIRING, f"{space.id}/{member.id}", {"on": on})
        return {"on": on}

    async def pairing(self, space: Space, member: Member) -> bool:
        record = await self.store.get_record(PAIRING, f"{space.id}/{member.id}")
        return bool((record or {}).get("on"))

    async def statuses(self, space: Space) -> dict[str, dict[str, str]]:
        """Today's status of every member who set one (the others are available)."""
        today = availability.local_day(self.clock.now_ms(), space.time_zone)
        records = await self.store.list_records(availability.STATUS, f"{space.id}/")
        found = {key.split("/", 1)[1]: availability.current(record, today)
                 for key, record in records.items()}
        return {mid: s for mid, s in found.items() if s["status"] != availability.AVAILABLE
                or s["note"]}

    async def available(self, space: Space, exclude: str = "") -> list[str]:
        """The members present now whose status today is available."""
        statuses = await self.statuses(space)
        return [p["id"] for p in await self.k.present(space.id) if p["id"] != exclude
                and statuses.get(p["id"], {}).get("status", "available") == "available"]


    # Coffee moments

    async def add_moment(self, space: Space, fields: dict[str, Any]) -> Space:
        if fields["table"] not in {t["id"] for t in space.tables}:
            raise NotFound("no such table in this space")
        moment = {"id": new_id(), **fields, "time_zone": fields["time_zone"] or space.time_zone}

        def add(record: dict[str, Any] | None) -> dict[str, Any]:
            if record is None:
                raise NotFound("no such space")
            current = list(record.get("moments", []))
            if len(current) >= moments.MAX_MOMENTS:
                raise Invalid(f"a space has at most {moments.MAX_MOMENTS} coffee moments")
            return {**record, "moments": [*current, moment]}

        return Space.from_json(await self.store.update_record(SPACE, space.id, add) or {})

    async def invite_due_moments(self) -> int:
        """Invite the available members of every space whose moment is on now: once per
        occurrence across all processes (a lease per moment and day)."""
        sent = 0
        now = self.clock.now_ms()
        for data in (await self.store.list_records(SPACE)).values():
            space = Space.from_json(data)
            for moment in space.moments:
                day, on = moments.occurrence(moment, now)
                if on and await self.k.broker.acquire_once(
                        f"koffiehoek:moment:{space.id}:{moment['id']}:{day}", 86_400):
                    await self._invite(space, moment)
                    sent += 1
        return sent

    async def _invite(self, space: Space, moment: Mapping[str, Any]) -> None:
        reach = await self.available(space)
        message = {"id": new_id(), "kind": "moment", "author_id": "",
                   "author_name": space.name, "text": "", "at": self.clock.now_ms(),
                   "reach": reach, "moment": {"id": moment["id"], "table": moment["table"],
                                              "duration_min": moment["duration_min"]}}
        if moment.get("pairing"):
            opted = await self.store.list_records(PAIRING, f"{space.id}/")
            willing = [m for m in reach if (opted.get(f"{space.id}/{m}") or {}).get("on")]
            found = moments.pairs(willing, self.clock.now_ms())
            message["pairs"] = found
            # The tables before the invitation: a member who clicks finds theirs there.
            tables = await self._seat_groups(space, moment, found)
            message["group_tables"] = [t["id"] for t in tables]
        await self.k.post_as_space(space, message)
        log.info("coffee moment space=%s moment=%s invited=%d", space.id, moment["id"],
                 len(reach))

    # The groups' tables

    async def _seat_groups(self, space: Space, moment: Mapping[str, Any],
                           found: list[list[str]]) -> list[dict[str, Any]]:
        if not found:
            return []
        now = self.clock.now_ms()
        made: list[dict[str, Any]] = []

        def add(record: dict[str, Any] | None) -> dict[str, Any]:
            current = groups.live((record or {}).get("tables", []), now)
            made[:] = groups.new_tables(found, str(moment["id"]),
                                        moments.ends_at(moment, now), (t["id"] for t in current))
            return {"tables": [*current, *made]}

        await self.store.update_record(groups.GROUPS, space.id, add)
        if self.on_tables is not None:
            await self.on_tables(space.id)
        log.info("coffee groups space=%s moment=%s tables=%d", space.id, moment["id"],
                 len(made))
        return made

    async def group_tables(self, space_id: str) -> list[dict[str, Any]]:
        """The tables of the space's coffee groups that may stand now (api/voice.py asks
        which of them do: that depends on who sits there)."""
        record = await self.store.get_record(groups.GROUPS, space_id)
        return groups.live((record or {}).get("tables", []), self.clock.now_ms())

    async def forget_past_groups(self) -> None:
        """Who was grouped with whom is kept no longer than their tables."""
        now = self.clock.now_ms()

        def prune(record: dict[str, Any] | None) -> dict[str, Any] | None:
            tables = groups.live((record or {}).get("tables", []), now)
            return {"tables": tables} if tables else None  # None: the record goes

        for space_id, record in (await self.store.list_records(groups.GROUPS)).items():
            if len(groups.live(record.get("tables", []), now)) < len(record.get("tables", [])):
                await self.store.update_record(groups.GROUPS, space_id, prune)


def pairing_fields(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, ("on",))
    if not isinstance(body.get("on"), bool):
        raise Invalid("on must be true or false")
    return {"on": body["on"]}
